"""Features for forecasting: daily sentiment and social tables joined to the market panel,
named feature sets, sliding windows with aligned targets, and chronological splits."""

from sentcast.features.join import FillPolicy, JoinReport, join_daily
from sentcast.features.sets import (
    STUDY_FEATURE_SETS,
    feature_columns,
    feature_groups,
    parse_feature_set,
)
from sentcast.features.windows import (
    SplitWindows,
    TargetKind,
    WindowedSamples,
    make_target,
    make_windows,
    split_windows,
)

__all__ = [
    "STUDY_FEATURE_SETS",
    "FillPolicy",
    "JoinReport",
    "SplitWindows",
    "TargetKind",
    "WindowedSamples",
    "feature_columns",
    "feature_groups",
    "join_daily",
    "make_target",
    "make_windows",
    "parse_feature_set",
    "split_windows",
]
