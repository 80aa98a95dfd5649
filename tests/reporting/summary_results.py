"""A small ``results.csv`` frame for the summary tests: chosen cells and verdicts are known."""

from __future__ import annotations

import pandas as pd

SPLITS = {"train": 100, "validation": 40, "test": 30}


def results_frame(
    windows: tuple[int, ...] = (7,),
    test_ratio: float = 0.9,
    test_p: tuple[float, float] = (0.01, 0.02),
    feature_set: str = "BTC+Sentiment",
) -> pd.DataFrame:
    """LSTM on ``feature_set`` is best on validation (ratio 0.8); ridge on BTC is best on test
    (0.5) but worse on validation (1.2), so it must never be the chosen cell."""
    rows = []
    for window in windows:
        for split, n in SPLITS.items():
            base = {"window": window, "horizon": 1, "split": split, "n": n, "rmse_usd": 10.0}
            rows.append({**base, "feature_set": "BTC", "model": "naive", "seed": 0,
                         "rmse_ratio_naive": 1.0})  # fmt: skip
            ridge = 0.5 if split == "test" else 1.2
            rows.append({**base, "feature_set": "BTC", "model": "ridge", "seed": 0,
                         "rmse_ratio_naive": ridge, "dm_stat": -4.0, "dm_pvalue": 0.001,
                         "dir_acc": 0.6, "dir_pvalue": 0.1})  # fmt: skip
            for seed, p in enumerate(test_p):
                ratio = test_ratio if split == "test" else 0.8
                rows.append({**base, "feature_set": feature_set, "model": "lstm", "seed": seed,
                             "rmse_ratio_naive": ratio, "dm_stat": -2.5 if ratio < 1 else 2.5,
                             "dm_pvalue": p, "dir_acc": 0.55, "dir_pvalue": 0.2,
                             "cov80": 0.8 if split == "test" else float("nan"),
                             "cov95": 0.93 if split == "test" else float("nan")})  # fmt: skip
    return pd.DataFrame(rows)
