from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.data.market import load_panel
from sentcast.errors import DataError, UserInputError
from sentcast.features.sets import feature_columns
from sentcast.features.windows import concat_samples, make_target, make_windows, split_windows
from tests.features.synthetic import synthetic_panel


def test_shapes_and_alignment_of_windows_and_targets() -> None:
    frame = synthetic_panel(50)
    features = feature_columns("BTC+Sentiment", list(frame.columns))
    samples = make_windows(frame, features, window=7, horizon=2)
    assert samples.X.shape == (50 - 7 - 2 + 1, 7, 7)
    close = frame["BTC_Close"].to_numpy()
    # Sample 0 covers rows 0..6, ends on day 6 and aims at day 8.
    assert np.array_equal(samples.X[0, :, 3], close[:7])
    assert samples.end_dates[0] == frame.index[6]
    assert samples.target_dates[0] == frame.index[8]
    assert samples.y[0] == close[8]
    assert samples.last_close[-1] == close[-3]
    assert samples.target_dates[-1] == frame.index[-1]


def test_target_kinds() -> None:
    close = np.array([1.0, 2.0, 1.5, 1.5])
    assert np.allclose(make_target(close, 1, "log_return")[:3], np.log([2.0, 0.75, 1.0]))
    assert make_target(close, 1, "direction")[:3].tolist() == [1.0, 0.0, 0.0]
    assert np.isnan(make_target(close, 1, "price")[-1])


def test_split_is_chronological_and_targets_stay_in_their_part() -> None:
    frame = synthetic_panel(100)
    samples = make_windows(frame, ["BTC_Close"], window=5, horizon=3)
    parts = split_windows(samples, validation=0.2, test=0.2)
    boundary_1, boundary_2 = parts.boundaries
    assert parts.train.target_dates.max() == boundary_1
    assert parts.validation.end_dates.min() >= boundary_1
    assert parts.validation.target_dates.max() == boundary_2
    assert parts.test is not None and parts.test.end_dates.min() >= boundary_2
    # horizon 3 purges the 2 samples whose window ends before a boundary but aims past it
    assert parts.purged == 2 * 2
    assert len(parts.train) + len(parts.validation) + len(parts.test) + 4 == len(samples)
    assert parts.test.target_dates[-1] == frame.index[-1]


def test_split_by_date() -> None:
    frame = synthetic_panel(60)
    samples = make_windows(frame, ["BTC_Close"], window=5)
    parts = split_windows(samples, validation_start="2020-02-15")
    assert parts.train.target_dates[-1] == pd.Timestamp("2020-02-14")
    assert parts.validation.target_dates[0] == pd.Timestamp("2020-02-15")
    with pytest.raises(DataError):
        split_windows(samples, validation_start="2019-01-01")


def test_changing_validation_period_inputs_leaves_training_samples_unchanged() -> None:
    frame = synthetic_panel(80)
    features = feature_columns("BTC+USD+Sentiment+SP500", list(frame.columns))
    before = split_windows(make_windows(frame, features, 10), validation=0.25)
    changed = frame.copy()
    later = changed.index > before.boundaries[0]
    changed.loc[later, features] *= 3.0
    after = split_windows(make_windows(changed, features, 10), validation=0.25)
    assert np.array_equal(before.train.X, after.train.X)
    assert np.array_equal(before.train.y, after.train.y)
    assert not np.array_equal(before.validation.y, after.validation.y)


def test_too_short_or_incomplete_data_is_a_data_error() -> None:
    frame = synthetic_panel(8)
    with pytest.raises(DataError, match="too few"):
        make_windows(frame, ["BTC_Close"], window=8)
    frame.iloc[2, 0] = np.nan
    with pytest.raises(DataError, match="missing values"):
        make_windows(frame, ["BTC_Open"], window=3)


def test_sample_counts_on_the_shared_trading_panel(market_dir: Path) -> None:
    files = {
        "BTC": market_dir / "BTC-USD.csv",
        "USD": market_dir / "DXY.csv",
        "SP500": market_dir / "GSPC.csv",
    }
    panel, _ = load_panel(files, "2014-09-18", "2019-11-23", "trading")
    features = feature_columns("BTC+USD+SP500", list(panel.columns))
    counts = {t: len(make_windows(panel, features, t)) for t in (7, 30)}
    # The study reports 1,296 / 1,273: its loop stopped one sample before the last target day.
    assert len(panel) == 1304
    assert counts == {7: 1297, 30: 1274}
    assert {t: c - 1 for t, c in counts.items()} == {7: 1296, 30: 1273}


def test_parts_by_name_and_chained_parts_keep_every_field_in_order() -> None:
    frame = synthetic_panel(80)
    samples = make_windows(frame, ["BTC_Close", "BTC_Volume"], 4, kind="log_return")
    parts = split_windows(samples, validation=0.25, test=0.25)
    named = parts.splits()
    assert list(named) == ["train", "validation", "test"]
    assert named["train"] is parts.train and named["test"] is parts.test
    assert list(split_windows(samples, validation=0.25).splits()) == ["train", "validation"]
    joined = concat_samples([parts.train, parts.validation])
    assert len(joined) == len(parts.train) + len(parts.validation)
    for attr in ("X", "y", "end_dates", "target_dates", "last_close", "target_close"):
        expected = np.concatenate([getattr(parts.train, attr), getattr(parts.validation, attr)])
        np.testing.assert_array_equal(np.asarray(getattr(joined, attr)), expected)
    assert isinstance(joined.end_dates, pd.DatetimeIndex)
    assert isinstance(joined.target_dates, pd.DatetimeIndex)
    assert joined.features == ["BTC_Close", "BTC_Volume"] and joined.target_kind == "log_return"


def test_integer_inputs_give_float_samples_that_know_their_features() -> None:
    index = pd.date_range("2020-01-01", periods=6, freq="D", name="date")
    frame = pd.DataFrame({"BTC_Close": [10, 11, 12, 11, 13, 14], "n": [1, 2, 3, 4, 5, 6]}, index)
    samples = make_windows(frame, ["BTC_Close", "n"], 2, kind="direction")
    assert samples.X.dtype == samples.last_close.dtype == samples.y.dtype == np.float64
    assert samples.y.tolist() == [1.0, 0.0, 1.0, 1.0]
    assert samples.features == ["BTC_Close", "n"] and samples.target_kind == "direction"
    part = samples.take(np.arange(1, 3))
    assert part.features == samples.features and part.target_kind == "direction"
    assert np.isnan(make_target(np.array([1, 2, 3]), 2, "direction")[-2:]).all()
    assert make_target(np.array([1, 2, 3]), 1, "price")[:2].tolist() == [2.0, 3.0]


def test_exactly_window_plus_horizon_rows_give_one_sample() -> None:
    frame = synthetic_panel(7)
    assert len(make_windows(frame, ["BTC_Close"], window=5, horizon=2)) == 1
    with pytest.raises(DataError, match=r"7 days are too few .* \(need at least 8\)"):
        make_windows(frame, ["BTC_Close"], window=5, horizon=3)


def test_bad_window_options_name_the_problem() -> None:
    frame = synthetic_panel(20)
    for window, horizon in ((0, 1), (3, 0)):
        with pytest.raises(UserInputError, match="window and horizon must be >= 1"):
            make_windows(frame, ["BTC_Close"], window, horizon)
    with pytest.raises(UserInputError, match=r"unknown feature column\(s\): a, b$"):
        make_windows(frame, ["a", "BTC_Close", "b"], 3)
    with pytest.raises(UserInputError, match="target kind must be"):
        make_target(np.ones(3), 1, "level")  # type: ignore[arg-type]
    frame.iloc[2, :2] = np.nan
    with pytest.raises(DataError, match=r"feature\(s\) BTC_Open, BTC_High; fill"):
        make_windows(frame, ["BTC_Open", "BTC_High"], 3)


def test_split_boundaries_at_the_edges() -> None:
    samples = make_windows(synthetic_panel(14), ["BTC_Close"], window=4)  # 10 samples
    default = split_windows(samples)
    assert len(default.train) == 8 and len(default.validation) == 2  # validation 0.2
    assert default.boundaries == [samples.target_dates[7]]
    one = split_windows(samples, validation=0.9)  # a one-sample training part is allowed
    assert len(one.train) == 1 and one.boundaries == [samples.target_dates[0]]
    with pytest.raises(DataError, match=r"split leaves an empty part \(10 samples\)"):
        split_windows(samples, validation=0.0)
    with pytest.raises(DataError, match="no sample has its target before 2019-01-01"):
        split_windows(samples, validation_start="2019-01-01")
    late = samples.target_dates[-1] + pd.Timedelta(days=5)
    with pytest.raises(DataError, match=r"split leaves an empty part \(10, 0\)"):
        split_windows(samples, validation_start=late)


def test_split_by_validation_and_test_start_dates() -> None:
    samples = make_windows(synthetic_panel(40), ["BTC_Close"], window=5)
    v0, t0 = samples.target_dates[20], samples.target_dates[30]
    parts = split_windows(samples, validation=0.5, test=0.1, validation_start=v0, test_start=t0)
    assert parts.boundaries == [samples.target_dates[19], samples.target_dates[29]]
    assert parts.test is not None and parts.test.target_dates[0] == t0
    assert parts.validation.target_dates[0] == v0
