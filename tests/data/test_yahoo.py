from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sentcast.data.yahoo import OHLCV, read_yahoo
from sentcast.errors import DataError, UserInputError

CLASSIC = "Date,Open,High,Low,Close,Adj Close,Volume\n"


def write(tmp_path: Path, text: str, name: str = "x.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def row(day: str, price: float = 10.0, volume: int = 5) -> str:
    return f"{day},{price},{price + 1},{price - 1},{price},{price},{volume}\n"


def test_classic_layout_on_shared_btc(market_dir: Path) -> None:
    frame, report = read_yahoo(market_dir / "BTC-USD.csv")
    assert list(frame.columns) == list(OHLCV)
    assert frame.index.name == "date"
    assert frame.index.is_monotonic_increasing and frame.index.is_unique
    assert frame.loc["2014-09-17", "Close"] == pytest.approx(457.334015)
    assert report.rows_kept == len(frame) == report.rows_read


def test_dxy_null_placeholders_are_counted(market_dir: Path) -> None:
    frame, report = read_yahoo(market_dir / "DXY.csv")
    assert report.dropped["null placeholder row"] == 2987
    assert report.rows_kept == len(frame) == report.rows_read - 2987
    assert "null placeholder row=2987" in report.summary()


def test_new_yfinance_layout_uses_close_for_adj_close(market_dir: Path) -> None:
    frame, report = read_yahoo(market_dir / "extended" / "BTC-USD_yfinance_2014-2025.csv")
    classic, _ = read_yahoo(market_dir / "BTC-USD.csv")
    assert "no Adj Close column: using Close" in report.notes
    assert (frame["Adj_Close"] == frame["Close"]).all()
    day = "2015-03-02"
    assert frame.loc[day, "Open"] == pytest.approx(classic.loc[day, "Open"], rel=1e-6)


def test_yfinance_multiheader_layout(tmp_path: Path) -> None:
    text = (
        "Price,Close,High,Low,Open,Volume\nTicker,BTC-USD,BTC-USD,BTC-USD,BTC-USD,BTC-USD\n"
        "Date,,,,,\n2020-01-01,10,11,9,10,100\n2020-01-02,11,12,10,10,100\n"
    )
    frame, report = read_yahoo(write(tmp_path, text))
    assert len(frame) == 2 and report.rows_read == 2
    assert frame.loc["2020-01-02", "Close"] == 11


def test_malformed_rows_are_counted_not_lost(tmp_path: Path) -> None:
    text = CLASSIC + row("2020-01-01") + "2020-01-02,1,2\n" + row("2020-01-03")
    text += "not-a-date,1,2,1,1,1,1\n" + "2020-01-05,abc,2,1,1,1,1\n"
    frame, report = read_yahoo(write(tmp_path, text))
    assert len(frame) == 2
    assert report.rows_read == 5
    assert report.dropped == {
        "malformed row (wrong number of fields)": 1,
        "unparseable date": 1,
        "non-numeric value": 1,
    }
    assert report.rows_kept + report.rows_dropped == report.rows_read


def test_invalid_prices_are_dropped_and_reported(tmp_path: Path) -> None:
    text = CLASSIC + row("2020-01-01") + row("2020-01-02", price=-3)
    text += "2020-01-03,10,8,9,10,10,5\n" + row("2020-01-04", volume=-1)
    frame, report = read_yahoo(write(tmp_path, text))
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2020-01-01"]
    assert report.dropped["non-positive price"] == 1
    assert report.dropped["High < Low"] == 1
    assert report.dropped["negative volume"] == 1


def test_unsorted_rows_are_sorted_and_noted(tmp_path: Path) -> None:
    frame, report = read_yahoo(write(tmp_path, CLASSIC + row("2020-01-02") + row("2020-01-01")))
    assert frame.index.is_monotonic_increasing
    assert any("not sorted" in note for note in report.notes)


def test_identical_duplicate_is_dropped(tmp_path: Path) -> None:
    frame, report = read_yahoo(write(tmp_path, CLASSIC + row("2020-01-01") * 2))
    assert len(frame) == 1
    assert report.dropped["duplicated date (identical row)"] == 1


def test_conflicting_duplicate_is_rejected(tmp_path: Path) -> None:
    text = CLASSIC + row("2020-01-01") + row("2020-01-01", price=20)
    with pytest.raises(DataError, match=r"duplicated date.*2020-01-01"):
        read_yahoo(write(tmp_path, text))


def test_missing_columns_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="missing column"):
        read_yahoo(write(tmp_path, "Date,Close\n2020-01-01,1\n"))
    with pytest.raises(UserInputError, match="not found"):
        read_yahoo(tmp_path / "absent.csv")


def test_all_rows_bad_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no usable rows"):
        read_yahoo(write(tmp_path, CLASSIC + "2020-01-01,null,null,null,null,null,null\n"))


def test_parquet_round_trip(tmp_path: Path, market_dir: Path) -> None:
    frame, _ = read_yahoo(market_dir / "GSPC.csv")
    frame.to_parquet(tmp_path / "g.parquet")
    again, _ = read_yahoo(tmp_path / "g.parquet")
    pd.testing.assert_frame_equal(frame, again, check_freq=False)


def test_undecodable_or_incomplete_files_give_one_line_errors(tmp_path: Path) -> None:
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_bytes(b"Date,Open,High,Low,Close,Volume\n2020-01-01,1,2,1,\xff2,10\n")
    with pytest.raises(DataError, match="not a readable UTF-8 CSV"):
        read_yahoo(bad_csv)
    bad_parquet = tmp_path / "bad.parquet"
    bad_parquet.write_text("not parquet")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        read_yahoo(bad_parquet)
    partial = tmp_path / "partial.parquet"
    pd.DataFrame({"Date": ["2020-01-01"], "Open": [1.0]}).to_parquet(partial)
    with pytest.raises(UserInputError, match=r"missing column.*High, Low, Close, Volume"):
        read_yahoo(partial)
