from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from sentcast.errors import DataError
from sentcast.evaluation.backtest import fold_blocks, fold_scores, walk_forward
from sentcast.evaluation.stats import diebold_mariano
from sentcast.features.windows import WindowedSamples, make_windows, split_windows
from sentcast.models.baselines import NaiveForecaster, RidgeForecaster
from tests.features.synthetic import synthetic_panel

FEATURES = ["BTC_Close", "BTC_Open"]


def _samples(n: int = 130, horizon: int = 1) -> WindowedSamples:
    return make_windows(synthetic_panel(n), FEATURES, 5, horizon=horizon)


class _Recorder(RidgeForecaster):
    """Ridge that logs the training target days of every fit (clones share the log)."""

    log: list[pd.DatetimeIndex] = []  # noqa: RUF012 - shared by clones on purpose

    def fit(self, X: np.ndarray, y: np.ndarray, validation: Any = None) -> _Recorder:
        type(self).log.append(pd.Index(y))
        super().fit(X, y, validation)
        return self


def test_every_fold_refits_on_its_own_training_samples() -> None:
    samples = _samples(horizon=2)
    _Recorder.log = []
    pred = walk_forward(_Recorder(close_index=0), samples, folds=3, horizon=2)
    assert len(_Recorder.log) == 3  # one fit per fold, never one fit reused
    assert [len(y) for y in _Recorder.log] == list(pred.groupby("fold")["n_train"].first())
    for fold, part in pred.groupby("fold"):
        # A fresh ridge fitted on exactly this fold's training part gives the same predictions.
        start = int(np.flatnonzero(samples.end_dates == part["end_date"].iloc[0])[0])
        inner = split_windows(samples.take(np.arange(0, start - 1)), validation=0.2)
        fresh = RidgeForecaster(close_index=0).fit(inner.train.X, inner.train.y)
        block = samples.take(np.arange(start, start + len(part)))
        assert np.allclose(part["y_pred"], fresh.predict(block.X)), fold


def test_expanding_folds_never_train_on_the_test_period() -> None:
    samples = _samples(horizon=2)
    pred = walk_forward(RidgeForecaster(close_index=0), samples, folds=3, horizon=2)
    per_fold = pred.groupby("fold").agg(
        train_start=("train_start", "first"),
        train_end=("train_end", "first"),
        first_end=("end_date", "first"),
        n_train=("n_train", "first"),
    )
    assert (per_fold["train_start"] == samples.target_dates[0]).all()
    assert per_fold["n_train"].is_monotonic_increasing
    # every training target lies on or before the day the fold's first test window ends
    assert (per_fold["train_end"] <= per_fold["first_end"]).all()
    assert pred["target_date"].iloc[-1] == samples.target_dates[-1]
    assert len(pred) == 3 * (len(samples) // 4)


def test_sliding_window_keeps_the_training_length() -> None:
    samples = _samples()
    pred = walk_forward(
        RidgeForecaster(close_index=0), samples, folds=3, window="sliding", train_size=30
    )
    starts = pred.groupby("fold")["train_start"].first()
    assert starts.is_monotonic_increasing and starts.nunique() == 3
    sizes = pred.groupby("fold")[["n_train", "n_validation"]].first().sum(axis=1)
    assert (sizes == 30).all()


def test_blocks_by_step_and_by_dates() -> None:
    samples = _samples()
    n = len(samples)
    assert fold_blocks(samples, folds=2, step=10) == [(n - 20, n - 10), (n - 10, n)]
    day = samples.target_dates[80]
    blocks = fold_blocks(samples, dates=[f"{day:%Y-%m-%d}"])
    assert blocks == [(80, len(samples))]
    with pytest.raises(DataError, match="too few"):
        fold_blocks(samples, folds=2, step=len(samples))


def test_pooled_scores_are_in_usd_with_dm_against_naive() -> None:
    samples = _samples(horizon=3)
    naive = walk_forward(NaiveForecaster(close_index=0), samples, folds=2, horizon=3)
    ridge = walk_forward(RidgeForecaster(close_index=0), samples, folds=2, horizon=3)
    folds, pooled = fold_scores(ridge, naive, "price", horizon=3)
    assert list(folds["fold"]) == [0, 1] and pooled["folds"] == 2
    err = ridge["y_pred"] - ridge["y_true"]
    base = naive["y_pred"] - naive["y_true"]
    assert pooled["rmse_usd"] == pytest.approx(np.sqrt(np.mean(err**2)))
    assert pooled["rmse_ratio_naive"] == pytest.approx(
        np.sqrt(np.mean(err**2)) / np.sqrt(np.mean(base**2))
    )
    # DM(model, naive): a negative statistic means the model has the smaller loss
    reference = diebold_mariano(err, base, 3)
    assert reference.statistic != 0
    assert pooled["dm_stat"] == pytest.approx(reference.statistic)
    assert pooled["dm_pvalue"] == pytest.approx(reference.pvalue)
    last = naive[naive["fold"] == 1]
    expected = np.sqrt(np.mean((last["last_close"] - last["target_close"]) ** 2))
    _, naive_pooled = fold_scores(naive, naive, "price", 3)
    assert naive_pooled["rmse_ratio_naive"] == 1.0
    assert fold_scores(naive, naive, "price", 3)[0]["rmse_usd"].iloc[1] == pytest.approx(expected)
    with pytest.raises(DataError, match="different samples"):
        fold_scores(ridge.iloc[1:], naive, "price", 3)


def test_too_few_samples() -> None:
    samples = make_windows(synthetic_panel(12), ["BTC_Close"], 3)
    with pytest.raises(DataError, match="too few"):
        walk_forward(NaiveForecaster(close_index=0), samples, folds=5)
