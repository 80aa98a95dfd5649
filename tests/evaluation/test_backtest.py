from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sentcast.errors import DataError
from sentcast.evaluation.backtest import chance_accuracy, fold_blocks, fold_scores, walk_forward
from sentcast.evaluation.stats import diebold_mariano
from sentcast.features.windows import WindowedSamples, make_windows, split_windows
from sentcast.models.baselines import NaiveForecaster
from sentcast.models.flat_baselines import RidgeForecaster
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


def _frame(fold: list[int], y_pred: list[float], chance: float = 0.6) -> pd.DataFrame:
    n = len(fold)
    days = pd.date_range("2021-01-01", periods=n, freq="D")
    last = np.full(n, 100.0)
    target = 100.0 + np.array([5.0, -5.0, 10.0, -2.0, 4.0, 3.0][:n])
    return pd.DataFrame(
        {
            "fold": fold,
            "n_train": [10 + f for f in fold],
            "n_validation": [3 + f for f in fold],
            "chance": chance,
            "end_date": days,
            "target_date": days + pd.Timedelta(days=1),
            "y_true": target,
            "y_pred": y_pred,
            "last_close": last,
            "target_close": target,
        }
    )


def test_fold_scores_per_fold_by_hand() -> None:
    # fold 1 comes first in the frame: the table is still in fold order
    fold = [1, 1, 1, 0, 0, 0]
    model = _frame(fold, [104.0, 99.0, 108.0, 101.0, 103.0, 99.0])
    naive = _frame(fold, [100.0] * 6)
    folds, pooled = fold_scores(model, naive, "price", horizon=1)
    assert list(folds.columns[:6]) == [
        "fold", "test_start", "test_end", "n_train", "n_validation", "n_test",
    ]  # fmt: skip
    assert folds["fold"].tolist() == [0, 1]
    days = model["target_date"]
    assert folds["test_start"].tolist() == [days[3], days[0]]
    assert folds["test_end"].tolist() == [days[5], days[2]]
    assert folds[["n_train", "n_validation", "n_test"]].to_numpy().tolist() == [
        [10, 3, 3],
        [11, 4, 3],
    ]
    errors = model["y_pred"] - model["target_close"]
    base = naive["y_pred"] - naive["target_close"]
    for row, rows in ((0, slice(3, 6)), (1, slice(0, 3))):
        rmse = np.sqrt(np.mean(errors[rows] ** 2))
        assert folds["rmse_usd"][row] == pytest.approx(rmse)
        assert folds["rmse_ratio_naive"][row] == pytest.approx(
            rmse / np.sqrt(np.mean(base[rows] ** 2))
        )
    # fold 1: moves up/down/up predicted, all right; fold 0: up (wrong), up (right), down (wrong)
    assert folds["dir_acc"].tolist() == [pytest.approx(1 / 3), 1.0]
    expected = sum(math.comb(6, k) * 0.6**k * 0.4 ** (6 - k) for k in range(4, 7))
    assert pooled["dir_pvalue"] == pytest.approx(expected)
    assert pooled["n_test"] == 6 and pooled["folds"] == 2
    with pytest.raises(DataError, match=r"^backtest predictions and naive predictions cover"):
        fold_scores(model, naive.iloc[::-1], "price", 1)


def test_fold_scores_of_direction_targets_are_error_rates() -> None:
    model = _frame([0] * 4, [1.0, 0.0, 0.0, 0.0])
    naive = _frame([0] * 4, [1.0, 1.0, 1.0, 1.0])
    model["y_true"] = naive["y_true"] = [1.0, 0.0, 1.0, 0.0]
    _, pooled = fold_scores(model, naive, "direction", horizon=1)
    assert pooled["dir_acc"] == 0.75
    assert pooled["rmse_ratio_naive"] == pytest.approx(0.25 / 0.5)
    assert pooled["dir_pvalue"] == pytest.approx(4 * 0.6**3 * 0.4 + 0.6**4)  # 3 of 4 hits


def test_chance_is_the_majority_share_of_up_moves() -> None:
    samples = _samples(40)
    moves = np.array([1.0, 2.0, 3.0, 0.0, -1.0])  # 3 up of 5, one unchanged
    part = samples.take(np.arange(5))
    part.target_close = part.last_close + moves
    assert chance_accuracy(part) == pytest.approx(0.6)
    part.target_close = part.last_close - moves
    assert chance_accuracy(part) == pytest.approx(0.8)  # 1 up of 5: "not up" is the majority
    assert chance_accuracy(samples.take(np.arange(0))) == 0.5


class _Validated(NaiveForecaster):
    """Naive forecaster that logs the validation part each fold passes to ``fit``."""

    seen: list[int] = []  # noqa: RUF012 - shared by clones on purpose

    def fit(self, X: np.ndarray, y: np.ndarray, validation: Any = None) -> _Validated:
        type(self).seen.append(len(validation[1]))
        return super().fit(X, y)  # type: ignore[return-value]


def test_walk_forward_defaults_and_options() -> None:
    samples = _samples(130)
    n = len(samples)
    _Validated.seen = []
    pred = walk_forward(_Validated(close_index=0), samples)
    assert pred["fold"].nunique() == 5  # five folds by default
    per_fold = pred.groupby("fold")[["n_train", "n_validation"]].first()
    assert _Validated.seen == per_fold["n_validation"].tolist()  # fit sees its validation
    first = fold_blocks(samples, 5)[0][0]
    assert per_fold.iloc[0].sum() == first  # horizon 1: no purge before the first block
    assert pred["train_end"].iloc[0] == samples.target_dates[first - 1]
    assert pred.index.equals(pd.RangeIndex(len(pred)))
    done: list[int] = []
    walk_forward(NaiveForecaster(close_index=0), samples, 2, on_fold=done.append)
    assert done == [0, 1]
    by_step = walk_forward(NaiveForecaster(close_index=0), samples, folds=2, step=10)
    assert by_step.groupby("fold").size().tolist() == [10, 10]
    day = samples.target_dates[n - 7]
    by_date = walk_forward(NaiveForecaster(close_index=0), samples, dates=[day])
    assert by_date["target_date"].iloc[0] == day and by_date["fold"].nunique() == 1
    sliding = walk_forward(NaiveForecaster(close_index=0), samples, 3, 2, window="sliding")
    sizes = sliding.groupby("fold")[["n_train", "n_validation"]].first().sum(axis=1)
    assert (sizes == fold_blocks(samples, 3)[0][0] - 1).all()  # the first fold's size


def test_folds_with_too_few_training_samples() -> None:
    samples = _samples(17)  # 12 samples: blocks start at 2 and 7
    two = walk_forward(NaiveForecaster(close_index=0), samples, 2, step=5, validation=0.5)
    assert two.groupby("fold")["n_train"].first().tolist() == [1, 4]
    with pytest.raises(DataError, match="walk-forward fold 0 has 1 training samples"):
        walk_forward(NaiveForecaster(close_index=0), samples, 2, 2, step=5, validation=0.5)
    with pytest.raises(DataError, match="walk-forward fold 0 has 0 training samples"):
        walk_forward(NaiveForecaster(close_index=0), samples, 2, 3, step=5, validation=0.5)
    with pytest.raises(DataError, match="walk-forward fold 0 has 1 training samples"):
        walk_forward(NaiveForecaster(close_index=0), samples, 2, window="sliding", train_size=1)


def test_fold_block_limits_and_message() -> None:
    twelve = _samples(17)
    assert len(fold_blocks(_samples(130))) == 5  # five folds by default
    assert fold_blocks(twelve, folds=1) == [(6, 12)]
    assert fold_blocks(twelve, folds=2, step=5) == [(2, 7), (7, 12)]  # 2 samples before: enough
    assert fold_blocks(twelve, folds=1, step=2) == [(10, 12)]  # a block of 2 samples: enough
    with pytest.raises(DataError, match="walk-forward needs folds >= 1, got 0"):
        fold_blocks(twelve, folds=0)
    with pytest.raises(
        DataError, match=r"blocks \(each needs >= 2 samples, .*start at 1, 6, 11\)$"
    ):
        fold_blocks(_samples(16), folds=2, step=5)
    with pytest.raises(DataError, match=r"for 3 walk-forward blocks .* start at 0, 4, 8, 12\)$"):
        fold_blocks(twelve, folds=3, step=4)  # four bounds: all shown
    # five bounds (four blocks): the fifth is elided, not silently dropped
    with pytest.raises(
        DataError, match=r"for 4 walk-forward blocks .* start at 0, 3, 6, 9, \.\.\.\)$"
    ):
        fold_blocks(twelve, folds=4, step=3)


def test_a_refit_gives_each_fold_its_own_samples() -> None:
    """``refit(first, stop)`` is called once per fold with its training samples' range, and the
    fold's training, validation and test samples are taken from what it returns."""
    samples = _samples(horizon=2)
    calls: list[tuple[int, int]] = []

    def refit(first: int, stop: int) -> WindowedSamples:
        calls.append((first, stop))
        return dataclasses.replace(samples, X=samples.X + 10.0 * len(calls))  # refitted features

    pred = walk_forward(
        RidgeForecaster(close_index=0), samples, folds=3, horizon=2, validation=0.3, refit=refit
    )
    n_train = pred.groupby("fold")["n_train"].first().tolist()
    assert calls == [(0, n) for n in n_train]  # expanding: from the first sample
    for fold, part in pred.groupby("fold"):
        shifted = samples.X + 10.0 * (int(fold) + 1)
        start = int(np.flatnonzero(samples.end_dates == part["end_date"].iloc[0])[0])
        own = dataclasses.replace(samples, X=shifted)
        inner = split_windows(own.take(np.arange(0, start - 1)), validation=0.3)
        fresh = RidgeForecaster(close_index=0).fit(inner.train.X, inner.train.y)
        block = own.take(np.arange(start, start + len(part)))
        assert np.allclose(part["y_pred"], fresh.predict(block.X)), fold
