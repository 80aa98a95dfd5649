"""The pipeline finds a real sentiment effect: on generated data whose next-day BTC log return
is ``0.02 * sentiment`` (lagged one day) plus noise of std 0.01, adding the ``Sentiment``
feature group must cut the test error of ridge and of a small LSTM, and beat naive."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sentcast.experiments.runner import run_experiment
from tests.experiments.forecast_files import experiment_toml


def test_btc_plus_sentiment_beats_btc_when_sentiment_drives_returns(tmp_path: Path) -> None:
    config = experiment_toml(
        tmp_path / "exp",
        beta={"value": 0.02},
        days={"value": 420},
        data={"calendar": "daily", "market": {"BTC": "data/BTC-USD.csv"}},
        target={"kind": "log_return"},
        grid={
            "windows": [5],
            "feature_sets": ["BTC", "BTC+Sentiment"],
            "models": ["lstm"],
            "baselines": ["naive", "ridge"],
            "seeds": [0],
        },
        model={"lstm": {"hidden_size": 16}},
        train={"epochs": 40, "batch_size": 32, "learning_rate": 0.01, "patience": 10},
        evaluation={"importance": False, "backtest": {"folds": 0}, "plots": False},
    )
    run_experiment(config, tmp_path / "run")
    results = pd.read_csv(tmp_path / "run" / "results.csv")
    val = results[results["split"] == "test"].set_index(["model", "feature_set"])
    for model in ("ridge", "lstm"):
        with_sentiment = val.loc[(model, "BTC+Sentiment"), "rmse_usd"]
        without = val.loc[(model, "BTC"), "rmse_usd"]
        assert with_sentiment < 0.7 * without, model
        assert val.loc[(model, "BTC+Sentiment"), "rmse_ratio_naive"] < 0.8, model
        assert val.loc[(model, "BTC+Sentiment"), "dir_acc"] > 0.75, model
