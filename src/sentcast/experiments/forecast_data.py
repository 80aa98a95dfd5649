"""Data of a forecasting experiment: market panel joined with daily tables, windows per cell.

Each daily table (``[data.sentiment]`` as the group ``Sentiment``, every ``[[data.sources]]``
entry, and ``[data.text_embedding]`` as ``TextEmb``) adds its group's columns to the panel; a
day a table cannot serve (see :mod:`sentcast.features.join`) is left out of the feature sets
that use that group only. A reduced group (``TextEmb``) enters a cell's windows as principal
components fitted on that cell's training days (:mod:`sentcast.features.reduce`), and again on
each walk-forward fold's training days (:meth:`CellData.refit_samples`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

import numpy as np
import pandas as pd

from sentcast.config.forecast import (
    DailyTableConfig,
    DataConfig,
    ForecastExperiment,
    SplitConfig,
    TargetConfig,
)
from sentcast.data.daily_series import read_daily_series
from sentcast.data.market import PanelReport, load_panel
from sentcast.errors import ConfigError, DataError
from sentcast.features.join import JoinReport, column_name, join_daily
from sentcast.features.reduce import reduce_groups, training_rows
from sentcast.features.sets import (
    SENTIMENT_GROUP,
    feature_columns,
    feature_groups,
    parse_feature_set,
)
from sentcast.features.windows import (
    CLOSE,
    SplitWindows,
    TargetKind,
    WindowedSamples,
    make_windows,
    split_windows,
)
from sentcast.models.statistical import close_history

logger = logging.getLogger(__name__)


@dataclass
class ExperimentData:
    """The joined daily frame and what building it kept and dropped.

    ``joins`` holds one :class:`~sentcast.features.join.JoinReport` per daily table (by group);
    ``feature_set_days`` the days each checked feature set keeps.
    """

    frame: pd.DataFrame
    panel_report: PanelReport
    joins: dict[str, JoinReport] = field(default_factory=dict)
    sentiment_source: str | None = None
    sentiment_columns: list[str] = field(default_factory=list)
    tweets_per_day: dict[str, float] | None = None
    feature_set_days: dict[str, int] = field(default_factory=dict)

    @property
    def join_report(self) -> JoinReport | None:
        """The report of the ``Sentiment`` table, if one is configured."""
        return self.joins.get(SENTIMENT_GROUP)

    def summary(self, config: DataConfig) -> dict[str, Any]:
        """The ``data_summary.json`` fields known before windowing."""
        missing: dict[str, int] = dict(self.panel_report.excluded_days)
        if self.join_report is not None:
            missing["sentiment_missing"] = self.join_report.missing
            missing["sentiment_filled"] = self.join_report.filled
            missing["sentiment_dropped"] = self.join_report.dropped
        tables = config.tables()
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
            "sources": {
                name: _table_summary(tables[name], report) for name, report in self.joins.items()
            },
            "days_per_feature_set": self.feature_set_days,
        }


def _table_summary(table: DailyTableConfig, report: JoinReport) -> dict[str, Any]:
    return {
        "label": table.title(),
        "path": table.path,
        # a pattern stays a pattern (``TextEmb_emb_*``), not its 384 columns
        "columns": [
            f"{report.name}_{c}" if c.endswith("*") else column_name(report.name, c)
            for c in table.columns
        ],
        "fill": report.fill,
        "max_fill_days": report.max_fill_days,
        "first_value": None if report.first is None else f"{report.first:%Y-%m-%d}",
        "last_value": None if report.last is None else f"{report.last:%Y-%m-%d}",
        **report.counts(),
    }


def _read_table(
    name: str, table: DailyTableConfig, extra: Sequence[str] = ()
) -> tuple[pd.DataFrame, list[str]]:
    """The table's rows and its value columns (a column ending in ``*`` expanded to every
    column of the file with that prefix)."""
    patterns = [c for c in table.columns if c.endswith("*")]
    wanted = list(dict.fromkeys([*table.columns, *extra]))
    daily, report = read_daily_series(table.path, None if patterns else wanted)
    logger.info("%s: %s", name, report.summary())
    columns = []
    for column in table.columns:
        if column.endswith("*"):
            matched = [c for c in daily.columns if str(c).startswith(column[:-1])]
            if not matched:
                raise DataError(f"{table.path}: no column matches {column!r}")
            columns += matched
        else:
            columns.append(column)
    if table.start is not None:
        daily = daily.loc[pd.Timestamp(table.start) :]
    return daily, list(dict.fromkeys(columns))


def feature_set_rows(frame: pd.DataFrame, feature_set: str) -> pd.Series:
    """Boolean mask of the days on which every column of ``feature_set`` has a value."""
    return frame[feature_columns(feature_set, list(frame.columns))].notna().all(axis=1)


def _check_feature_set(data: ExperimentData, feature_set: str) -> int:
    days = int(feature_set_rows(data.frame, feature_set).sum())
    if days == 0:
        groups = [g for g in feature_set.split("+") if g in data.joins]
        why = "; ".join(data.joins[g].summary() for g in groups)
        raise DataError(f"feature set {feature_set}: no day has a value for every group ({why})")
    return days


def load_experiment_data(config: DataConfig, feature_sets: Sequence[str] = ()) -> ExperimentData:
    """Build the market panel and join every daily table (sentiment and sources).

    Parameters
    ----------
    config : DataConfig
    feature_sets : sequence of str
        Feature sets to check: each must keep at least one day.

    Raises
    ------
    DataError
        A checked feature set is left without a day (e.g. a table ends before the panel starts,
        or every gap is longer than its ``max_fill_days``).
    """
    frame, report = load_panel(config.market, config.start, config.end, config.calendar)
    data = ExperimentData(frame, report)
    sentiment = config.sentiment
    for name, table in config.tables().items():
        counted = sentiment.count_column if name == SENTIMENT_GROUP and sentiment else None
        daily, columns = _read_table(name, table, [counted] if counted else [])
        frame, join = join_daily(frame, daily, columns, table.fill, table.max_fill_days, name)
        logger.info(join.summary())
        data.joins[name] = join
        if counted is not None:
            served = frame[[column_name(name, c) for c in table.columns]].notna().all(axis=1)
            per_day = daily[counted].reindex(frame.index[served]).fillna(0.0)
            data.tweets_per_day = {"mean": float(per_day.mean()), "median": float(per_day.median())}
    data.frame = frame
    if sentiment is not None:
        data.sentiment_source = sentiment.title()
        data.sentiment_columns = [column_name(SENTIMENT_GROUP, c) for c in sentiment.columns]
    data.feature_set_days = {fs: _check_feature_set(data, fs) for fs in feature_sets}
    return data


#: Fewest samples a validation or test part may have.
MIN_PART_SAMPLES = 30


@dataclass
class CellData:
    """Windows of one (horizon, window, feature set) cell, split chronologically.

    ``samples`` holds every sample (the walk-forward backtest's input), ``split`` the
    train / validation / test parts without the purged samples. With reduced groups
    (``components``), ``days`` keeps the cell's days before the reduction so that
    :meth:`refit_samples` can fit the components again on other training days.
    """

    samples: WindowedSamples
    split: SplitWindows
    features: list[str]
    groups: dict[str, list[str]]
    target_range: float
    horizon: int
    components: dict[str, int] = field(default_factory=dict)
    days: pd.DataFrame | None = None

    @property
    def close_index(self) -> int:
        """Position of ``BTC_Close`` among the features."""
        return self.features.index("BTC_Close")

    @cached_property
    def close_history(self) -> pd.Series:
        """The close on every day of the cell's samples (what the statistical models read),
        built once per cell (:func:`~sentcast.models.statistical.close_history`)."""
        return close_history(self.samples)

    @property
    def market_features(self) -> tuple[int, ...]:
        """Positions of the market groups' columns (prices and volumes: the features that
        networks scale per window); sentiment and other daily sources are not among them."""
        market = {c for g, cols in self.groups.items() if f"{g}_Close" in cols for c in cols}
        return tuple(i for i, name in enumerate(self.features) if name in market)

    def refit_samples(self, first: int, stop: int) -> WindowedSamples:
        """Every sample, the reduced groups' components fitted on the input days of samples
        ``first .. stop - 1`` only (a walk-forward fold's training part); ``samples`` when the
        cell has no reduced group."""
        if not self.components or self.days is None:
            return self.samples
        window = self.samples.X.shape[1]
        reduced = reduce_groups(self.days, training_rows(first, stop, window), self.components)
        return make_windows(
            reduced,
            self.features,
            window,
            self.horizon,
            cast(TargetKind, self.samples.target_kind),
        )


def prepare_cell(
    frame: pd.DataFrame,
    feature_set: str,
    window: int,
    horizon: int,
    target: TargetConfig,
    split: SplitConfig,
    components: Mapping[str, int] | None = None,
) -> CellData:
    """Windows and split of one cell; ``target_range`` is the training targets' max - min.

    Only the days on which every group of ``feature_set`` has a value are used. A group of
    ``components`` (e.g. ``{"TextEmb": 8}``, :meth:`DataConfig.components`) in the set is
    replaced by its principal components fitted on the input days of the training windows
    only: no validation or test day changes the fit.

    Raises
    ------
    ConfigError
        The validation or test part has fewer than :data:`MIN_PART_SAMPLES` samples.
    DataError
        No day has a value for every group of ``feature_set``.
    """
    rows = feature_set_rows(frame, feature_set)
    if not rows.any():
        raise DataError(f"feature set {feature_set}: no day has a value for every group")
    groups = parse_feature_set(feature_set)
    reduced = {g: k for g, k in (components or {}).items() if g in groups}
    days = frame.loc[rows]
    cut = (split.validation, split.test, split.validation_start, split.test_start)
    kept = days
    if reduced:  # the split depends on the dates only: find the training part first
        dates = split_windows(make_windows(days, [CLOSE], window, horizon, target.kind), *cut)
        kept = reduce_groups(days, training_rows(0, len(dates.train), window), reduced)
    columns = list(kept.columns)
    features = feature_columns(feature_set, columns)
    samples = make_windows(kept, features, window, horizon, target.kind)
    parts = split_windows(samples, *cut)
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
        reduced,
        days[feature_columns(feature_set, list(days.columns))] if reduced else None,
    )


def experiment_cell(
    frame: pd.DataFrame, config: ForecastExperiment, feature_set: str, window: int, horizon: int
) -> CellData:
    """:func:`prepare_cell` with the experiment's target, split and reduced groups."""
    return prepare_cell(
        frame,
        feature_set,
        window,
        horizon,
        config.target,
        config.split,
        config.data.components(),
    )
