"""Per-window, overview and backtest tables (``sentcast.reporting.forecast_tables``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sentcast.reporting.forecast_tables import (
    backtest_tables,
    best_cells,
    feature_set_summary,
    model_overview,
    window_tables,
)
from tests.reporting.table_results import table_results


@pytest.mark.parametrize(
    ("stat", "seed1_stat", "seed1_pvalue", "mark"),
    [
        (-3.0, -3.0, 0.001, " (better*)"),  # DM(model, naive) < 0: the model's loss is smaller
        (3.0, 3.0, 0.001, " (worse*)"),
        (-3.0, -3.0, 0.05, ""),  # every seed must be significant below 5 %
        (-3.0, 3.0, 0.001, ""),  # and agree on the side
    ],
)
def test_dm_marks_need_every_seed_significant_on_the_same_side(
    stat: float, seed1_stat: float, seed1_pvalue: float, mark: str
) -> None:
    results = table_results()
    ridge = results["model"] == "ridge"
    results.loc[ridge, "dm_stat"] = stat
    results.loc[ridge & (results["seed"] == 1), ["dm_stat", "dm_pvalue"]] = [
        seed1_stat,
        seed1_pvalue,
    ]
    text = "\n".join(window_tables(results, 1, 7, ["BTC", "BTC+Sentiment"], "none"))
    headline = text[text.index("**Headline: test part**") : text.index("Study view")]
    assert f"| BTC | 0.750 ± 0.354 | 0.500 ± 0.000{mark} |" in headline


def test_backtest_tables_show_pooled_and_per_fold_scores() -> None:
    key = {"window": 7, "horizon": 1, "feature_set": "BTC", "seed": 0}
    folds = pd.DataFrame(
        [
            {**key, "model": m, "fold": f, "test_start": f"2019-0{f + 1}-01",
             "test_end": f"2019-0{f + 1}-20", "n_train": 100 + f, "n_test": 14,
             "rmse_usd": 10.0 + f + (m == "ridge"),
             "rmse_ratio_naive": 1.1 if m == "ridge" else 1.0}
            for m in ("naive", "ridge") for f in (0, 1)
        ]
    )  # fmt: skip
    pooled = pd.DataFrame(
        [
            {**key, "model": m, "folds": 2, "n_test": 28, "rmse_usd": 11.0, "mae_usd": 9.0,
             "mape": 1.5, "dir_acc": np.nan if m == "naive" else 0.5,
             "dir_pvalue": np.nan if m == "naive" else 0.6, "rmse_ratio_naive": 1.0,
             "dm_stat": np.nan if m == "naive" else 1.2,
             "dm_pvalue": np.nan if m == "naive" else 0.2}
            for m in ("naive", "ridge")
        ]
    )  # fmt: skip
    text = "\n".join(backtest_tables(folds, pooled))
    assert "### Horizon 1, window 7 days: 2 folds, 28 out-of-sample predictions" in text
    assert "| BTC | Naive | 11.00 | 9.00 | 1.50 | – | 1.000 | – | – |" in text
    assert "| BTC | Ridge | 11.00 | 9.00 | 1.50 | 0.500 (p 0.6) | 1.000 | 1.20 | 0.2 |" in text
    assert "fold 1: 2019-02-01..2019-02-20 (train 101, test 14)" in text
    assert "| BTC | Ridge | 11.00 (1.100) | 12.00 (1.100) |" in text


def test_best_cells_choose_on_validation_never_on_test() -> None:
    best = best_cells(table_results(), ["lstm", "ridge"])
    assert best[["horizon", "feature_set", "model"]].iloc[0].tolist() == [
        1,
        "BTC+Sentiment",
        "lstm",
    ]


def test_feature_set_summary_has_a_row_per_set_model_and_horizon() -> None:
    results = table_results(horizons=(1, 15))
    results.loc[(results["model"] == "lstm") & (results["seed"] == 1), "dm_pvalue"] = 0.2
    results["cov80"] = np.where(results["split"] == "test", 0.78, np.nan)
    results["cov95"] = np.where(results["split"] == "test", 0.93, np.nan)
    lines = feature_set_summary(results, "test")
    rows = [line for line in lines if line.startswith("| BTC")]
    assert len(rows) == 2 * (2 * 2 + 1)  # horizons x (feature sets x models + naive)
    lstm = next(r for r in rows if r.startswith("| BTC+Sentiment | LSTM | 15 | 190 |"))
    cells = [c.strip() for c in lstm.strip("|").split("|")]
    # seeds 0 and 1: ratios 0.125 and 0.25; the largest DM p over seeds is shown
    assert cells[4].startswith("0.188 ± 0.088") and cells[5] == "0.2"
    assert cells[7:] == ["0.780 ± 0.000", "0.930 ± 0.000"]
    assert "Coverage 80 %" in lines[4] and "feature set × horizon (test part)" in lines[0]


def test_model_overview_chooses_each_feature_set_on_validation_not_test() -> None:
    results = table_results()
    val_ridge_sent = (
        (results["split"] == "validation")
        & (results["model"] == "ridge")
        & (results["feature_set"] == "BTC+Sentiment")
    )
    results.loc[val_ridge_sent, "rmse_ratio_naive"] = 1.4  # ridge: best on validation here
    rows = [line for line in model_overview(results) if line.startswith("| 1 |")]
    chosen = {r.split("|")[3].strip(): r.split("|")[4].strip() for r in rows}
    # ridge on BTC is best on test (0.5), but the choice is made on validation
    assert chosen == {"Ridge": "BTC+Sentiment", "LSTM": "BTC+Sentiment"}
    ridge = next(r for r in rows if "| Ridge |" in r)
    assert "| 1.500 ± 0.000 (worse*) |" in ridge  # its test ratio, 0.03 / 0.02
