from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from sentcast.data.text_files import LONG_FIELD, MAX_FIELD_CHARS
from sentcast.data.yahoo import OHLC_TOLERANCE, OHLCV, OUTSIDE_RANGE, read_yahoo
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
    assert report.notes == ["rows were not sorted by date: sorted"]


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


@pytest.mark.parametrize("name", ["Adj Close", "adj_close", "ADJ CLOSE", " Adj_Close "])
def test_adj_close_header_spellings(tmp_path: Path, name: str) -> None:
    text = f"Date,Open,High,Low,Close,{name},Volume\n2020-01-01,10,11,9,10,7.5,5\n"
    frame, report = read_yahoo(write(tmp_path, text))
    assert frame.loc["2020-01-01", "Adj_Close"] == 7.5  # its own column, not a copy of Close
    assert frame.loc["2020-01-01", "Close"] == 10
    assert report.notes == []


def test_missing_columns_message_names_the_file_and_the_columns_found(tmp_path: Path) -> None:
    path = write(tmp_path, "Date,Close,Adj Close\n2020-01-01,1,1\n")
    with pytest.raises(UserInputError) as csv_error:
        read_yahoo(path)
    assert str(csv_error.value) == (
        f"{path}: not a Yahoo daily file: missing column(s) Open, High, Low, Volume "
        "(found Date, Close, Adj_Close)"
    )
    parquet = tmp_path / "BTC.parquet"
    pd.DataFrame({"Close": [1.0]}, index=pd.Index(["2020-01-01"], name="Date")).to_parquet(parquet)
    with pytest.raises(UserInputError) as parquet_error:
        read_yahoo(parquet)
    assert str(parquet_error.value) == (
        f"{parquet}: not a Yahoo daily file: missing column(s) Open, High, Low, Volume "
        "(found Date, Close)"
    )


@pytest.mark.parametrize("text", ["", "\n\n", " , ,\n\n,,,\n"])
def test_empty_file_error_names_the_file(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DataError) as error:
        read_yahoo(path)
    assert str(error.value) == f"{path}: file is empty"


def test_report_source_is_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path, CLASSIC + row("2020-01-01") + "2020-01-02,null,null,null,null,null,null\n"
    )
    _, report = read_yahoo(path)
    assert report.source == str(path)
    assert report.summary() == f"{path}: kept 1 of 2 rows; dropped 1 (null placeholder row=1)"


def test_yfinance_multiheader_with_one_row_or_without_the_date_line(tmp_path: Path) -> None:
    head = "Price,Close,High,Low,Open,Volume\nTicker,BTC-USD,BTC-USD,BTC-USD,BTC-USD,BTC-USD\n"
    one_row, report = read_yahoo(write(tmp_path, head + "Date,,,,,\n2020-01-01,10,11,9,10,100\n"))
    assert list(one_row.index.strftime("%Y-%m-%d")) == ["2020-01-01"] and report.rows_read == 1
    # The index written without a name leaves a blank "Date" line: the first row is data.
    body = ",,,,,\n2020-01-01,10,11,9,10,100\n2020-01-02,11,12,10,10,100\n"
    frame, report = read_yahoo(write(tmp_path, head + body, "unnamed.csv"))
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2020-01-01", "2020-01-02"]
    assert report.rows_read == 2 and report.rows_dropped == 0


def test_a_field_over_the_limit_is_counted(tmp_path: Path) -> None:
    huge = "9" * (MAX_FIELD_CHARS + 1)
    text = CLASSIC + row("2020-01-01") + f"2020-01-02,10,11,9,10,10,{huge}\n" + row("2020-01-03")
    frame, report = read_yahoo(write(tmp_path, text))
    assert len(frame) == 2
    assert report.rows_read == 3 and report.dropped == {LONG_FIELD: 1}


def test_parquet_date_column_wins_over_a_stray_lowercase_date(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"date": ["not a day"], "Open": [10.0], "High": [11.0], "Low": [9.0], "Close": [10.0]}
        | {"Adj Close": [10.0], "Volume": [5.0]},
        index=pd.DatetimeIndex(["2020-01-01"], name="Date"),
    )
    frame.to_parquet(tmp_path / "x.parquet")
    clean, report = read_yahoo(tmp_path / "x.parquet")
    assert list(clean.index) == [pd.Timestamp("2020-01-01")] and report.rows_dropped == 0


def test_empty_and_nan_rows_are_null_placeholders(tmp_path: Path) -> None:
    text = CLASSIC + row("2020-01-01") + "2020-01-02,,,,,,\n" + "2020-01-03, NULL,,null,,,\n"
    frame, report = read_yahoo(write(tmp_path, text))
    assert len(frame) == 1 and report.dropped == {"null placeholder row": 2}
    # A day the Parquet cache holds as all-NaN (a day Yahoo has no prices for) is the same.
    nan = float("nan")
    parquet = pd.DataFrame(
        {c: [10.0, nan] for c in ("Open", "High", "Low", "Close", "Adj Close", "Volume")},
        index=pd.DatetimeIndex(["2020-01-01", "2020-01-02"], name="Date"),
    )
    parquet.to_parquet(tmp_path / "x.parquet")
    frame, report = read_yahoo(tmp_path / "x.parquet")
    assert len(frame) == 1 and report.dropped == {"null placeholder row": 1}


def test_dates_other_than_year_month_day_are_unparseable(tmp_path: Path) -> None:
    # 02/01/2020 is 2 January or 1 February depending on who wrote it: never guessed.
    text = CLASSIC + row("02/01/2020") + row("2020-01-03") + row("20200104")
    frame, report = read_yahoo(write(tmp_path, text))
    assert list(frame.index) == [pd.Timestamp("2020-01-03")]
    assert report.dropped == {"unparseable date": 2}


def test_date_with_a_time_and_offset_is_read_as_its_day(tmp_path: Path) -> None:
    text = CLASSIC + row("2020-01-02 00:00:00-05:00") + row("2020-01-03 00:00:00")
    frame, report = read_yahoo(write(tmp_path, text))
    assert list(frame.index) == [pd.Timestamp("2020-01-02"), pd.Timestamp("2020-01-03")]
    assert report.rows_dropped == 0


def ohlc(day: str, open_: float, close: float) -> str:
    """A row with High 1 and Low 1: Open and Close must be 1 within the tolerance."""
    return f"{day},{open_!r},1,1,{close!r},{close!r},5\n"


def test_ohlc_tolerance_is_relative_and_inclusive(tmp_path: Path) -> None:
    above, below = 1 + OHLC_TOLERANCE, 1 - OHLC_TOLERANCE  # exactly on the tolerance: kept
    assert (above, below) == (1.000000001, 0.999999999)  # printed exactly by repr
    text = CLASSIC + ohlc("2020-01-01", 1.0, above) + ohlc("2020-01-02", below, 1.0)
    text += ohlc("2020-01-03", 1.0, 1.0000000011)  # Close just above High's tolerance
    text += ohlc("2020-01-04", 0.9999999989, 1.0)  # Open just below Low's tolerance
    frame, report = read_yahoo(write(tmp_path, text))
    assert list(frame.index.day) == [1, 2]
    assert report.dropped == {OUTSIDE_RANGE: 2}


def test_a_column_given_twice_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, CLASSIC.replace("\n", ",adj_close\n") + "2020-01-01,10,11,9,10,9,5,8\n")
    with pytest.raises(UserInputError) as error:
        read_yahoo(path)
    assert str(error.value) == (
        f"{path}: not a Yahoo daily file: column(s) given more than once: Adj_Close "
        "(found Date, Open, High, Low, Close, Adj_Close, Volume, Adj_Close)"
    )
    twice = write(
        tmp_path, "Date,Open,High,Low,Close,Volume,Date\n2020-01-01,1,1,1,1,1,x\n", "d.csv"
    )
    with pytest.raises(UserInputError, match=r"given more than once: Date \(found"):
        read_yahoo(twice)
    both = write(tmp_path, "Date,Open,High,Low,Close,Volume,Date,Close\n", "e.csv")
    with pytest.raises(UserInputError, match=r"given more than once: Date, Close \(found"):
        read_yahoo(both)


def test_repeated_identical_rows_are_each_counted(tmp_path: Path) -> None:
    frame, report = read_yahoo(write(tmp_path, CLASSIC + row("2020-01-01") * 3 + row("2020-01-02")))
    assert list(frame.index.day) == [1, 2]
    assert report.dropped == {"duplicated date (identical row)": 2}


def test_conflicting_duplicates_message_lists_five_days(tmp_path: Path) -> None:
    days = [f"2020-01-0{d}" for d in range(1, 7)]
    path = write(tmp_path, CLASSIC + "".join(row(d) + row(d, price=20) for d in days))
    with pytest.raises(DataError) as error:
        read_yahoo(path)
    assert str(error.value) == (
        f"{path}: duplicated date(s) with different values: "
        "2020-01-01, 2020-01-02, 2020-01-03, 2020-01-04, 2020-01-05"
    )


def test_zero_prices_are_non_positive(tmp_path: Path) -> None:
    frame, report = read_yahoo(
        write(tmp_path, CLASSIC + row("2020-01-01") + "2020-01-02,0,0,0,0,0,5\n")
    )
    assert len(frame) == 1 and report.dropped == {"non-positive price": 1}


def test_a_drop_without_notes_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path, CLASSIC + row("2020-01-01") + "2020-01-02,abc,1,1,1,1,1\n")
    with caplog.at_level(logging.INFO, logger="sentcast.data.yahoo"):
        _, report = read_yahoo(path)
    assert report.notes == []
    assert [r.getMessage() for r in caplog.records] == [report.summary()]
