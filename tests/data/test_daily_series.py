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


def test_parquet_by_suffix_any_case_with_a_date_column_or_index(tmp_path: Path) -> None:
    days = pd.DatetimeIndex(["2020-01-02", "2020-01-01", "2020-01-03"])
    as_column = pd.DataFrame({"date": days, "compound_mean": [0.5, -0.25, np.inf]})
    as_column.to_parquet(tmp_path / "col.PQ", index=False)
    frame, report = read_daily_series(tmp_path / "col.PQ")
    assert list(frame.columns) == ["compound_mean"]  # every column but the date
    assert frame.index.tolist() == list(days.sort_values())
    assert frame["compound_mean"].tolist()[:2] == [-0.25, 0.5]
    assert np.isnan(frame["compound_mean"].iloc[2])
    assert report.rows_read == 3 and report.rows_dropped == 0
    assert report.notes == ["compound_mean: 1 non-finite value(s) read as missing"]
    # a named index beside a date column is not taken in: the date column stays the date
    as_column.set_index(pd.Index([7, 8, 9], name="row")).to_parquet(tmp_path / "idx.Parquet")
    frame, _ = read_daily_series(tmp_path / "idx.Parquet", ["compound_mean"])
    assert frame.index.tolist() == list(days.sort_values())


def test_csv_dates_are_days_sorted_first_repeat_kept(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        " DATE ,a,b\n"
        "2020-01-03 18:30,1,\n"
        "2020-01-01,inf,x\n"
        "2020-01-03 06:00,3,4\n"
        "2020-01-02,-inf, \n"
    )
    frame, report = read_daily_series(path)
    assert frame.index.name == "date"
    assert frame.index.tolist() == list(
        pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-03"])
    )
    assert frame["a"].tolist()[2] == 1.0 and np.isnan(frame["a"].iloc[0])
    assert report.rows_read == 4
    assert report.source == str(path)
    assert report.summary().startswith(f"{path}: kept 3 of 4 rows")
    assert report.dropped == {"repeated date (first kept)": 1}
    assert report.notes == [
        "a: 2 non-finite value(s) read as missing",
        "b: 1 non-numeric value(s) read as missing",
    ]


_AMBIGUOUS = (
    "the dates in date column 'date' of {p} are ambiguous: '01/02/2020' is 2020-01-02 00:00:00 "
    "as %m/%d/%Y but 2020-02-01 00:00:00 as %d/%m/%Y; write the dates as YYYY-MM-DD"
)
_NO_FORMAT = (
    "no known date format fits date column 'date' of {p} (values like 'nope'); "
    "write the dates as YYYY-MM-DD"
)


@pytest.mark.parametrize(
    ("text", "columns", "error", "message"),
    [
        ("day,score,label\n2020-01-01,1,a\n", None, UserInputError,
         "{p}: no date column (found day, score, label)"),
        ("Date,score,label\n2020-01-01,1,a\n", ["score", "n_tweets", "pos"], UserInputError,
         "{p}: unknown column(s) n_tweets, pos (available: score, label)"),
        ("date,score\n01/02/2020,1\n03/04/2020,2\n", None, UserInputError, _AMBIGUOUS),
        ("date,score\nnope,1\n", None, DataError, _NO_FORMAT),
        ("\n,,\n\n", None, DataError, "{p}: file is empty"),
        ("date,score\n", None, DataError, "{p}: no row with a readable date"),
    ],
)  # fmt: skip
def test_refusals_word_for_word(
    tmp_path: Path, text: str, columns: list[str] | None, error: type[Exception], message: str
) -> None:
    path = tmp_path / "s.csv"
    path.write_text(text)
    with pytest.raises(error) as refused:
        read_daily_series(path, columns)
    assert str(refused.value) == message.format(p=path)


def test_a_named_parquet_index_beside_a_date_column_is_not_a_value_column(
    tmp_path: Path,
) -> None:
    table = pd.DataFrame(
        {"date": pd.DatetimeIndex(["2020-01-01", "2020-01-02"]), "n_tweets": [3, 4]},
        index=pd.Index([10, 11], name="row"),
    )
    table.to_parquet(tmp_path / "daily.parquet")
    frame, _ = read_daily_series(tmp_path / "daily.parquet")
    assert list(frame.columns) == ["n_tweets"]
    assert frame["n_tweets"].tolist() == [3.0, 4.0]


def test_the_latin1_note_names_the_file_and_first_line(tmp_path: Path) -> None:
    path = tmp_path / "cp.csv"
    path.write_bytes(b"date,score\n2020-01-01,0.5\n2020-01-02,0.25\xe9\n2020-01-03,\xe91\n")
    frame, report = read_daily_series(path)
    assert report.notes == [
        "cp.csv: 2 rows with bytes that are not UTF-8, read as latin-1 (first at line 3)",
        "score: 2 non-numeric value(s) read as missing",
    ]
    assert frame["score"].iloc[0] == 0.5 and frame["score"].isna().sum() == 2
