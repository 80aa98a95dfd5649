from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sentcast.errors import DataError
from sentcast.evaluation.backtest import walk_forward
from sentcast.features.windows import make_windows
from sentcast.models.baselines import NaiveForecaster, RidgeForecaster
from tests.features.synthetic import synthetic_panel


def test_expanding_folds_refit_and_never_train_on_the_test_period() -> None:
    samples = make_windows(synthetic_panel(130), ["BTC_Close", "BTC_Open"], 5, horizon=2)
    folds = walk_forward(RidgeForecaster(close_index=0), samples, folds=3, horizon=2)
    assert list(folds["fold"]) == [0, 1, 2]
    assert (folds["train_start"] == folds["train_start"].iloc[0]).all()
    assert folds["n_train"].is_monotonic_increasing
    assert (pd.to_datetime(folds["train_end"]) < pd.to_datetime(folds["test_start"])).all()
    assert folds["n_train"].iloc[0] + 1 == len(samples) // 4  # horizon 2 purges one sample
    assert folds["test_end"].iloc[-1] == samples.target_dates[-1]
    assert np.isfinite(folds["rmse_usd"]).all()


def test_naive_backtest_matches_direct_errors() -> None:
    samples = make_windows(synthetic_panel(60), ["BTC_Close"], 3)
    folds = walk_forward(NaiveForecaster(close_index=0), samples, folds=2)
    last = samples.take(np.arange(len(samples) * 2 // 3, len(samples)))
    expected = np.sqrt(np.mean((last.last_close - last.target_close) ** 2))
    assert folds["rmse_usd"].iloc[-1] == pytest.approx(expected)


def test_too_few_samples() -> None:
    samples = make_windows(synthetic_panel(12), ["BTC_Close"], 3)
    with pytest.raises(DataError, match="too few"):
        walk_forward(NaiveForecaster(close_index=0), samples, folds=5)
