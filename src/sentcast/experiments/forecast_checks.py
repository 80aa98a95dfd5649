"""Checks of a forecast config against its data, before any cell runs.

``sentcast experiment validate`` and the start of ``experiment run`` cut every (horizon,
window, feature set) into samples and split them, so a window longer than the data, a
validation or test part under the minimum size, a feature set the data cannot serve, or
walk-forward folds that do not fit is one line naming the config key, not a traceback after
hours of grid.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sentcast.config.forecast import ForecastExperiment
from sentcast.errors import ConfigError, DataError, UserInputError
from sentcast.evaluation.backtest import fold_blocks
from sentcast.experiments.forecast_data import experiment_cell, load_experiment_data


def check_windows(config: ForecastExperiment, frame: pd.DataFrame) -> dict[str, Any]:
    """Check every (horizon, window, feature set) of the grid against the daily ``frame``.

    Returns
    -------
    dict
        Samples per part of the first feature set: ``{"h1": {"7": {"train": ...}}}``.

    Raises
    ------
    ConfigError
        Naming the config key (``grid.windows.1``, ``grid.feature_sets.0``, ``split.test``,
        ``evaluation.backtest``) and the numbers.
    """
    grid, backtest = config.grid, config.evaluation.backtest
    counts: dict[str, Any] = {}
    for horizon in config.target.horizons:
        for i, window in enumerate(grid.windows):
            for j, feature_set in enumerate(grid.feature_sets):
                try:
                    data = experiment_cell(frame, config, feature_set, window, horizon)
                except ConfigError:
                    raise
                except DataError as exc:
                    raise ConfigError(
                        f"grid.windows.{i}: window {window}, horizon {horizon}: {exc}"
                    ) from None
                except UserInputError as exc:
                    raise ConfigError(f"grid.feature_sets.{j}: {exc}") from None
                if j == 0:
                    per_part = {k: len(v) for k, v in data.split.splits().items()}
                    counts.setdefault(f"h{horizon}", {})[str(window)] = per_part
                if backtest.enabled:
                    try:
                        fold_blocks(data.samples, backtest.folds, backtest.step, backtest.dates)
                    except DataError as exc:
                        raise ConfigError(
                            f"evaluation.backtest: window {window}, horizon {horizon}, "
                            f"{feature_set}: {exc}"
                        ) from None
    return counts


def check_data(config: ForecastExperiment) -> str:
    """Load the experiment's tables and run :func:`check_windows`; returns a short summary."""
    frame = load_experiment_data(config.data).frame
    counts = check_windows(config, frame)
    lines = [
        f"data: {frame.index.min():%Y-%m-%d} .. {frame.index.max():%Y-%m-%d}, {len(frame)} days"
    ]
    lines += [
        f"horizon {h[1:]}, window {w}: "
        + ", ".join(f"{n} {part}" for part, n in parts.items())
        + " samples"
        for h, windows in counts.items()
        for w, parts in windows.items()
    ]
    return "\n".join(lines)
