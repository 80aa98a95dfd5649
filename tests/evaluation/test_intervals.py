from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mapie.regression import SplitConformalRegressor
from sklearn.dummy import DummyRegressor

from sentcast.data.market import load_panel
from sentcast.errors import DataError, UserInputError
from sentcast.evaluation.intervals import (
    adaptive_conformal,
    conformal_quantile,
    interval_metrics,
    relative_scores,
    split_conformal,
    usd_interval_metrics,
    usd_intervals,
)
from sentcast.features.windows import make_windows, split_windows


@pytest.mark.parametrize("n", [21, 50, 137])
def test_quantile_matches_mapie_split_conformal(n: int) -> None:
    rng = np.random.default_rng(n)
    X, y = rng.normal(size=(n, 1)), rng.standard_t(3, size=n)
    zero = DummyRegressor(strategy="constant", constant=0.0).fit(X, y)
    levels = [0.8, 0.9, 0.95]
    mapie = SplitConformalRegressor(zero, confidence_level=levels, prefit=True)
    mapie.conformalize(X, y)
    _, bounds = mapie.predict_interval(X[:1])
    ours = [conformal_quantile(np.abs(y), level) for level in levels]
    np.testing.assert_allclose(ours, bounds[0, 1, :])


def test_quantile_is_the_kth_order_statistic_and_inf_when_too_few() -> None:
    scores = np.arange(1.0, 20.0)  # n = 19
    # k = ceil(20 * 0.95) = 19 (exactly, despite floating point), k = ceil(20 * 0.8) = 16
    assert conformal_quantile(scores[::-1], 0.95) == 19.0
    assert conformal_quantile(scores, 0.8) == 16.0
    assert conformal_quantile(scores[:18], 0.95) == math.inf
    assert conformal_quantile(np.array([]), 0.5) == math.inf


def test_bad_level_and_non_finite_scores_are_errors() -> None:
    with pytest.raises(UserInputError, match="level"):
        conformal_quantile(np.ones(5), 1.0)
    with pytest.raises(DataError, match="non-finite"):
        conformal_quantile(np.array([1.0, np.nan]), 0.5)


def test_split_conformal_scales_with_the_last_close() -> None:
    cal = np.linspace(0.01, 0.10, 10)  # q at 0.8 = 9th smallest = 0.09
    lower, upper = split_conformal(cal, np.array([100.0, 1000.0]), np.array([100.0, 1000.0]), 0.8)
    np.testing.assert_allclose(lower, [91.0, 910.0])
    np.testing.assert_allclose(upper, [109.0, 1090.0])


def test_relative_scores() -> None:
    y, pred, scale = np.array([110.0, 90.0]), np.array([100.0, 100.0]), np.array([50.0, 200.0])
    scores = relative_scores(y, pred, scale)
    np.testing.assert_allclose(scores, [0.2, 0.05])
    with pytest.raises(DataError, match="scale"):
        relative_scores(np.ones(2), np.ones(2), np.array([1.0, 0.0]))


def test_adaptive_never_uses_a_future_target() -> None:
    rng = np.random.default_rng(1)
    cal = np.abs(rng.normal(size=40)) / 100
    n, horizon, t = 60, 3, 25
    pred = 100 + rng.normal(size=n)
    scale = np.full(n, 100.0)
    y = pred + rng.normal(size=n)
    changed = y.copy()
    changed[t:] += rng.normal(scale=50.0, size=n - t)
    for window in (None, 30):
        a = adaptive_conformal(cal, pred, y, scale, 0.8, horizon, window)
        b = adaptive_conformal(cal, pred, changed, scale, 0.8, horizon, window)
        np.testing.assert_array_equal(a[0][: t + horizon], b[0][: t + horizon])
        assert not np.array_equal(a[0][t + horizon :], b[0][t + horizon :])


def test_adaptive_step_uses_calibration_plus_observed_scores() -> None:
    cal = np.array([0.01, 0.02, 0.03, 0.04])
    pred, scale = np.full(6, 100.0), np.full(6, 100.0)
    y = np.array([150.0, 100.0, 100.0, 100.0, 100.0, 100.0])  # test score 0.5 at step 0
    lower, upper = adaptive_conformal(cal, pred, y, scale, 0.5, horizon=2)
    # steps 0, 1: calibration only (k = ceil(5 * 0.5) = 3 -> 0.03); step 2 adds 0.5 (k = 3 of 5)
    np.testing.assert_allclose(upper[:3], [103.0, 103.0, 103.0])
    lower_w, upper_w = adaptive_conformal(cal, pred, y, scale, 0.5, horizon=2, window=1)
    np.testing.assert_allclose(upper_w[:3], [104.0, 104.0, 150.0])
    assert lower_w[2] == 50.0 and lower[2] == 97.0


def test_interval_metrics() -> None:
    y = np.array([1.0, 5.0, -2.0, 0.5])
    lower, upper = np.zeros(4), np.ones(4) * 2
    metrics = interval_metrics(y, lower, upper, 0.8)
    assert metrics["coverage"] == 0.5
    assert metrics["width"] == 2.0
    # misses: 5 is 3 above, -2 is 2 below; 2 / 0.2 = 10
    assert metrics["interval_score"] == pytest.approx(2.0 + 10 * (3 + 2) / 4)
    infinite = interval_metrics(y, np.full(4, -np.inf), np.full(4, np.inf), 0.8)
    assert infinite["coverage"] == 1.0 and infinite["interval_score"] == math.inf


def test_adaptive_conformal_covers_naive_btc_on_test_within_five_points(market_dir: Path) -> None:
    """Real BTC, naive forecast, 60/20/20 split: calibration = validation, scored on test."""
    panel, _ = load_panel({"BTC": market_dir / "BTC-USD.csv"}, "2014-09-18", "2019-11-23", "daily")
    for horizon in (1, 15):
        parts = split_windows(make_windows(panel, ["BTC_Close"], 1, horizon), 0.2, 0.2)
        val, test = parts.validation, parts.test
        assert test is not None
        cal = relative_scores(val.target_close, val.last_close, val.last_close)
        for level in (0.8, 0.95):
            lower, upper = adaptive_conformal(
                cal, test.last_close, test.target_close, test.last_close, level, horizon, 365
            )
            coverage = interval_metrics(test.target_close, lower, upper, level)["coverage"]
            assert abs(coverage - level) <= 0.05, (horizon, level, coverage)


def _parts(n_cal: int, n_test: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n_cal + n_test + 1)))
    frame = pd.DataFrame(
        {
            "horizon": 1,
            "y_true": close[1:],
            "y_pred": close[:-1],  # naive
            "last_close": close[:-1],
        }
    )
    return frame.iloc[:n_cal], frame.iloc[n_cal:]


def test_usd_intervals_split_matches_the_quantile_of_relative_scores() -> None:
    cal, test = _parts(99, 20)
    bounds = usd_intervals(cal, test, "price", method="split")
    scores = np.abs(cal["y_true"] - cal["y_pred"]) / cal["last_close"]
    q80 = np.sort(scores)[79]  # k = ceil(100 * 0.8) = 80th smallest of 99
    np.testing.assert_allclose(bounds["upper80"] - test["y_pred"], q80 * test["last_close"])
    np.testing.assert_allclose(test["y_pred"] - bounds["lower80"], q80 * test["last_close"])
    assert (bounds["upper95"] >= bounds["upper80"]).all()
    metrics = usd_interval_metrics(test["y_true"].to_numpy(), bounds)
    assert set(metrics) == {f"{k}{p}{u}" for p in (80, 95) for k, u in
                            (("cov", ""), ("width", "_usd"), ("iscore", "_usd"))}  # fmt: skip
    inside = (test["y_true"] >= bounds["lower80"]) & (test["y_true"] <= bounds["upper80"])
    assert metrics["cov80"] == pytest.approx(inside.mean())


def test_usd_intervals_of_log_returns_are_prices_around_the_forecast() -> None:
    cal, test = _parts(50, 10)
    as_returns = [
        part.assign(
            y_true=np.log(part["y_true"] / part["last_close"]),
            y_pred=np.log(part["y_pred"] / part["last_close"]),
        )
        for part in (cal, test)
    ]
    bounds = usd_intervals(*as_returns, "log_return", method="split")
    q = np.sort(np.abs(as_returns[0]["y_true"] - as_returns[0]["y_pred"]))[
        int(np.ceil(51 * 0.8)) - 1
    ]
    np.testing.assert_allclose(bounds["upper80"], test["last_close"] * np.exp(q))
    np.testing.assert_allclose(bounds["lower80"], test["last_close"] * np.exp(-q))


def test_usd_intervals_adaptive_is_the_default_and_reads_the_horizon() -> None:
    cal, test = _parts(60, 30, seed=1)
    test = test.assign(horizon=3)
    cal_scores = relative_scores(
        cal["y_true"].to_numpy(), cal["y_pred"].to_numpy(), cal["last_close"].to_numpy()
    )
    args = (test["y_pred"].to_numpy(), test["y_true"].to_numpy(), test["last_close"].to_numpy())
    for window in (None, 20):
        bounds = usd_intervals(cal, test, "price", window=window)
        for level, pct in ((0.8, 80), (0.95, 95)):
            lower, upper = adaptive_conformal(cal_scores, *args, level, 3, window)
            np.testing.assert_allclose(bounds[f"lower{pct}"], lower)
            np.testing.assert_allclose(bounds[f"upper{pct}"], upper)
    # horizon 3 differs from horizon 1: later test scores enter later
    h1 = usd_intervals(cal, test.assign(horizon=1), "price", window=20)
    assert not np.allclose(h1["upper80"], usd_intervals(cal, test, "price", window=20)["upper80"])
    # a frame without a horizon column is one step ahead
    without = usd_intervals(cal, test.drop(columns="horizon"), "price", window=20)
    pd.testing.assert_frame_equal(without, h1)


def test_usd_intervals_of_log_returns_adaptive() -> None:
    cal, test = _parts(40, 20, seed=2)
    ret = [
        p.assign(
            y_true=np.log(p["y_true"] / p["last_close"]),
            y_pred=np.log(p["y_pred"] / p["last_close"]) + 0.001,
        )
        for p in (cal, test)
    ]
    bounds = usd_intervals(*ret, "log_return", window=10)
    scores = np.abs(ret[0]["y_true"] - ret[0]["y_pred"]).to_numpy()
    args = (ret[1]["y_pred"].to_numpy(), ret[1]["y_true"].to_numpy(), np.ones(20))
    lower, upper = adaptive_conformal(scores, *args, 0.8, 1, 10)
    np.testing.assert_allclose(bounds["lower80"], test["last_close"] * np.exp(lower))
    np.testing.assert_allclose(bounds["upper80"], test["last_close"] * np.exp(upper))


def test_interval_metrics_count_the_bounds_as_covered_and_refuse_empty_input() -> None:
    y = np.array([1.0, 2.0, 3.0])
    metrics = interval_metrics(y, np.array([1.0, 2.5, 0.0]), np.array([2.0, 3.0, 3.0]), 0.8)
    assert metrics["coverage"] == pytest.approx(2 / 3)  # 1.0 on its lower, 3.0 on its upper bound
    with pytest.raises(UserInputError, match="lengths differ or empty"):
        interval_metrics(np.array([]), np.array([]), np.array([]), 0.8)


def test_usd_intervals_refuse_an_unknown_method() -> None:
    cal, test = _parts(30, 5)
    with pytest.raises(UserInputError) as caught:
        usd_intervals(cal, test, "price", method="splt")
    assert str(caught.value) == ("interval method must be one of ('split', 'adaptive'), got 'splt'")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: conformal_quantile(np.ones(3), 0.0), UserInputError,
         "interval level must be between 0 and 1 (exclusive), got 0.0"),
        (lambda: conformal_quantile(np.array([[1.0, np.inf], [np.nan, 2.0]]), 0.5), DataError,
         "conformity scores: 2 non-finite value(s)"),
        (lambda: relative_scores(np.ones(3), np.ones(2), np.ones(3)), UserInputError,
         "lengths differ: y 3, pred 2, scale 3"),
        (lambda: relative_scores(np.ones(2), np.ones(2), np.array([1.0, 0.0])), DataError,
         "scale must be > 0 (a last close of 0 or less)"),
        (lambda: split_conformal(np.ones(9), np.ones(2), np.ones(3), 0.8), UserInputError,
         "lengths differ: pred 2, scale 3"),
        (lambda: adaptive_conformal(np.ones(9), np.ones(2), np.ones(2), np.ones(2), 0.8, 0),
         UserInputError, "horizon must be >= 1, got 0"),
        (lambda: adaptive_conformal(np.ones(9), np.ones(2), np.ones(2), np.ones(2), 0.8, 1, 0),
         UserInputError, "window must be >= 1, got 0"),
        (lambda: interval_metrics(np.ones(2), np.ones(3), np.ones(2), 0.8), UserInputError,
         "lengths differ or empty: y 2, lower 3, upper 2"),
        (lambda: interval_metrics(np.ones(2), np.ones(2), np.ones(2), 1.5), UserInputError,
         "interval level must be between 0 and 1 (exclusive), got 1.5"),
        # the message names the input and counts its non-finite values (not the finite ones)
        (lambda: relative_scores(np.array([np.nan, 1, 1]), np.ones(3), np.ones(3)), DataError,
         "y: 1 non-finite value(s)"),
        (lambda: relative_scores(np.ones(3), np.array([1, np.inf, 1]), np.ones(3)), DataError,
         "pred: 1 non-finite value(s)"),
        (lambda: relative_scores(np.ones(3), np.ones(3), np.array([np.nan, np.nan, 1])),
         DataError, "scale: 2 non-finite value(s)"),
        (lambda: split_conformal(np.ones(9), np.array([np.nan, 1, 1]), np.ones(3), 0.8),
         DataError, "pred: 1 non-finite value(s)"),
        (lambda: split_conformal(np.ones(9), np.ones(3), np.array([1, -np.inf, 1]), 0.8),
         DataError, "scale: 1 non-finite value(s)"),
        (lambda: adaptive_conformal(np.array([np.nan, 1, 1]), np.ones(2), np.ones(2), np.ones(2),
                                    0.8, 1), DataError, "conformity scores: 1 non-finite value(s)"),
        (lambda: interval_metrics(np.array([1, np.nan, 1]), np.ones(3), np.ones(3), 0.8),
         DataError, "y: 1 non-finite value(s)"),
        # a missing value given as None (e.g. an object column) counts as non-finite
        (lambda: conformal_quantile([0.1, None, 0.3], 0.5), DataError,
         "conformity scores: 1 non-finite value(s)"),
    ],
)  # fmt: skip
def test_refusals_are_worded(call: Callable[[], object], error: type, message: str) -> None:
    with pytest.raises(error) as caught:
        call()
    assert str(caught.value) == message


def test_column_arrays_are_read_as_vectors() -> None:
    scores = np.arange(1.0, 20.0)
    assert conformal_quantile(scores.reshape(-1, 1), 0.8) == conformal_quantile(scores, 0.8)
    column = np.array([[100.0], [200.0]])
    lower, upper = split_conformal(scores / 100, column, column, 0.8)
    np.testing.assert_allclose(lower, [84.0, 168.0])
    np.testing.assert_allclose(upper, [116.0, 232.0])


@pytest.mark.parametrize(("n", "level"), [(2000, 0.0004), (2000, 0.5), (455, 0.8), (2321, 0.95)])
def test_quantile_is_the_kth_smallest_of_shuffled_scores(n: int, level: float) -> None:
    scores = np.random.default_rng(n).permutation(n) / n
    k = math.ceil((n + 1) * level)  # 1 for level 0.0004
    assert conformal_quantile(scores, level) == np.sort(scores)[k - 1]


def test_adaptive_window_longer_than_the_history_uses_all_of_it() -> None:
    # at step 0 (horizon 1) the history is the 4 calibration scores: k = ceil(5 * 0.75) = 4,
    # the largest, 0.9; without the first score it would be the 3rd of 3, 0.3
    cal = np.array([0.9, 0.1, 0.2, 0.3])
    pred, y, scale = np.array([100.0, 100.0]), np.array([101.0, 99.0]), np.array([10.0, 10.0])
    lower, upper = adaptive_conformal(cal, pred, y, scale, 0.75, horizon=1, window=50)
    assert (lower[0], upper[0]) == pytest.approx((91.0, 109.0))
    unbounded = adaptive_conformal(cal, pred, y, scale, 0.75, horizon=1)
    np.testing.assert_allclose(lower, unbounded[0])
    np.testing.assert_allclose(upper, unbounded[1])


def test_usd_intervals_of_a_single_test_sample() -> None:
    cal, test = _parts(30, 1)
    scores = np.abs(cal["y_true"] - cal["y_pred"]) / cal["last_close"]
    q80 = np.sort(scores)[24]  # k = ceil(31 * 0.8) = 25th smallest of 30
    for method in ("split", "adaptive"):  # adaptive at step 0: calibration scores only
        bounds = usd_intervals(cal, test, "price", method=method)
        assert len(bounds) == 1
        assert bounds["upper80"].iloc[0] == pytest.approx(
            test["y_pred"].iloc[0] + q80 * test["last_close"].iloc[0]
        )


def test_usd_interval_metrics_by_hand() -> None:
    target = np.array([10.0, 12.0, 20.0])
    bounds = pd.DataFrame(
        {"lower80": 9.0, "upper80": 11.0, "lower95": 8.0, "upper95": 13.0}, index=range(3)
    )
    metrics = usd_interval_metrics(target, bounds)
    # 80 %: 12 and 20 are 1 and 9 above 11, width 2, penalty 2 / 0.2 = 10 per unit missed
    assert metrics["cov80"] == pytest.approx(1 / 3)
    assert metrics["width80_usd"] == 2.0
    assert metrics["iscore80_usd"] == pytest.approx(2 + 10 * (1 + 9) / 3)
    # 95 %: 20 is 7 above 13, width 5, penalty 2 / 0.05 = 40 per unit missed
    assert metrics["cov95"] == pytest.approx(2 / 3)
    assert metrics["width95_usd"] == 5.0
    assert metrics["iscore95_usd"] == pytest.approx(5 + 40 * 7 / 3)
