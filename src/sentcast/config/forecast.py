"""The forecasting experiment file (``kind = "forecast"``), validated with dotted-path errors.

Relative data paths in a config file resolve against the file's folder (see
:func:`resolve_paths`); relative paths given with ``--set`` resolve against the current
directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from sentcast.config.base import FileName, FrozenModel, Seed, renamed_values, unique
from sentcast.config.forecast_data import (
    DailyTableConfig,
    DataConfig,
    SentimentConfig,
    SourceConfig,
    TextEmbeddingConfig,
    date_text,
)
from sentcast.config.forecast_models import (
    OLD_MODEL_NAMES,
    ForestConfig,
    ModelsConfig,
    NetworkConfig,
    RidgeConfig,
    StatisticalConfig,
)
from sentcast.config.training import TrainingConfig
from sentcast.config.tuning import TuningConfig
from sentcast.errors import ConfigError, UserInputError
from sentcast.features.sets import (
    SENTIMENT_GROUP,
    STUDY_FEATURE_SETS,
    TEXT_EMB_GROUP,
    parse_feature_set,
)

Model = Literal["lstm", "gru", "cnn-lstm"]
Baseline = Literal["naive", "ridge", "rf", "ets", "arima", "theta", "rwd"]
_DEFAULT_MODELS: tuple[Model, ...] = ("lstm", "cnn-lstm")
_DEFAULT_BASELINES: tuple[Baseline, ...] = ("naive", "ridge", "rf", "ets", "arima", "theta", "rwd")
_DEFAULT_BACKTEST: tuple[Model | Baseline, ...] = ("lstm", "ridge")
__all__ = [
    "BacktestConfig",
    "DailyTableConfig",
    "DataConfig",
    "EvaluationConfig",
    "ForecastExperiment",
    "ForestConfig",
    "GridConfig",
    "IntervalConfig",
    "ModelsConfig",
    "NetworkConfig",
    "RidgeConfig",
    "SentimentConfig",
    "SourceConfig",
    "SplitConfig",
    "StatisticalConfig",
    "TargetConfig",
    "TextEmbeddingConfig",
    "resolve_paths",
]


def _check_sets(value: list[str]) -> list[str]:
    for name in value:
        try:
            parse_feature_set(name)
        except UserInputError as exc:
            raise ValueError(str(exc)) from None
    return value


class TargetConfig(FrozenModel):
    """``[target]``: what is forecast, at each of ``horizons`` rows ahead.

    ``horizon = h`` (one horizon, the older spelling) is read as ``horizons = [h]``.

    Attributes
    ----------
    kind : str
        ``price`` (the close ``h`` rows ahead), ``log_return`` (the log return over them) or
        ``direction`` (up or not).
    horizons : list of int
        Rows ahead (trading days or calendar days, as the calendar); every cell runs at each.
    """

    kind: Literal["price", "log_return", "direction"] = "price"
    horizons: list[int] = Field(default_factory=lambda: [1], min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _single_horizon(cls, data: Any) -> Any:
        if isinstance(data, dict) and "horizon" in data:
            data = dict(data)
            horizon = data.pop("horizon")
            if "horizons" in data and data["horizons"] != [horizon]:
                raise ValueError("give target.horizon or target.horizons, not both")
            data["horizons"] = [horizon]
        return data

    @field_validator("horizons")
    @classmethod
    def _positive_horizons(cls, value: list[int]) -> list[int]:
        if any(h < 1 for h in value):
            raise ValueError("every horizon must be >= 1")
        if len(set(value)) != len(value):
            raise ValueError("horizons must not repeat")
        return value


class SplitConfig(FrozenModel):
    """``[split]``: chronological train / validation / test, by fractions of the samples or by
    start dates; the scaler fitted on training.

    The default 60 / 20 / 20 keeps a validation part of the study's size (its 80 / 20 split
    had about 260 validation samples on 2014-2019) for every choice (early stopping, penalties,
    best cell) and an equally large test part that no choice has seen: the headline. ``test =
    0`` without ``test_start`` turns the test part off (tables then say that their headline is
    the selection-biased validation part).

    Attributes
    ----------
    validation, test : float
        Shares of the samples, in time order (train gets the rest).
    validation_start, test_start : str, optional
        First target day of each part instead of the shares.
    scaler : str
        ``minmax`` or ``standard``, fitted on the training windows only.
    """

    validation: float = Field(0.2, gt=0, lt=1)
    test: float = Field(0.2, ge=0, lt=1)
    validation_start: str | None = None
    test_start: str | None = None
    scaler: Literal["minmax", "standard"] = "minmax"

    _dates = field_validator("validation_start", "test_start", mode="before")(date_text)

    @model_validator(mode="after")
    def _fractions(self) -> SplitConfig:
        if self.validation + self.test >= 1:
            raise ValueError("validation + test must be < 1")
        if (
            self.validation_start is not None
            and self.test_start is not None
            and self.test_start <= self.validation_start
        ):
            raise ValueError("test_start must be after validation_start")
        return self

    @property
    def has_test(self) -> bool:
        """Whether a test part is split off."""
        return self.test > 0 or self.test_start is not None


class GridConfig(FrozenModel):
    """``[grid]``: the cells (window x feature set x model x seed) and baselines.

    Attributes
    ----------
    windows : list of int
        Input window lengths, in rows.
    feature_sets : list of str
        Groups joined by ``+``: ``BTC``, ``BTC+Sentiment``, ``BTC+USD+SP500``, ``BTC+Reddit``.
    models : list of str
        Networks, each run with every seed.
    baselines : list of str
        ``naive`` (the last close), ``ridge``, ``rf`` (random forest, every seed) and the
        statsforecast models ``ets``, ``arima``, ``theta``, ``rwd`` (random walk with drift).
    seeds : list of int
        Seeds of the networks and forests; the networks' seeds are also averaged as ensembles.
    """

    windows: list[int] = Field(default_factory=lambda: [7, 30, 90], min_length=1)
    feature_sets: list[FileName] = Field(
        default_factory=lambda: list(STUDY_FEATURE_SETS), min_length=1
    )
    models: list[Model] = Field(default_factory=lambda: list(_DEFAULT_MODELS))
    baselines: list[Baseline] = Field(default_factory=lambda: list(_DEFAULT_BASELINES))
    seeds: list[Seed] = Field(default_factory=lambda: [0, 1, 2], min_length=1)
    threads: int = Field(1, ge=0, description="torch threads; 0 keeps torch's default")
    jobs: int = Field(1, ge=1, description="worker processes running cells in parallel")
    batched: bool = Field(
        True,
        description="train the seeds of a network cell as one batch where that is faster "
        "(recurrent sequences of at most models.batched_fit.MAX_BATCHED_STEPS steps; longer "
        "ones train one at a time); false: one network at a time",
    )

    _unique = field_validator("windows", "feature_sets", "models", "baselines", "seeds")(unique)

    @field_validator("models", mode="before")
    @classmethod
    def _old_models(cls, value: Any) -> Any:
        return renamed_values(value, OLD_MODEL_NAMES)

    @field_validator("windows")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if any(w < 1 for w in value):
            raise ValueError("every window must be >= 1")
        return value

    @field_validator("feature_sets")
    @classmethod
    def _sets(cls, value: list[str]) -> list[str]:
        return _check_sets(value)


class BacktestConfig(FrozenModel):
    """``[evaluation.backtest]``: walk-forward folds (see :mod:`sentcast.evaluation.backtest`).

    ``folds = 0`` turns it off. Test blocks are ``step`` samples long (default: the samples
    cut into ``folds + 1`` equal blocks) and the last one ends with the data; ``dates``
    (first target day of every block) replaces ``folds`` and ``step``. ``window = "expanding"``
    trains on every earlier sample, ``"sliding"`` on the last ``train_size`` of them (default:
    the first fold's training size). Every fold refits every model; ``naive`` is always run.

    Attributes
    ----------
    folds : int
        Test blocks (0: no backtest).
    step : int, optional
        Samples per test block.
    dates : list of str
        First target day of every test block (replaces ``folds`` and ``step``).
    window : str
        ``expanding`` or ``sliding`` training window.
    train_size : int, optional
        Training samples of a sliding window.
    models : list of str
        Models refitted on every fold (naive is always included).
    seed : int
        Seed of the backtest's networks and forests.
    """

    folds: int = Field(0, ge=0)
    step: int | None = Field(None, gt=0)
    dates: list[str] = Field(default_factory=list)
    window: Literal["expanding", "sliding"] = "expanding"
    train_size: int | None = Field(None, gt=0)
    models: list[Model | Baseline] = Field(default_factory=lambda: list(_DEFAULT_BACKTEST))
    feature_sets: list[str] = Field(
        default_factory=list, description="empty: every grid.feature_sets entry"
    )
    seed: int = 0

    @field_validator("models", mode="before")
    @classmethod
    def _old_models(cls, value: Any) -> Any:
        return renamed_values(value, OLD_MODEL_NAMES)

    @field_validator("dates", mode="before")
    @classmethod
    def _date_list(cls, value: Any) -> Any:
        return [date_text(v) for v in value] if isinstance(value, list) else value

    @field_validator("dates")
    @classmethod
    def _ordered(cls, value: list[str]) -> list[str]:
        if value != sorted(set(value)):
            raise ValueError("dates must be increasing")
        return value

    @field_validator("feature_sets")
    @classmethod
    def _sets(cls, value: list[str]) -> list[str]:
        return _check_sets(value)

    @property
    def enabled(self) -> bool:
        """Whether a walk-forward backtest runs."""
        return self.folds > 0 or bool(self.dates)

    @property
    def all_models(self) -> list[str]:
        """``naive`` first, then the configured models."""
        return ["naive", *(m for m in self.models if m != "naive")]


class IntervalConfig(FrozenModel):
    """``[evaluation.intervals]``: conformal prediction intervals at 80 % and 95 %.

    Calibrated on the validation part's residuals (relative to the last close), scored on the
    test part. ``split``: one quantile of the validation scores; ``adaptive``: at each test
    step also the test scores whose targets were already observed (never a future one), the
    last ``window`` of them (default 250 rows, about one trading year). Price and log-return
    targets only.

    Attributes
    ----------
    enabled : bool
        Compute the intervals and their coverage, width and interval score.
    method : str
        ``split`` or ``adaptive``.
    """

    enabled: bool = True
    method: Literal["split", "adaptive"] = "adaptive"
    window: int | None = Field(250, gt=0, description="adaptive only; None: all scores")


class EvaluationConfig(FrozenModel):
    """``[evaluation]``: permutation importance, walk-forward backtest, intervals, plots, saved
    models.

    The older keys ``backtest_folds`` / ``backtest_models`` are read as ``backtest.folds`` /
    ``backtest.models``.

    Attributes
    ----------
    importance : bool
        Permutation importance (groups, correlated clusters) and the ablation table on the test
        part.
    importance_seeds : list of int
        Seeds whose cells get importance (it costs one scoring per repeat and group).
    importance_repeats : int
        Permutations per group.
    plots : bool
        Write ``plots/``.
    save_models : bool
        Save each network under ``models/<cell>/``.
    """

    importance: bool = True
    importance_seeds: list[Seed] = Field(default_factory=lambda: [0])
    importance_repeats: int = Field(3, gt=0)
    backtest: BacktestConfig = BacktestConfig()
    intervals: IntervalConfig = IntervalConfig()
    plots: bool = True
    save_models: bool = True

    @model_validator(mode="before")
    @classmethod
    def _legacy_backtest(cls, data: Any) -> Any:
        if isinstance(data, dict) and {"backtest_folds", "backtest_models"} & set(data):
            data = dict(data)
            backtest = dict(data.get("backtest") or {})
            for old, new in (("backtest_folds", "folds"), ("backtest_models", "models")):
                if old not in data:
                    continue
                if new in backtest:
                    raise ValueError(f"give {old} or backtest.{new}, not both")
                backtest[new] = data.pop(old)
            data["backtest"] = backtest
        return data


class ForecastExperiment(FrozenModel):
    """A whole forecasting experiment file minus its ``kind`` key."""

    data: DataConfig
    target: TargetConfig = TargetConfig()
    split: SplitConfig = SplitConfig()
    grid: GridConfig = GridConfig()
    model: ModelsConfig = ModelsConfig()
    train: TrainingConfig = TrainingConfig()
    evaluation: EvaluationConfig = EvaluationConfig()
    tuning: TuningConfig = TuningConfig()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], prefix: str = "") -> ForecastExperiment:
        """Validate ``data`` and check that the data tables serve every feature set."""
        config = super().from_mapping(data, prefix)
        grid, dates = config.grid, config.data
        if not grid.models and not grid.baselines:
            raise ConfigError(
                "grid.models: nothing to run (grid.models and grid.baselines are empty)"
            )
        if dates.start and dates.end and dates.start > dates.end:
            raise ConfigError(f"data.start: {dates.start} is after data.end {dates.end}")
        tables = config.data.tables()
        known = list(dict.fromkeys([*config.data.market, *tables]))
        for slot in config.data.names:
            if slot not in known:
                raise ConfigError(
                    f"data.names.{slot}: not a market prefix or a daily table "
                    f"(known: {', '.join(known)})"
                )
        for key, names in (
            ("grid.feature_sets", grid.feature_sets),
            ("evaluation.backtest.feature_sets", config.evaluation.backtest.feature_sets),
        ):
            for name in names:
                groups = name.split("+")
                for group, section in (
                    (SENTIMENT_GROUP, "sentiment"),
                    (TEXT_EMB_GROUP, "text_embedding"),
                ):
                    if group in groups and group not in tables:
                        raise ConfigError(
                            f"data.{section}: required key is missing (a {key} entry uses {group})"
                        )
                try:
                    parse_feature_set(name, known)
                except UserInputError as exc:
                    raise ConfigError(
                        f"{key}: {exc}; add a data.market file or a [[data.sources]] "
                        "entry of that name"
                    ) from None
        return config


def resolve_paths(raw: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """Make the relative data paths of a config file absolute against ``base_dir`` (in place)."""
    data = raw.get("data")
    if not isinstance(data, dict):
        return raw
    market = data.get("market")
    if isinstance(market, dict):
        for key, value in market.items():
            if isinstance(value, str) and not Path(value).expanduser().is_absolute():
                market[key] = str(base_dir / value)
    sources = data.get("sources")
    tables = [
        data.get("sentiment"),
        data.get("text_embedding"),
        *(sources if isinstance(sources, list) else []),
    ]
    for table in tables:
        if isinstance(table, dict):
            value = table.get("path")
            if isinstance(value, str) and not Path(value).expanduser().is_absolute():
                table["path"] = str(base_dir / value)
    return raw
