from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.data.market import build_panel, infer_prefix, load_panel
from sentcast.data.yahoo import OHLCV, read_yahoo
from sentcast.errors import DataError, UserInputError


@pytest.fixture(scope="module")
def files(market_dir: Path) -> dict[str, Path]:
    return {
        "BTC": market_dir / "BTC-USD.csv",
        "USD": market_dir / "DXY.csv",
        "SP500": market_dir / "GSPC.csv",
    }


def test_trading_calendar_on_study_window(files: dict[str, Path]) -> None:
    panel, report = load_panel(files, "2014-09-18", "2019-11-23", "trading")
    # The study reports 1,303 days; the shared files give 1,304 (see docs/getting-started.md).
    assert len(panel) == 1304
    assert panel.index[0] == pd.Timestamp("2014-09-18")
    assert panel.index[-1] == pd.Timestamp("2019-11-22")
    assert list(panel.columns[:6]) == [f"BTC_{c}" for c in OHLCV]
    assert panel.shape[1] == 18 and not panel.isna().any().any()
    assert report.rows == 1304 and panel.index.name == "date"
    # The lines docs/getting-started.md shows for `sentcast market load` on these files.
    assert report.summary().split("\n") == [
        "panel: 1304 days, 2014-09-18 .. 2019-11-22 (calendar=trading); "
        "excluded days: not a trading day of every asset=589",
        f"{files['BTC']}: kept 3484 of 3484 rows",
        f"{files['USD']}: kept 13525 of 16512 rows; dropped 2987 (null placeholder row=2987)",
        f"{files['SP500']}: kept 2596 of 2596 rows",
    ]


def test_daily_calendar_never_uses_future_values(files: dict[str, Path]) -> None:
    frames = {p: read_yahoo(f)[0] for p, f in files.items()}
    panel, _ = build_panel(frames, "2015-01-01", "2015-12-31", "daily")
    assert len(panel) == 365
    usd = frames["USD"]["Close"]
    for day, value in panel["USD_Close"].items():
        expected = usd.loc[:day].iloc[-1]  # last close on or before the day
        assert value == expected
    # Changing every future close must not move any earlier panel value.
    shifted = dict(frames)
    spx = frames["SP500"].copy()
    spx.loc["2015-07-01":, "Close"] *= 10
    shifted["SP500"] = spx
    panel2, _ = build_panel(shifted, "2015-01-01", "2015-12-31", "daily")
    before = panel.index < pd.Timestamp("2015-07-01")
    pd.testing.assert_frame_equal(panel.loc[before], panel2.loc[before])


def test_daily_calendar_drops_days_before_first_close() -> None:
    days = pd.date_range("2020-01-01", periods=10, freq="D", name="date")
    btc = pd.DataFrame(np.ones((10, 6)), index=days, columns=list(OHLCV))
    late = btc.iloc[[3, 4, 8]]
    panel, report = build_panel({"BTC": btc, "USD": late}, calendar="daily")
    assert panel.index[0] == days[3]
    assert report.excluded_days["before an asset's first close"] == 3


def test_daily_calendar_does_not_fill_past_an_assets_last_close() -> None:
    days = pd.date_range("2020-01-01", periods=30, freq="D", name="date")
    btc = pd.DataFrame(np.ones((30, 6)), index=days, columns=list(OHLCV))
    ends_early = btc.iloc[:10]  # the index file stops on 2020-01-10
    panel, report = build_panel({"BTC": btc, "SP500": ends_early}, calendar="daily")
    assert panel.index[-1] == pd.Timestamp("2020-01-15")  # 5 days of carry, no more
    assert report.excluded_days["an asset's last close over 5 days old"] == 15


def test_range_without_data_and_bad_arguments(files: dict[str, Path]) -> None:
    with pytest.raises(DataError, match="SP500: no data"):
        load_panel(files, "2021-01-01", "2021-06-01")
    with pytest.raises(UserInputError, match="after end"):
        load_panel(files, "2019-01-01", "2018-01-01")
    with pytest.raises(UserInputError, match="calendar"):
        load_panel(files, calendar="weekly")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("BTC-USD.csv", "BTC"),
        ("DXY.csv", "USD"),
        ("DX-Y.NYB.parquet", "USD"),
        ("^GSPC.csv", "SP500"),
    ],
)
def test_infer_prefix(name: str, prefix: str) -> None:
    assert infer_prefix(name) == prefix


def test_infer_prefix_unknown() -> None:
    with pytest.raises(UserInputError, match="PREFIX=PATH"):
        infer_prefix("prices.csv")


def ones(days: pd.DatetimeIndex) -> pd.DataFrame:
    """An asset priced 1 on ``days`` (indexed like :func:`read_yahoo`'s frames)."""
    return pd.DataFrame(1.0, index=days.rename("date"), columns=list(OHLCV))


WEEK = pd.date_range("2020-01-01", "2020-01-07")  # Wednesday to Tuesday
WEEKDAYS = WEEK[WEEK.dayofweek < 5]


def test_trading_is_the_default_and_counts_the_primary_assets_other_days() -> None:
    panel, report = build_panel({"USD": ones(WEEKDAYS), "BTC": ones(WEEK)})
    assert list(panel.index) == list(WEEKDAYS) and report.calendar == "trading"
    assert report.excluded_days == {"not a trading day of every asset": 2}  # BTC's weekend


def test_trading_calendar_needs_no_primary_asset() -> None:
    holiday = WEEKDAYS.drop(pd.Timestamp("2020-01-01"))
    panel, report = build_panel({"USD": ones(WEEKDAYS), "SP500": ones(holiday)})
    assert list(panel.index) == list(holiday)
    assert report.excluded_days == {"not a trading day of every asset": 1}  # of USD, the first


def test_daily_calendar_without_the_primary_asset_is_refused() -> None:
    with pytest.raises(UserInputError) as error:
        build_panel({"USD": ones(WEEKDAYS), "SP500": ones(WEEKDAYS)}, calendar="daily")
    assert str(error.value) == "daily calendar needs the primary asset 'BTC'; got USD, SP500"


def test_start_equal_to_end_is_a_one_day_panel() -> None:
    panel, report = build_panel({"BTC": ones(WEEK)}, "2020-01-03", "2020-01-03")
    assert list(panel.index) == [pd.Timestamp("2020-01-03")] and report.rows == 1


def test_range_errors_name_the_days_and_the_open_ends() -> None:
    with pytest.raises(DataError) as after:
        build_panel({"BTC": ones(WEEK)}, start="2021-01-01")
    assert (
        str(after.value)
        == "BTC: no data between 2021-01-01 and end (file covers 2020-01-01 .. 2020-01-07)"
    )
    with pytest.raises(DataError) as before:
        build_panel({"BTC": ones(WEEK)}, end="2019-12-31")
    assert (
        str(before.value)
        == "BTC: no data between start and 2019-12-31 (file covers 2020-01-01 .. 2020-01-07)"
    )
    with pytest.raises(DataError) as disjoint:
        build_panel({"BTC": ones(WEEK[::2]), "USD": ones(WEEK[1::2])})
    assert str(disjoint.value) == "no common days for BTC, USD between start and end"
    with pytest.raises(DataError) as bounded:
        build_panel({"BTC": ones(WEEK[::2]), "USD": ones(WEEK[1::2])}, "2020-01-02", "2020-01-05")
    assert str(bounded.value) == "no common days for BTC, USD between 2020-01-02 and 2020-01-05"


def test_daily_calendar_counts_each_excluded_day(caplog: pytest.LogCaptureFixture) -> None:
    btc = pd.date_range("2020-01-01", "2020-01-20").drop(pd.Timestamp("2020-01-10"))
    assets = {  # the stale asset first: every asset's last close counts, not only the last one's
        "SP500": ones(pd.date_range("2020-01-01", "2020-01-08")),
        "BTC": ones(btc),
        "USD": ones(pd.date_range("2020-01-03", "2020-01-20")),
    }
    with caplog.at_level(logging.INFO, logger="sentcast.data.market"):
        panel, report = build_panel(assets, calendar="daily")
    # Jan 1-2: before USD's first close; Jan 14-20: SP500's Jan 8 close over 5 days old.
    assert [d.day for d in panel.index] == [3, 4, 5, 6, 7, 8, 9, 11, 12, 13]
    assert report.summary() == (
        "panel: 10 days, 2020-01-03 .. 2020-01-13 (calendar=daily); excluded days: "
        "before an asset's first close=2, an asset's last close over 5 days old=7, "
        "calendar day missing from primary asset=1"
    )
    assert [r.getMessage() for r in caplog.records] == [report.summary()]
