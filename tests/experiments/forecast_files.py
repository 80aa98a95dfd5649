"""Forecast experiment files over generated data (a TOML file and its data folder)."""

from __future__ import annotations

import filecmp
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from tests.features.synthetic import write_experiment_files

TINY_TRAIN = {"epochs": 3, "batch_size": 32, "learning_rate": 0.01, "patience": 2, "device": "cpu"}


#: A three-cell grid (naive, ridge, LSTM) of the tiny experiment, for the engine tests.
RAY_OVERRIDES = [
    "grid.windows=[4]",
    "grid.seeds=[0]",
    'grid.feature_sets=["BTC+Sentiment"]',
    "evaluation.backtest.folds=0",
]


def same_run_files(a: Path, b: Path) -> None:
    """Two RUN_DIRs of one config hold the same cell, result and model files, equal but for
    the fitting times."""
    import torch

    def read(path: Path) -> pd.DataFrame:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path).drop(columns="fit_seconds", errors="ignore")

    names = sorted(p.name for p in (a / "cells").iterdir())
    assert names == sorted(p.name for p in (b / "cells").iterdir())
    assert any(name.endswith(".importance.csv") for name in names)
    for name in [*(f"cells/{n}" for n in names), "results.csv", "importance.csv"]:
        pd.testing.assert_frame_equal(read(a / name), read(b / name))
    models = sorted(p.relative_to(a) for p in (a / "models").rglob("*") if p.is_file())
    assert models == sorted(p.relative_to(b) for p in (b / "models").rglob("*") if p.is_file())
    for name in models:
        if name.suffix == ".pt":  # torch.save names its archive after the (temporary) file
            weights = [torch.load(root / name, weights_only=True) for root in (a, b)]
            assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
        else:
            assert filecmp.cmp(a / name, b / name, shallow=False), name


def experiment_toml(folder: Path, **sections: dict[str, Any]) -> Path:
    """Write generated data into ``folder/data`` and a forecast TOML referring to it by
    paths relative to the TOML file; ``sections`` replace or extend the default tables."""
    data_dir = folder / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    beta = sections.pop("beta", {}).get("value", 0.0)
    lag = sections.pop("lag", {}).get("value", 1)
    n = sections.pop("days", {}).get("value", 240)  # >= 30 validation and test samples
    write_experiment_files(data_dir, n=n, seed=0, beta=beta, lag=lag)
    config: dict[str, Any] = {
        "kind": "forecast",
        "data": {
            "calendar": "trading",
            "market": {"BTC": "data/BTC-USD.csv", "USD": "data/DXY.csv", "SP500": "data/GSPC.csv"},
            "sentiment": {"path": "data/sentiment.csv", "columns": ["CL sentiment"]},
        },
        "grid": {
            "windows": [3, 5],
            "feature_sets": ["BTC", "BTC+Sentiment"],
            "models": ["lstm"],
            "baselines": ["naive", "ridge"],
            "seeds": [0, 1],
        },
        "model": {"lstm": {"hidden_size": 4}},
        "train": dict(TINY_TRAIN),
        "evaluation": {"importance_repeats": 1, "backtest": {"folds": 2, "models": ["ridge"]}},
    }
    for key, value in sections.items():
        config[key] = {**config.get(key, {}), **value}
    path = folder / "exp.toml"
    path.write_text(tomli_w.dumps(config), encoding="utf-8")
    return path


def check_naive_comparisons(results: pd.DataFrame) -> None:
    """Every row's ``rmse_ratio_naive`` is its RMSE in USD over the naive row's on the same
    samples, and the sign of ``dm_stat`` (DM of the model against naive on squared errors of
    ``price`` targets) says which has the smaller mean squared error: negative for the model."""
    keys = ["window", "horizon", "split"]
    naive = results.loc[results["model"] == "naive", [*keys, "rmse_usd"]]
    merged = results.merge(naive, on=keys, suffixes=("", "_naive"), validate="many_to_one")
    assert len(merged) == len(results)
    ratio = merged["rmse_usd"] / merged["rmse_usd_naive"]
    np.testing.assert_allclose(merged["rmse_ratio_naive"], ratio, rtol=1e-9)
    models = merged[(merged["model"] != "naive") & (merged["dm_stat"].notna())]
    assert len(models) > 0
    assert (np.sign(models["dm_stat"]) == np.sign(models["rmse_ratio_naive"] - 1)).all()
