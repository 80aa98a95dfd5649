from __future__ import annotations

import itertools

import pandas as pd

from sentcast.reporting.forecast_tables import best_cells, mean_std, results_markdown


def _results() -> pd.DataFrame:
    rows = []
    for window, fs, model, seed, split in itertools.product(
        [7], ["BTC", "BTC+Sentiment"], ["lstm", "ridge"], [0, 1], ["train", "validation"]
    ):
        rmse = 0.01 * (1 + seed) if model == "lstm" else 0.03
        if fs == "BTC+Sentiment" and model == "lstm":
            rmse /= 4
        rows.append(
            {
                "window": window,
                "feature_set": fs,
                "n_features": 6 if fs == "BTC" else 7,
                "model": model,
                "seed": seed,
                "split": split,
                "rmse": rmse,
                "rmse_ratio_naive": rmse / 0.02,
                "dm_stat": -3.0 if rmse < 0.02 else 3.0,
                "dm_pvalue": 0.001,
            }
        )
    for split in ("train", "validation"):
        rows.append(
            {
                "window": 7,
                "feature_set": "BTC",
                "n_features": 6,
                "model": "naive",
                "seed": 0,
                "split": split,
                "rmse": 0.02,
                "rmse_ratio_naive": 1.0,
            }
        )
    return pd.DataFrame(rows)


def test_tables_have_study_shape_naive_row_source_and_ratios() -> None:
    text = results_markdown(_results(), ["BTC", "BTC+Sentiment"], "Reddit comments", "Data: x.")
    assert "Sentiment source: **Reddit comments**" in text
    assert "training range). Sentiment: Reddit comments." in text
    assert "| Feature set | n | LSTM train | LSTM val | Ridge train | Ridge val |" in text
    # LSTM over seeds 0 and 1: 0.01 and 0.02 -> mean 0.015, sample std 0.0071
    assert "| BTC | 6 | 0.0150 ± 0.0071 | 0.0150 ± 0.0071 | 0.0300 ± 0.0000 |" in text
    assert "| Naive (persistence; same for every column) | 1 | 0.0200 | 0.0200 |" in text
    assert "0.750 ± 0.354" in text  # LSTM / naive on BTC
    assert "(worse*)" in text and "(better*)" in text
    assert "Mean validation RMSE below naive: LSTM on BTC, LSTM on BTC+Sentiment." in text


def test_mean_std_formats() -> None:
    assert mean_std(pd.Series([1.0])) == "1.0000"
    assert mean_std(pd.Series([], dtype=float)) == "–"


def test_best_cells_picks_the_lowest_mean_validation_rmse() -> None:
    best = best_cells(_results(), ["lstm", "ridge"])
    assert best[["feature_set", "model"]].iloc[0].tolist() == ["BTC+Sentiment", "lstm"]
