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
    check_feature_sets,
    date_text,
)
from sentcast.config.forecast_evaluation import EvaluationConfig
from sentcast.config.forecast_models import (
    OLD_MODEL_NAMES,
    Baseline,
    ForestConfig,
    Model,
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

_DEFAULT_MODELS: tuple[Model, ...] = ("lstm", "cnn-lstm")
_DEFAULT_BASELINES: tuple[Baseline, ...] = ("naive", "ridge", "rf", "ets", "arima", "theta", "rwd")
__all__ = [
    "DailyTableConfig",
    "DataConfig",
    "ForecastExperiment",
    "ForestConfig",
    "GridConfig",
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
        return check_feature_sets(value)


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
