from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.errors import DataError
from sentcast.experiments.forecast_cells import Cell
from sentcast.experiments.forecast_ensemble import _mean_predictions
from sentcast.experiments.forecast_resume import cell_file


def _write(out: Path, cell: Cell, pred: np.ndarray, days: int = 5) -> None:
    frame = pd.DataFrame(
        {
            "split": ["train"] * (days - 2) + ["test"] * 2,
            "end_date": pd.date_range("2019-01-01", periods=days),
            "y_pred": pred,
        }
    )
    path = cell_file(out, cell, ".predictions.parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path)


def test_members_that_agree_give_exactly_their_value_and_others_their_mean(
    tmp_path: Path,
) -> None:
    cells = [Cell(7, "BTC", "lstm", s) for s in (0, 1, 2)]
    same = np.array([3771.07, 3802.6, 3617.41, 0.1, 7e3])
    for cell in cells:
        _write(tmp_path, cell, same)
    # a plain mean of three equal floats is not always that float; the ensemble must be
    assert np.array_equal(_mean_predictions(cells, tmp_path)["y_pred"].to_numpy(), same)
    _write(tmp_path, cells[2], same + 3.0)
    assert np.allclose(_mean_predictions(cells, tmp_path)["y_pred"], same + 1.0)


def test_members_of_other_samples_are_refused(tmp_path: Path) -> None:
    cells = [Cell(7, "BTC", "lstm", s) for s in (0, 1)]
    _write(tmp_path, cells[0], np.ones(5))
    _write(tmp_path, cells[1], np.ones(6), days=6)
    with pytest.raises(DataError, match="other samples"):
        _mean_predictions(cells, tmp_path)
