"""The horizon study finds a sentiment lead where it is and not where it is absent.

Generated data: the BTC log return three days after a day with sentiment ``s`` is
``0.03 * s`` plus noise (std 0.01), sentiment i.i.d. A model seeing one day (window 1) of
BTC and sentiment can forecast the 3-day return (it contains ``0.03 * s_t``) but not the
1-day return (it depends on ``s_{t-2}``, outside the window); without sentiment, neither.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sentcast.experiments.runner import run_experiment
from tests.experiments.forecast_files import experiment_toml


def test_horizon_study_finds_the_planted_lead_at_h3_only(tmp_path: Path) -> None:
    config = experiment_toml(
        tmp_path / "exp",
        beta={"value": 0.03},
        lag={"value": 3},
        days={"value": 500},
        data={"calendar": "daily", "market": {"BTC": "data/BTC-USD.csv"}},
        target={"kind": "log_return", "horizons": [1, 3]},
        grid={
            "windows": [1],
            "feature_sets": ["BTC", "BTC+Sentiment"],
            "models": ["lstm"],
            "baselines": ["naive", "ridge"],
            "seeds": [0],
        },
        model={"lstm": {"hidden_size": 16}},
        train={"epochs": 30, "batch_size": 32, "learning_rate": 0.01, "patience": 8},
        evaluation={"importance": False, "plots": False, "backtest": {"folds": 0}},
    )
    run_experiment(config, tmp_path / "run")
    results = pd.read_csv(tmp_path / "run" / "results.csv")
    # the window-formulation LSTM finds the lead too (its planted test in one run)
    lstm = results[(results["split"] == "test") & (results["model"] == "lstm")]
    lstm = lstm.set_index(["horizon", "feature_set"])
    assert lstm.loc[(3, "BTC+Sentiment"), "rmse_ratio_naive"] < 0.9
    assert lstm.loc[(3, "BTC+Sentiment"), "dm_pvalue"] < 0.05
    assert lstm.loc[(3, "BTC"), "rmse_ratio_naive"] > 0.97
    test = results[(results["split"] == "test") & (results["model"] == "ridge")]
    test = test.set_index(["horizon", "feature_set"])
    found = test.loc[(3, "BTC+Sentiment")]
    assert found["rmse_ratio_naive"] < 0.9
    assert found["dm_pvalue"] < 0.05 and found["dm_stat"] < 0
    for horizon, feature_set in [(1, "BTC+Sentiment"), (1, "BTC"), (3, "BTC")]:
        absent = test.loc[(horizon, feature_set)]
        assert absent["rmse_ratio_naive"] > 0.97, (horizon, feature_set)
        assert not (absent["dm_pvalue"] < 0.05 and absent["dm_stat"] < 0), (horizon, feature_set)
    tables = (tmp_path / "run" / "tables.md").read_text()
    assert "## Across horizons (test RMSE / naive RMSE" in tables
