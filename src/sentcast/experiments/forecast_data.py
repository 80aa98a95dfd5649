"""Data of a forecasting experiment: market panel joined with sentiment, windows per cell."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sentcast.config.forecast import DataConfig, SplitConfig, TargetConfig
from sentcast.data.daily_series import read_daily_series
from sentcast.data.market import PanelReport, load_panel
from sentcast.errors import ConfigError
from sentcast.features.join import JoinReport, join_sentiment, sentiment_name
from sentcast.features.sets import feature_columns, feature_groups
from sentcast.features.windows import SplitWindows, WindowedSamples, make_windows, split_windows

logger = logging.getLogger(__name__)


@dataclass
class ExperimentData:
    """The joined daily frame and what building it kept and dropped."""

    frame: pd.DataFrame
    panel_report: PanelReport
    join_report: JoinReport | None
    sentiment_source: str | None
    sentiment_columns: list[str]
    tweets_per_day: dict[str, float] | None

    def summary(self, config: DataConfig) -> dict[str, Any]:
        """The ``data_summary.json`` fields known before windowing."""
        missing: dict[str, int] = dict(self.panel_report.excluded_days)
        if self.join_report is not None:
            missing["sentiment_missing"] = self.join_report.missing
            missing["sentiment_filled"] = self.join_report.filled
            missing["sentiment_dropped"] = self.join_report.dropped
        return {
            "kind": "forecast",
            "start": f"{self.frame.index.min():%Y-%m-%d}",
            "end": f"{self.frame.index.max():%Y-%m-%d}",
            "calendar": config.calendar,
            "n_days": len(self.frame),
            "missing_days": missing,
            "sentiment_source": self.sentiment_source,
            "sentiment_columns": self.sentiment_columns,
            "sentiment_fill": config.sentiment.fill if config.sentiment else None,
            "tweets_per_day": self.tweets_per_day,
        }


def load_experiment_data(config: DataConfig) -> ExperimentData:
    """Build the market panel and join the sentiment table (if configured)."""
    panel, report = load_panel(config.market, config.start, config.end, config.calendar)
    sentiment = config.sentiment
    if sentiment is None:
        return ExperimentData(panel, report, None, None, [], None)
    wanted = list(dict.fromkeys([*sentiment.columns, *filter(None, [sentiment.count_column])]))
    daily, daily_report = read_daily_series(sentiment.path, wanted)
    logger.info(daily_report.summary())
    frame, join_report = join_sentiment(panel, daily, sentiment.columns, sentiment.fill)
    logger.info(join_report.summary())
    counts = None
    if sentiment.count_column is not None:
        per_day = daily[sentiment.count_column].reindex(frame.index).fillna(0.0)
        counts = {"mean": float(per_day.mean()), "median": float(per_day.median())}
    source = sentiment.source or Path(sentiment.path).name
    return ExperimentData(
        frame,
        report,
        join_report,
        source,
        [sentiment_name(c) for c in sentiment.columns],
        counts,
    )


#: Fewest samples a validation or test part may have.
MIN_PART_SAMPLES = 30


@dataclass
class CellData:
    """Windows of one (horizon, window, feature set) cell, split chronologically.

    ``samples`` holds every sample (the walk-forward backtest's input), ``split`` the
    train / validation / test parts without the purged samples.
    """

    samples: WindowedSamples
    split: SplitWindows
    features: list[str]
    groups: dict[str, list[str]]
    target_range: float
    horizon: int

    @property
    def close_index(self) -> int:
        """Position of ``BTC_Close`` among the features."""
        return self.features.index("BTC_Close")


def prepare_cell(
    frame: pd.DataFrame,
    feature_set: str,
    window: int,
    horizon: int,
    target: TargetConfig,
    split: SplitConfig,
) -> CellData:
    """Windows and split of one cell; ``target_range`` is the training targets' max - min.

    Raises
    ------
    ConfigError
        The validation or test part has fewer than :data:`MIN_PART_SAMPLES` samples.
    """
    columns = list(frame.columns)
    features = feature_columns(feature_set, columns)
    samples = make_windows(frame, features, window, horizon, target.kind)
    parts = split_windows(
        samples, split.validation, split.test, split.validation_start, split.test_start
    )
    for name, part in parts.splits().items():
        if name != "train" and len(part) < MIN_PART_SAMPLES:
            raise ConfigError(
                f"split.{name}: {len(part)} {name} samples at horizon {horizon}, window "
                f"{window} (at least {MIN_PART_SAMPLES} needed); give it a larger share, "
                "an earlier start date or more data"
            )
    return CellData(
        samples,
        parts,
        features,
        feature_groups(feature_set, columns),
        float(np.ptp(parts.train.y)),
        horizon,
    )
