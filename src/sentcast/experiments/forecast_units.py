"""Units of work of the forecasting grid: one cell, or the seeds of a network cell together.

With ``grid.batched`` (default), the cells that differ only in their seed (same horizon,
window, feature set and network) form one unit: their networks train as one batch
(:func:`sentcast.models.batched_fit.fit_batched`), then each cell is scored and written
exactly as alone (:func:`record_cell`), so the RUN_DIR holds the same files either way.
Every other cell (baselines, statistical models, GRU networks) is a unit of its own.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sentcast.config.forecast import ForecastExperiment
from sentcast.experiments.forecast_cells import Cell, build_estimator, fit_cell, score_cell
from sentcast.experiments.forecast_data import CellData
from sentcast.experiments.forecast_importance import cell_importance
from sentcast.experiments.forecast_resume import cell_file, computes_importance
from sentcast.experiments.run_files import write_csv
from sentcast.files import atomic_path, inside
from sentcast.models.batched_networks import BATCHED_NETWORKS
from sentcast.models.training import cell_fit, fit_summary

logger = logging.getLogger(__name__)

__all__ = ["grid_units", "is_tuned", "record_cell", "run_cell", "run_unit"]


def grid_units(cells: list[Cell], config: ForecastExperiment) -> list[list[Cell]]:
    """``cells`` grouped into units, in the order of their first cell."""
    units: dict[tuple[Any, ...], list[Cell]] = {}
    for cell in cells:
        if config.grid.batched and cell.model in BATCHED_NETWORKS:
            key: tuple[Any, ...] = (cell.horizon, cell.window, cell.feature_set, cell.model)
        else:
            key = (cell,)
        units.setdefault(key, []).append(cell)
    return list(units.values())


def record_cell(
    cell: Cell, model: Any, seconds: float, data: CellData, config: ForecastExperiment, out: Path
) -> None:
    """Score the fitted ``model`` of ``cell`` and write its files under ``out`` (predictions,
    saved network, importance; the metrics file last, which marks the cell finished) and log
    one line for it (epochs, best epoch and seconds of a network)."""
    history = getattr(model, "history_", None)
    fitted = fit_summary(history) if history is not None else f"fitted in {seconds:.1f} s"
    logger.info("%s: %s", cell.id, fitted)
    rows, predictions = score_cell(
        cell, model, data, config.target.kind, seconds, config.evaluation.intervals
    )
    with atomic_path(cell_file(out, cell, ".predictions.parquet")) as tmp:
        predictions.to_parquet(tmp)
    ev = config.evaluation
    if cell.is_network and ev.save_models:
        model.save(
            inside(out, Path("models") / cell.id),
            # The same metadata as `sentcast forecast train`, so `forecast predict` can use it.
            metadata={
                "cell": cell.id,
                "window": cell.window,
                "horizon": cell.horizon,
                "feature_set": cell.feature_set,
                "features": data.features,
                "experiment": config.to_toml_dict(),
            },
        )
    if computes_importance(cell, config):
        importance = cell_importance(cell, model, data, ev.importance_repeats)
        write_csv(importance, cell_file(out, cell, ".importance.csv"))
    # The metrics file is written last: it marks the cell as finished.
    write_csv(rows, cell_file(out, cell, ".csv"))


def run_cell(cell: Cell, data: CellData, config: ForecastExperiment, out: Path) -> None:
    """Fit and score ``cell`` alone; write its files under ``out`` (the metrics file last)."""
    model = build_estimator(cell.model, config, cell.seed, data)
    with cell_fit():
        model, seconds = fit_cell(model, data)
    record_cell(cell, model, seconds, data, config, out)


def is_tuned(cell: Cell, config: ForecastExperiment) -> bool:
    """Whether ``cell``'s network is tuned (``[tuning]``) before it is trained."""
    return cell.is_network and config.tuning.tunes(cell.model, list(config.grid.models))


def run_unit(
    cells: list[Cell],
    data: CellData,
    config: ForecastExperiment,
    out: Path,
    params: dict[str, Any] | None = None,
) -> None:
    """Fit the cells of one unit (one batch for several seeds of a network cell) and write
    each one's files; ``fit_seconds`` of a batched cell is its share of the batch's time.

    A tuned network (``[tuning]``) trains with ``params`` when given (chosen elsewhere, e.g.
    by trials on Ray), else with those of its study, run now or read from ``tuning/``.
    """
    if params is None and is_tuned(cells[0], config):
        from sentcast.tuning.study import cell_tuning

        params = cell_tuning(cells[0], data, config, out)
    if len(cells) == 1 and params is None:
        run_cell(cells[0], data, config, out)
        return
    from sentcast.models.batched_fit import fit_batched

    validation = (data.split.validation.X, data.split.validation.y)
    if params is None:
        models = [build_estimator(c.model, config, c.seed, data) for c in cells]
    else:
        from sentcast.tuning.trials import trial_estimator

        models = [trial_estimator(c.model, config, data, params, c.seed) for c in cells]
    with cell_fit():  # one INFO line per cell (record_cell), the fits' own lines at DEBUG
        if config.grid.batched:
            item = (data.split.train.X, data.split.train.y, validation)
            fitted = fit_batched(models, [item] * len(cells))
        else:
            fitted = [fit_cell(model, data) for model in models]
    for cell, (model, seconds) in zip(cells, fitted, strict=True):
        record_cell(cell, model, seconds, data, config, out)
