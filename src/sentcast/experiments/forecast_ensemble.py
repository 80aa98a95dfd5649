"""Seed ensembles: for every network cell, the mean of its seeds' predictions, scored as a
row of its own (model ``<network>-ens``, seed -1) with its own intervals and DM test.

Averaging the seeds of one configuration is what a practitioner ships: it removes the part of
the error that is only the luck of one initialisation. The members' predictions are read from
their cell files, so an ensemble costs no training; it is rebuilt at the end of every run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sentcast.config.forecast import ForecastExperiment
from sentcast.errors import DataError
from sentcast.experiments.forecast_cells import Cell, score_predictions
from sentcast.experiments.forecast_data import CellData
from sentcast.experiments.forecast_resume import cell_file
from sentcast.experiments.run_files import write_csv
from sentcast.files import atomic_path

#: Suffix of an ensemble's model name, e.g. ``lstm-ens``.
ENSEMBLE = "-ens"
#: The seed column of ensemble rows: every seed of the grid.
ALL_SEEDS = -1


def ensemble_cells(config: ForecastExperiment) -> list[tuple[Cell, list[Cell]]]:
    """Each ensemble cell with its member cells (one per seed); none with a single seed."""
    grid = config.grid
    if len(grid.seeds) < 2:
        return []
    out = []
    for horizon in config.target.horizons:
        for window in grid.windows:
            for fs in grid.feature_sets:
                for model in grid.models:
                    members = [Cell(window, fs, model, s, horizon) for s in grid.seeds]
                    ens = Cell(window, fs, f"{model}{ENSEMBLE}", ALL_SEEDS, horizon)
                    out.append((ens, members))
    return out


def _mean_predictions(members: list[Cell], out: Path) -> pd.DataFrame:
    frames = [pd.read_parquet(cell_file(out, c, ".predictions.parquet")) for c in members]
    keys = ["split", "end_date"]
    first = frames[0][keys].reset_index(drop=True)
    for cell, frame in zip(members[1:], frames[1:], strict=True):
        if not frame[keys].reset_index(drop=True).equals(first):
            raise DataError(f"{cell.id}: its predictions cover other samples than its seed 0")
    # the first member plus the mean difference: exactly the members' value where they all
    # agree (a plain mean of three equal floats may differ from them in the last bit)
    first_pred = frames[0]["y_pred"].to_numpy()
    mean = first_pred + np.mean([f["y_pred"].to_numpy() - first_pred for f in frames], axis=0)
    return frames[0][keys].assign(y_pred=mean)


def write_ensembles(
    config: ForecastExperiment, data_of: Callable[[Cell], CellData], out: Path
) -> list[Cell]:
    """Score every ensemble of the grid and write its files under ``out/cells`` (predictions
    first, the metrics file last); returns the ensemble cells."""
    cells = []
    kind = config.target.kind
    for ens, members in ensemble_cells(config):
        data = data_of(members[0])
        mean = _mean_predictions(members, out)
        predicted = {
            split: mean.loc[mean["split"] == split, "y_pred"].to_numpy()
            for split in data.split.splits()
        }
        rows, predictions = score_predictions(
            ens, predicted, data, kind, 0.0, config.evaluation.intervals
        )
        with atomic_path(cell_file(out, ens, ".predictions.parquet")) as tmp:
            predictions.to_parquet(tmp)
        write_csv(rows, cell_file(out, ens, ".csv"))
        cells.append(ens)
    return cells
