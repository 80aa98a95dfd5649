from __future__ import annotations

import numpy as np
import pytest
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sentcast.errors import DataError, UserInputError
from sentcast.models.scaling import (
    ResidualTarget,
    WindowScaler,
    make_scaler,
    restore_scaler,
    scaler_arrays,
)


def _windows(rng: np.random.Generator, n: int = 40, t: int = 5) -> np.ndarray:
    price = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, (n, t)), axis=1))
    volume = rng.uniform(1e6, 5e6, (n, t))
    zero = np.zeros((n, t))  # an always-zero volume (the dollar index's)
    sentiment = rng.normal(0, 0.3, (n, t))
    return np.stack([price, volume, zero, sentiment], axis=2)


def test_auto_mode_scales_positive_features_per_window_and_the_rest_globally() -> None:
    X = _windows(np.random.default_rng(0))
    scaler = WindowScaler("standard").fit(X)
    assert scaler.window_mask_.tolist() == [True, True, False, False]
    out = scaler.transform(X)
    assert np.isfinite(out).all()
    # the per-window step makes the last day of a window-scaled feature 0 before the global
    # scaler: every window's last price maps to one value
    assert np.allclose(out[:, -1, 0], out[0, -1, 0])


def test_window_scaling_is_scale_free_and_reads_no_other_window() -> None:
    rng = np.random.default_rng(1)
    X = _windows(rng)
    scaler = WindowScaler("minmax", window_features=(0, 1, 2)).fit(X)
    assert scaler.window_mask_.tolist() == [True, True, True, False]
    moved = X.copy()
    moved[:, :, 0] *= 7.5  # a price level far outside the training range
    # scale-free up to the offset (a thousandth of the median training level)
    assert np.allclose(scaler.transform(moved)[:, :, 0], scaler.transform(X)[:, :, 0], atol=5e-3)
    one = scaler.transform(X[3:4])
    assert np.array_equal(one, scaler.transform(X)[3:4])
    assert np.isfinite(scaler.transform(X)[:, :, 2]).all()  # zero volume stays finite


def test_arrays_round_trip_and_a_bad_array_is_refused() -> None:
    X = _windows(np.random.default_rng(2))
    scaler = WindowScaler("minmax").fit(X)
    arrays = scaler.arrays("x")
    back = WindowScaler.restore("minmax", arrays, "x", 4, "arrays.npz")
    assert np.array_equal(back.transform(X), scaler.transform(X))
    broken = dict(arrays)
    broken["x.offset"] = np.array([1.0, -1.0, 1.0, 1.0])
    with pytest.raises(DataError, match="offset"):
        WindowScaler.restore("minmax", broken, "x", 4, "arrays.npz")
    del broken["x.window_mask"]
    with pytest.raises(DataError, match="window_mask"):
        WindowScaler.restore("minmax", broken, "x", 4, "arrays.npz")


@pytest.mark.parametrize("kind", ["price", "log_return"])
def test_residual_target_round_trips_and_zero_is_naive(kind: str) -> None:
    rng = np.random.default_rng(3)
    last = rng.uniform(50, 500, 30)
    price = last * np.exp(rng.normal(0, 0.05, 30))
    y = price if kind == "price" else np.log(price / last)
    target = ResidualTarget(kind).fit(y, last)
    assert target.scale_ == pytest.approx(np.sqrt(np.mean(np.log(price / last) ** 2)))
    assert np.allclose(target.inverse(target.transform(y, last), last), y)
    naive = last if kind == "price" else np.zeros(30)
    assert np.allclose(target.inverse(np.zeros(30), last), naive)


def test_residual_target_of_a_series_that_is_not_positive_uses_differences() -> None:
    y, last = np.array([1.0, -2.0, 0.5]), np.array([1.0, 1.0, -1.0])
    target = ResidualTarget("price").fit(y, last)
    assert not target.log_
    assert np.allclose(target.transform(y, last) * target.scale_, y - last)
    assert np.allclose(target.inverse(np.zeros(3), last), last)
    assert np.allclose(target.inverse(target.transform(y, last), last), y)
    prices = ResidualTarget("price").fit(np.array([2.0, 3.0]), np.array([1.0, 1.0]))
    with pytest.raises(DataError, match="<= 0"):
        prices.transform(np.array([-1.0]), np.array([1.0]))


@pytest.mark.parametrize(
    "bad",
    [np.array([0.0, np.nan, 1.0, 2.0]), np.array([0.0, 1.0, np.inf, 2.0]), np.arange(4)],
    ids=["nan", "inf", "integers"],
)
def test_restore_scaler_refuses_an_array_that_is_not_finite_floats(bad: np.ndarray) -> None:
    X = _windows(np.random.default_rng(4)).reshape(-1, 4)
    arrays = scaler_arrays(make_scaler("minmax").fit(X), "x")
    assert restore_scaler("minmax", arrays, "x", 4, "arrays.npz").n_features_in_ == 4
    with pytest.raises(DataError, match=r"^arrays\.npz: x\.data_max_ is missing or not 4 numbers$"):
        restore_scaler("minmax", arrays | {"x.data_max_": bad}, "x", 4, "arrays.npz")


def test_window_scaler_restore_names_the_file_of_a_bad_inner_array() -> None:
    arrays = WindowScaler("standard").fit(_windows(np.random.default_rng(5))).arrays("x")
    del arrays["x.var_"]
    with pytest.raises(DataError, match=r"^model/arrays\.npz: x\.var_ is missing"):
        WindowScaler.restore("standard", arrays, "x", 4, "model/arrays.npz")


def test_window_scaler_restore_refuses_a_zero_offset() -> None:
    arrays = WindowScaler("minmax").fit(_windows(np.random.default_rng(6))).arrays("x")
    arrays["x.offset"] = np.array([1.0, 0.0, 1.0, 1.0])
    with pytest.raises(DataError, match=r"^arrays\.npz: x\.offset must be positive$"):
        WindowScaler.restore("minmax", arrays, "x", 4, "arrays.npz")


@pytest.mark.parametrize(
    ("y", "last"),
    [([1.0, 0.0, 2.0], [1.0, 1.0, 1.0]), ([1.0, 2.0, 3.0], [1.0, 0.0, 1.0])],
    ids=["a-zero-target", "a-zero-last-close"],
)
def test_one_zero_price_among_positive_ones_makes_residuals_differences(
    y: list[float], last: list[float]
) -> None:
    target = ResidualTarget("price").fit(np.array(y), np.array(last))
    assert not target.log_
    assert np.allclose(
        target.transform(np.array(y), np.array(last)) * target.scale_, np.subtract(y, last)
    )


def test_log_residuals_take_prices_below_one_and_refuse_a_later_zero_or_negative() -> None:
    target = ResidualTarget("price").fit(np.array([2.0, 3.0]), np.array([1.0, 4.0]))
    assert target.log_
    small = target.transform(np.array([0.5]), np.array([0.25]))  # cents: positive, below 1
    assert small * target.scale_ == pytest.approx([np.log(2.0)])
    message = r"^the training prices are positive but a later target or last close is <= 0$"
    for y, last in [(0.0, 1.0), (1.0, 0.0), (1.0, -2.0), (-1.0, 1.0)]:
        with pytest.raises(DataError, match=message):
            target.transform(np.array([y]), np.array([last]))


@pytest.mark.parametrize("kind", ["price", "log_return"])
def test_training_targets_without_change_keep_a_scale_of_one(kind: str) -> None:
    last = np.array([10.0, 20.0, 30.0])
    y = last if kind == "price" else np.zeros(3)
    target = ResidualTarget(kind).fit(y, last)
    assert target.scale_ == 1.0
    later = np.array([11.0, 18.0, 30.0])
    change = np.log(later / last)
    y_later = later if kind == "price" else change
    assert np.allclose(target.transform(y_later, last), change)


@pytest.mark.parametrize("position", [4, -1])
def test_window_features_out_of_range_are_refused(position: int) -> None:
    X = _windows(np.random.default_rng(7))
    with pytest.raises(UserInputError) as error:
        WindowScaler("minmax", window_features=(0, position)).fit(X)
    assert str(error.value) == f"window_features [{position}] out of range for 4 features"


def test_auto_mode_scales_a_positive_feature_below_one_per_window() -> None:
    X = _windows(np.random.default_rng(8))
    X[:, :, 3] = np.abs(X[:, :, 3]) / 10 + 1e-3  # positive, every value below 1
    assert X[:, :, 3].max() < 1
    scaler = WindowScaler("minmax").fit(X)
    assert scaler.window_mask_.tolist() == [True, True, False, True]


def test_window_step_is_the_documented_log_ratio_and_the_rest_is_only_scaled_globally() -> None:
    """``log((max(x, 0) + c) / (max(x_last, 0) + c))``, ``c`` a thousandth of the median
    absolute training value, for the window features (zero and negative volumes included);
    the other features only through the global scaler."""
    volume = np.array([[0.0, 3000.0, 5000.0], [-20.0, 0.0, 0.0], [4000.0, 1000.0, 0.0]])
    sentiment = np.array([[0.1, -0.4, 0.3], [0.0, 0.2, -0.1], [0.5, -0.5, 0.25]])
    X = np.stack([volume, sentiment], axis=2)
    scaler = WindowScaler("standard", window_features=(0,)).fit(X)
    c = np.median(np.abs(volume)) * 1e-3
    assert c > 0
    level = np.maximum(volume, 0.0) + c
    expected = np.log(level / level[:, -1:])
    out = scaler.transform(X)
    relative = scaler.scaler_.inverse_transform(out.reshape(-1, 2)).reshape(X.shape)
    assert np.allclose(relative[:, :, 0], expected)
    assert np.allclose(relative[:, :, 1], sentiment)
    globally = StandardScaler().fit(sentiment.reshape(-1, 1))
    assert np.allclose(out[:, :, 1], globally.transform(sentiment.reshape(-1, 1)).reshape(3, 3))


def test_offsets_are_a_thousandth_of_the_median_level_and_one_for_an_all_zero_feature() -> None:
    days = np.array([0.2, 0.4, 0.6, 0.8, 1.0, 1.2])
    X = np.stack([days * 10_000, days, np.zeros(6)], axis=1).reshape(2, 3, 3)
    scaler = WindowScaler(window_features=(0, 1, 2)).fit(X)
    assert np.allclose(scaler.offset_, [np.median(days) * 10, np.median(days) * 1e-3, 1.0])
    assert isinstance(scaler.scaler_, MinMaxScaler)  # the default global scaler


def test_integer_windows_scale_like_the_same_windows_as_floats() -> None:
    X = np.random.default_rng(9).integers(1, 1000, (10, 4, 2))
    scaler = WindowScaler("minmax").fit(X)
    assert np.allclose(scaler.transform(X), scaler.transform(X.astype(float)))
    assert np.allclose(scaler.transform(X), WindowScaler("minmax").fit(X * 1.0).transform(X * 1.0))


def test_an_unknown_scaler_kind_is_refused_by_name() -> None:
    assert isinstance(make_scaler("standard"), StandardScaler)
    with pytest.raises(UserInputError) as error:
        make_scaler("robust")
    assert str(error.value) == "scaler must be minmax or standard, got 'robust'"


def test_an_unfitted_residual_target_is_the_plain_change_and_the_kind_is_checked() -> None:
    y, last = np.array([110.0, 90.0]), np.array([100.0, 100.0])
    assert np.allclose(ResidualTarget().transform(y, last), np.log(y / last))  # price by default
    assert np.allclose(ResidualTarget("log_return").transform(y, last), y)
    with pytest.raises(UserInputError) as error:
        ResidualTarget("return")
    assert str(error.value) == "a residual head needs a price or log_return target, got 'return'"


def test_training_prices_below_one_still_give_log_residuals() -> None:
    y, last = np.array([0.5, 0.8, 0.3]), np.array([0.4, 0.9, 0.3])
    target = ResidualTarget("price").fit(y, last)
    assert target.log_
    assert np.allclose(target.transform(y, last) * target.scale_, np.log(y / last))


def test_a_restored_window_scaler_refits_like_the_original() -> None:
    X = _windows(np.random.default_rng(10))
    scaler = WindowScaler("standard").fit(X)
    back = WindowScaler.restore("standard", scaler.arrays("x"), "x", 4, "arrays.npz")
    assert np.allclose(
        back.fit(X[:20]).transform(X), WindowScaler("standard").fit(X[:20]).transform(X)
    )
