"""``grid.batched``: the seeds of a network cell train as one batch and the RUN_DIR matches
the per-model path's within rounding; a seed redone alone gives its batched files exactly."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sentcast.experiments.forecast import grid_cells
from sentcast.experiments.forecast_units import grid_units
from sentcast.experiments.runner import load_experiment, run_experiment

OVERRIDES = [
    "grid.windows=[4]",
    "grid.seeds=[0, 1]",
    'grid.feature_sets=["BTC+Sentiment"]',
    'grid.models=["lstm", "cnn-lstm"]',
    "evaluation.backtest.folds=0",
    "evaluation.plots=false",
]


def test_units_group_the_seeds_of_network_cells_only(tiny_experiment: Path) -> None:
    _, config = load_experiment(tiny_experiment, OVERRIDES)
    units = grid_units(grid_cells(config), config)  # type: ignore[arg-type]
    seeds = {u[0].model: [c.seed for c in u] for u in units if len(u) > 1}
    assert seeds == {"lstm": [0, 1], "cnn-lstm": [0, 1]}
    assert all(not u[0].is_network for u in units if len(u) == 1)
    _, config = load_experiment(tiny_experiment, [*OVERRIDES, "grid.batched=false"])
    assert all(len(u) == 1 for u in grid_units(grid_cells(config), config))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    from tests.experiments.forecast_files import experiment_toml

    root = tmp_path_factory.mktemp("units")
    toml = experiment_toml(root / "exp")
    run_experiment(toml, root / "batched", OVERRIDES)
    run_experiment(toml, root / "single", [*OVERRIDES, "grid.batched=false"])
    return toml, root / "batched", root / "single"


def test_batched_and_per_model_grids_agree(runs: tuple[Path, Path, Path]) -> None:
    _, batched, single = runs
    a, b = (pd.read_csv(p / "results.csv") for p in (batched, single))
    assert list(a["model"]) == list(b["model"])
    gap = (a["rmse_ratio_naive"] - b["rmse_ratio_naive"]).abs().max()
    assert gap < 0.01
    pd.testing.assert_series_equal(a["best_epoch"], b["best_epoch"])


def test_a_seed_redone_alone_gives_its_batched_files_exactly(
    runs: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """Seed 1's cell file deleted: the resume fits it alone (not batched with seed 0), and its
    metrics and predictions are the batched run's, bit for bit."""
    toml, batched, _ = runs
    import shutil

    out = tmp_path / "run"
    shutil.copytree(batched, out)
    cell = "h1_w4_BTC+Sentiment_cnn-lstm_s1"
    (out / "cells" / f"{cell}.csv").unlink()
    assert "(1 run, " in run_experiment(toml, out, OVERRIDES)
    for suffix in (".csv", ".predictions.parquet"):
        read = pd.read_parquet if suffix.endswith("parquet") else pd.read_csv
        again, first = (read(p / "cells" / f"{cell}{suffix}") for p in (out, batched))
        pd.testing.assert_frame_equal(
            again.drop(columns="fit_seconds", errors="ignore"),
            first.drop(columns="fit_seconds", errors="ignore"),
            check_exact=True,
        )
