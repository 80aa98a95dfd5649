"""Conformal intervals in a forecast run: on the test row only, and covering on real BTC data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.experiments.forecast_cells import INTERVAL_COLUMNS
from sentcast.experiments.runner import run_experiment

QUICK = Path(__file__).resolve().parents[2] / "configs" / "quick_btc.toml"
BASELINES = [
    "grid.windows=[30]",
    "grid.models=[]",
    "grid.baselines=['naive', 'ridge']",
    "grid.seeds=[0]",
    "grid.feature_sets=['BTC']",
    "evaluation.importance=false",
    "evaluation.plots=false",
    "evaluation.backtest.folds=0",
]


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Naive and ridge at horizon 1 on the shared 2014-2019 BTC data (a few seconds)."""
    out = tmp_path_factory.mktemp("intervals") / "run"
    run_experiment(QUICK, out, BASELINES, lock=False)
    return out


def test_intervals_are_scored_on_the_test_row_only(real_run: Path) -> None:
    results = pd.read_csv(real_run / "results.csv")
    test = results["split"] == "test"
    assert results.loc[test, INTERVAL_COLUMNS].notna().all().all()
    assert results.loc[~test, INTERVAL_COLUMNS].isna().all().all()
    assert (results.loc[test, "width95_usd"] > results.loc[test, "width80_usd"]).all()


def test_interval_bounds_surround_the_test_forecasts(real_run: Path) -> None:
    predictions = pd.read_parquet(next((real_run / "cells").glob("*_ridge_*.predictions.parquet")))
    test = predictions[predictions["split"] == "test"]
    assert ((test["lower95"] <= test["lower80"]) & (test["lower80"] <= test["y_pred"])).all()
    assert ((test["y_pred"] <= test["upper80"]) & (test["upper80"] <= test["upper95"])).all()
    assert predictions.loc[predictions["split"] != "test", "lower80"].isna().all()
    inside = (test["target_close"] >= test["lower80"]) & (test["target_close"] <= test["upper80"])
    results = pd.read_csv(real_run / "results.csv")
    cov = results.query("model == 'ridge' and split == 'test'")["cov80"].item()
    assert cov == pytest.approx(inside.mean())


@pytest.mark.parametrize("model", ["naive", "ridge"])
def test_coverage_on_real_btc_is_within_five_points_of_nominal(real_run: Path, model: str) -> None:
    results = pd.read_csv(real_run / "results.csv")
    row = results.query("model == @model and split == 'test'")
    assert np.abs(row["cov80"].item() - 0.80) <= 0.05
    assert np.abs(row["cov95"].item() - 0.95) <= 0.05
