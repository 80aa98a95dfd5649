"""Checks of a forecast config against its data, before any cell runs.

``sentcast experiment validate`` and the start of ``experiment run`` cut every (window,
feature set) into samples and split them, so a window longer than the data, an empty split
part, a feature set the data cannot serve, too few training samples for ridge's time-series
cross-validation or for the walk-forward folds is one line naming the config key, not a
traceback after hours of grid.
"""

from __future__ import annotations

import pandas as pd

from sentcast.config.forecast import ForecastExperiment
from sentcast.errors import ConfigError, DataError, UserInputError
from sentcast.experiments.forecast_data import load_experiment_data, prepare_cell
from sentcast.models.baselines import RIDGE_CV_FOLDS


def _ridge_cv(config: ForecastExperiment) -> bool:
    """Whether ridge chooses its penalty by cross-validation (regression targets only)."""
    return bool(config.model.ridge.alphas) and config.target.kind != "direction"


def _check_backtest(config: ForecastExperiment, window: int, n_samples: int) -> None:
    folds = config.evaluation.backtest_folds
    need = 2 * (folds + 1)
    if n_samples < need:
        raise ConfigError(
            f"evaluation.backtest_folds: window {window} has {n_samples} samples, too few for "
            f"{folds} walk-forward folds (need {need})"
        )
    # The first fold trains on the first of folds + 1 blocks, less the purged horizon - 1.
    first = n_samples // (folds + 1) - (config.target.horizon - 1)
    if (
        "ridge" in config.evaluation.backtest_models
        and _ridge_cv(config)
        and first <= RIDGE_CV_FOLDS
    ):
        raise ConfigError(
            f"evaluation.backtest_folds: the first of {folds} walk-forward folds of window "
            f"{window} trains on {first} samples, too few for ridge's {RIDGE_CV_FOLDS}-fold "
            f"cross-validation of model.ridge.alphas (need {RIDGE_CV_FOLDS + 1}); use fewer folds"
        )


def check_windows(config: ForecastExperiment, frame: pd.DataFrame) -> str:
    """Check every (window, feature set) of the grid against the joined daily ``frame``.

    Returns
    -------
    str
        One line per window: its samples per split.

    Raises
    ------
    ConfigError
        Naming the config key (``grid.windows.1``, ``grid.feature_sets.0``,
        ``model.ridge.alphas``, ``evaluation.backtest_folds``) and the numbers.
    """
    grid = config.grid
    lines = []
    for i, window in enumerate(grid.windows):
        for j, feature_set in enumerate(grid.feature_sets):
            try:
                data = prepare_cell(frame, feature_set, window, config.target, config.split)
            except DataError as exc:
                raise ConfigError(f"grid.windows.{i}: window {window}: {exc}") from None
            except UserInputError as exc:
                raise ConfigError(f"grid.feature_sets.{j}: {exc}") from None
        sizes = {name: len(part) for name, part in data.split.splits().items()}
        n_train = sizes["train"]
        if "ridge" in grid.baselines and _ridge_cv(config) and n_train <= RIDGE_CV_FOLDS:
            raise ConfigError(
                f"model.ridge.alphas: window {window} leaves {n_train} training samples, too few "
                f"for {RIDGE_CV_FOLDS}-fold time-series cross-validation (need "
                f"{RIDGE_CV_FOLDS + 1}); use more data, a shorter window or one model.ridge.alpha"
            )
        if config.evaluation.backtest_folds:
            _check_backtest(config, window, sum(sizes.values()))
        parts = ", ".join(f"{n} {name}" for name, n in sizes.items())
        lines.append(f"window {window}: {parts} samples")
    return "\n".join(lines)


def check_data(config: ForecastExperiment) -> str:
    """Load the experiment's tables and run :func:`check_windows`; returns a short summary."""
    frame = load_experiment_data(config.data).frame
    head = f"data: {frame.index.min():%Y-%m-%d} .. {frame.index.max():%Y-%m-%d}, {len(frame)} days"
    return f"{head}\n{check_windows(config, frame)}"
