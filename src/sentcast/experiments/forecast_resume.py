"""Which forecast cells a resumed run may skip: those whose every file is whole.

A cell is finished when ``cells/<cell-id>.csv`` (written last, atomically) holds one row per
split of the cell, with the cell's own horizon, window, feature set, model and seed, and its
predictions (and importance, when the cell computes it) are readable with the expected number
of rows. Any other cell is run again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

from sentcast.config.forecast import ForecastExperiment
from sentcast.experiments.forecast_cells import RESULT_COLUMNS, Cell
from sentcast.experiments.forecast_data import CellData
from sentcast.experiments.run_files import read_finished_csv
from sentcast.files import inside

#: Columns of a cell's importance file (one row per permutation); a file of an older layout
#: (one row per feature, no ``level``) makes the cell run again.
IMPORTANCE_COLUMNS = ["feature", "group", "level", "repeat", "importance"]


def cell_file(out: Path, cell: Cell, suffix: str) -> Path:
    """``out/cells/<cell-id><suffix>``, checked to lie inside ``out``."""
    return inside(out, Path("cells") / f"{cell.id}{suffix}")


def computes_importance(cell: Cell, config: ForecastExperiment) -> bool:
    """Whether the cell writes permutation importance (networks of the importance seeds)."""
    ev = config.evaluation
    return cell.is_network and ev.importance and cell.seed in ev.importance_seeds


def _predictions_rows(path: Path) -> int | None:
    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except (OSError, ValueError):  # missing, or not a whole Parquet file (ArrowInvalid)
        return None


def is_finished(cell: Cell, data: CellData, config: ForecastExperiment, out: Path) -> bool:
    """Whether every file of ``cell`` in ``out`` is whole and matches the cell's data."""
    splits = data.split.splits()
    rows = read_finished_csv(cell_file(out, cell, ".csv"), RESULT_COLUMNS, len(splits))
    if rows is None:
        return False
    identity = (
        rows["horizon"].eq(cell.horizon).all()
        and rows["window"].eq(cell.window).all()
        and rows["feature_set"].astype(str).eq(cell.feature_set).all()
        and rows["model"].astype(str).eq(cell.model).all()
        and rows["seed"].eq(cell.seed).all()
        and rows["split"].astype(str).tolist() == list(splits)
    )
    n_samples = sum(len(part) for part in splits.values())
    if not identity or _predictions_rows(cell_file(out, cell, ".predictions.parquet")) != n_samples:
        return False
    if computes_importance(cell, config):
        path = cell_file(out, cell, ".importance.csv")
        importance = read_finished_csv(path, IMPORTANCE_COLUMNS)
        return importance is not None and not importance.empty
    return True


def unfinished_cells(
    cells: list[Cell],
    cell_data: Callable[[Cell], CellData],
    config: ForecastExperiment,
    out: Path,
) -> tuple[list[Cell], list[str]]:
    """The cells to run, and the ids of those among them whose files were there but unreadable.

    Parameters
    ----------
    cells : list of Cell
        The grid, in run order.
    cell_data : callable
        ``cell -> CellData`` (a cache, so cells sharing data prepare it once).
    config : ForecastExperiment
    out : Path
        The RUN_DIR.
    """
    todo, redone = [], []
    for cell in cells:
        if not cell_file(out, cell, ".csv").exists():
            todo.append(cell)
        elif not is_finished(cell, cell_data(cell), config, out):
            todo.append(cell)
            redone.append(cell.id)
    return todo, redone
