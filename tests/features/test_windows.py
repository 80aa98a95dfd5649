from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.data.market import load_panel
from sentcast.errors import DataError
from sentcast.features.sets import feature_columns
from sentcast.features.windows import make_target, make_windows, split_windows
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
