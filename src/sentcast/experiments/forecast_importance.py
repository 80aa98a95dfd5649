"""Importance of a forecasting run: grouped permutation per network cell, ablation over cells.

Per network cell of ``evaluation.importance_seeds``, :func:`cell_importance` permutes groups,
collinear clusters (clustered on the training part) and lone columns on the headline part
(test; validation when the run has no test part), never on a part used for choices. Its unit
is the increase of the RMSE in the scaled units of ``results.csv`` (divided by the training
targets' range). After the grid, :func:`importance_outputs` collects them
(``importance.csv``; summarized over seeds and repeats for the tables), tests every feature
group by ablation (``ablation.csv``: feature sets ``A`` and ``A+G`` with the same model,
seed, horizon and window, Diebold–Mariano on the headline part's squared errors) and draws one
importance plot per horizon and window, of the feature set with the most groups (mixing sets
would mix different models' spreads).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sentcast.config.forecast import ForecastExperiment
from sentcast.evaluation.importance import (
    ablation_pairs,
    ablation_test,
    correlation_clusters,
    permutation_importance,
    summarize_importance,
)
from sentcast.experiments.forecast_cells import Cell
from sentcast.experiments.forecast_data import CellData
from sentcast.experiments.forecast_resume import cell_file, computes_importance
from sentcast.experiments.run_files import write_csv
from sentcast.reporting.forecast_plots import plot_importance

#: Keys of one cell in the importance and ablation files.
CELL_KEYS = ["window", "horizon", "feature_set", "model", "seed"]


def cell_importance(cell: Cell, model: Any, data: CellData, repeats: int) -> pd.DataFrame:
    """Permutation rows of one fitted cell on its headline part (see the module docstring)."""
    part = data.split.test if data.split.test is not None else data.split.validation
    clusters = correlation_clusters(data.split.train.X[:, -1, :], data.features, data.groups)
    rows = permutation_importance(
        model.predict, part.X, part.y, data.features, data.groups, clusters, repeats, cell.seed
    )
    rows["importance"] /= data.target_range
    for key in reversed(CELL_KEYS):
        rows.insert(0, key, getattr(cell, key))
    return rows


def ablation_rows(
    cells: Sequence[Cell], feature_sets: Sequence[str], out: Path, split: str
) -> pd.DataFrame:
    """One row per (group, without, with, model, seed, horizon, window) of the grid.

    Parameters
    ----------
    cells : sequence of Cell
        The finished grid (their predictions files are read).
    feature_sets : sequence of str
        ``grid.feature_sets``; every pair of sets that differ by one group is compared.
    out : Path
        The RUN_DIR.
    split : str
        The headline part.
    """
    present = {(c.window, c.feature_set, c.model, c.seed, c.horizon) for c in cells}
    rows = []
    for group, without, larger in ablation_pairs(feature_sets):
        for cell in cells:
            if (
                cell.feature_set != larger
                or (cell.window, without, cell.model, cell.seed, cell.horizon) not in present
            ):
                continue
            smaller = Cell(cell.window, without, cell.model, cell.seed, cell.horizon)
            with_group, without_group = (
                pd.read_parquet(cell_file(out, c, ".predictions.parquet")) for c in (cell, smaller)
            )
            rows.append(
                {
                    "group": group,
                    "without": without,
                    "with": larger,
                    **{k: getattr(cell, k) for k in ("window", "horizon", "model", "seed")},
                    **ablation_test(with_group, without_group, cell.horizon, split),
                }
            )
    return pd.DataFrame(rows)


def importance_outputs(
    config: ForecastExperiment, cells: Sequence[Cell], out: Path, split: str
) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """Write ``importance.csv``, ``ablation.csv`` and the importance plots of a finished grid.

    Returns
    -------
    (pandas.DataFrame or None, pandas.DataFrame)
        ``importance.csv`` holds every permutation outcome of every cell; returned are their
        summary per (horizon, window, feature set, model) (None when no cell computes
        importance) and the ablation rows (empty without two sets one group apart).
    """
    names = config.data.names
    ablation = ablation_rows(cells, config.grid.feature_sets, out, split)
    if not ablation.empty:
        write_csv(ablation, out / "ablation.csv")
    files = [cell_file(out, c, ".importance.csv") for c in cells if computes_importance(c, config)]
    if not files:
        return None, ablation
    raw = pd.concat([pd.read_csv(p) for p in files], ignore_index=True)
    write_csv(raw, out / "importance.csv")
    summary = summarize_importance(raw, ["horizon", "window", "feature_set", "model"])
    if config.evaluation.plots:
        # The set with the most groups: what the networks use when every source is there.
        widest = max(config.grid.feature_sets, key=lambda fs: len(fs.split("+")))
        target = config.data.display_name("BTC")
        shown = "+".join(config.data.display_name(g) for g in widest.split("+"))
        for (horizon, window), part in raw[raw["feature_set"] == widest].groupby(
            ["horizon", "window"]
        ):
            plot_importance(
                summarize_importance(part),
                f"{target}: permutation importance on the {split} part\n{shown}, horizon "
                f"{horizon}, window {window} (networks, seeds and repeats)",
                out / "plots" / f"importance_h{horizon}_w{window}.png",
                names,
            )
    return summary, ablation
