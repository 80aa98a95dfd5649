from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.data.daily_series import read_daily_series
from sentcast.errors import DataError, UserInputError


def test_reads_the_shared_reddit_series(shared_data: Path) -> None:
    frame, report = read_daily_series(
        shared_data / "sentiment_daily" / "reddit_comments_sentiment.csv", ["CL sentiment"]
    )
    assert frame.index.name == "date"
    assert frame.loc["2014-07-31", "CL sentiment"] == pytest.approx(0.09127872813454875)
    assert len(frame) == 2192 and report.rows_dropped == 0


def test_reads_a_parquet_daily_table(tmp_path: Path) -> None:
    index = pd.DatetimeIndex(["2020-01-01", "2020-01-02"], name="date")
    table = pd.DataFrame({"n_tweets": [5, 0], "compound_mean": [0.2, np.nan]}, index=index)
    table.to_parquet(tmp_path / "daily.parquet")
    frame, report = read_daily_series(tmp_path / "daily.parquet", ["compound_mean"])
    assert list(frame.columns) == ["compound_mean"]
    assert np.isnan(frame["compound_mean"].iloc[1])
    assert report.notes == []


def test_bad_rows_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("Date,score\n2020-01-02,0.5\nnot a date,0.1\n2020-01-01,x\n2020-01-02,0.9\n")
    frame, report = read_daily_series(path)
    assert frame.index.tolist() == [pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-02")]
    assert frame.loc["2020-01-02", "score"] == 0.5
    assert report.dropped == {"unreadable date": 1, "repeated date (first kept)": 1}
    assert report.notes == ["score: 1 non-numeric value(s) read as missing"]


def test_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="not found"):
        read_daily_series(tmp_path / "missing.csv")
    path = tmp_path / "s.csv"
    path.write_text("day,score\n2020-01-01,1\n")
    with pytest.raises(UserInputError, match="no date column"):
        read_daily_series(path)
    path.write_text("date,score\n2020-01-01,1\n")
    with pytest.raises(UserInputError, match="unknown column"):
        read_daily_series(path, ["compound_mean"])
    path.write_text("date,score\nnope,1\n")
    with pytest.raises(DataError, match=r"no known date format fits .*; write the dates as"):
        read_daily_series(path)


def test_unreadable_parquet_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "s.parquet"
    path.write_text("not parquet")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        read_daily_series(path)


def test_long_fields_wrong_field_counts_and_non_utf8_rows_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "daily.csv"
    rows = [
        b"date,score,label",
        b"2020-01-01,0.5,calm",
        b"2020-01-02,0.25,caf\xe9",  # one row in Latin-1
        b"2020-01-03,0.1",  # a field short
        b'2020-01-04,0.2,"' + b"x" * ((1 << 20) + 1) + b'"',  # a field over 1 Mi characters
        b"2020-01-05,-0.5,ok",
    ]
    path.write_bytes(b"\n".join(rows) + b"\n")
    frame, report = read_daily_series(path, ["score"])
    assert report.rows_read == 5  # the data records, every one counted
    assert report.dropped == {
        "malformed row (wrong number of fields)": 1,
        "field over 1 Mi characters": 1,
    }
    assert report.rows_read == len(frame) + sum(report.dropped.values())
    assert frame["score"].tolist() == [0.5, 0.25, -0.5]
    assert any("1 rows with bytes that are not UTF-8" in n for n in report.notes)
    # the UTF-8 rows are not touched by the fallback: one row noted, not the file
    assert not any("2 rows" in n for n in report.notes)
