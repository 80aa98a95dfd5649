"""``[evaluation]`` of a forecast experiment: permutation importance, the walk-forward backtest,
conformal intervals, plots and saved models (split from :mod:`sentcast.config.forecast`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from sentcast.config.base import FrozenModel, Seed, renamed_values
from sentcast.config.forecast_data import check_feature_sets, date_text
from sentcast.config.forecast_models import OLD_MODEL_NAMES, Baseline, Model

_DEFAULT_BACKTEST: tuple[Model | Baseline, ...] = ("lstm", "ridge")


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
        return check_feature_sets(value)

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
