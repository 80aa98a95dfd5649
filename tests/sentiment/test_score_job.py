"""What a scoring run is asked (its inputs' columns, refused in one line when wrong) and what it
reports: the summary states that rows read = scored + rejected."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sentcast.data.report import DropReport
from sentcast.data.timestamps import TimeFormat
from sentcast.errors import DataError, UserInputError
from sentcast.sentiment.score_job import (
    ChunkColumns,
    ScoreJob,
    ScoreResult,
    inputs_without_ids,
    resolve_columns,
)


def test_the_summary_balances_rows_and_names_the_days() -> None:
    report = DropReport("t.csv", rows_read=5, dropped=Counter({"no text": 1}))
    days = pd.DatetimeIndex(["2020-02-01", "2020-02-02", "2020-02-03"], name="date")
    daily = pd.DataFrame({"n_tweets": [2, 0, 2]}, index=days)
    result = ScoreResult([report], daily, texts_scored=4, chunks_total=3, chunks_resumed=1)
    assert result.summary().split("\n") == [
        "t.csv: kept 4 of 5 rows; dropped 1 (no text=1)",
        "rows read 5 = scored 4 + rejected 1",
        "  rejected, no text: 1",
        "days 3 (2020-02-01 .. 2020-02-03; 1 without tweets)",
        "texts scored (distinct per chunk, after cache) 4; chunks 3 (1 resumed); wall time 0.0 s",
    ]
    nothing = ScoreResult([DropReport("e.csv")], daily.iloc[:0])
    assert nothing.summary().split("\n")[1:3] == ["rows read 0 = scored 0 + rejected 0", "days 0"]


def _csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _job(src: Path, **options: Any) -> ScoreJob:
    return ScoreJob([src], src.parent / "daily.parquet", **options)


def test_known_column_names_are_found_and_a_kind_column_joins_the_id(tmp_path: Path) -> None:
    src = _csv(
        tmp_path / "t.csv",
        "tweet_id,kind,timestamp,created_at,tweet,clean_text,id_str\n"
        "1,post,2020-01-01,2020-01-02,hi,hi,1\n",
    )
    columns = resolve_columns(src, _job(src, time_format="ISO8601"))
    fmt = TimeFormat("ISO8601", "given")
    assert columns == ChunkColumns("clean_text", "created_at", None, fmt, ("kind", "tweet_id"))
    plain = _csv(tmp_path / "p.csv", "text,date,id_str\nhi,2020-01-01,1\n")
    assert resolve_columns(plain, _job(plain, time_format="ISO8601")).ids == ("id_str",)
    bare = _csv(tmp_path / "b.csv", "kind,text,date\npost,hi,2020-01-01\n")
    assert resolve_columns(bare, _job(bare, time_format="ISO8601")).ids == ()


def test_given_columns_delimiter_and_encoding_are_used(tmp_path: Path) -> None:
    src = _csv(
        tmp_path / "t.csv",
        "clé;créé;café;humeur;text;date\n7;03/04/2020;bon;pos;x;y\n8;05/04/2020;mal;neg;x;y\n",
        encoding="cp1252",
    )
    job = _job(
        src,
        text_col="café",
        time_col="créé",
        label_col="humeur",
        id_col="clé",
        delimiter=";",
        encoding="cp1252",
        chunk_size=1,
        dayfirst=True,
    )
    assert resolve_columns(src, job) == ChunkColumns(
        "café", "créé", "humeur", TimeFormat("%d/%m/%Y"), ("clé",)
    )
    month_first = dataclasses.replace(job, dayfirst=False)
    assert resolve_columns(src, month_first).time_format == TimeFormat("%m/%d/%Y")


def test_a_column_given_two_roles_is_refused_naming_the_option_to_change(tmp_path: Path) -> None:
    src = _csv(tmp_path / "t.csv", "id,msg,when,mood\n1,hi,2020-01-01,pos\n")
    cases = [
        ({"text_col": "msg", "time_col": "msg"}, "msg", "text", "time"),
        ({"text_col": "msg", "time_col": "when", "label_col": "msg"}, "msg", "text", "label"),
        ({"text_col": "msg", "time_col": "when", "label_col": "when"}, "when", "time", "label"),
        ({"text_col": "id", "time_col": "when"}, "id", "text", "id"),
        ({"text_col": "msg", "time_col": "id"}, "id", "time", "id"),
        ({"text_col": "msg", "time_col": "when", "id_col": "msg"}, "msg", "text", "id"),
    ]
    for options, column, role, other in cases:
        with pytest.raises(UserInputError) as err:
            resolve_columns(src, _job(src, **options))
        assert str(err.value) == (
            f"{src}: column {column!r} is given as both the {role} and the {other} column; "
            f"choose another with --{other}-col"
        )


def test_a_missing_column_is_refused_naming_the_columns_there_are(tmp_path: Path) -> None:
    src = _csv(tmp_path / "t.csv", "id,msg,when\n1,hi,2020-01-01\n")
    known = "(columns: id, msg, when)"
    both = {"text_col": "msg", "time_col": "when"}
    cases = [
        ({}, f"no text column found; pass --text-col {known}"),
        ({"text_col": "body"}, f"text column 'body' not found {known}"),
        ({"text_col": "msg"}, f"no time column found; pass --time-col {known}"),
        ({"text_col": "msg", "time_col": "day"}, f"time column 'day' not found {known}"),
        ({**both, "label_col": "mood"}, f"label column 'mood' not found {known}"),
        ({**both, "id_col": "key"}, f"id column 'key' not found {known}"),
    ]
    for options, message in cases:
        with pytest.raises(UserInputError) as err:
            resolve_columns(src, _job(src, **options))
        assert str(err.value) == message


def test_a_time_column_no_format_fits_is_named_with_its_file(tmp_path: Path) -> None:
    src = _csv(tmp_path / "t.csv", "text,date\nhi,soon\nho,later\n")
    with pytest.raises(DataError) as err:
        resolve_columns(src, _job(src))
    assert str(err.value).startswith(f"no known date format fits time column 'date' of {src} (")


def test_outputs_that_overwrite_an_input_or_each_other_are_refused(tmp_path: Path) -> None:
    src = _csv(tmp_path / "t.csv", "text,date\nhi,2020-01-01\n")
    out = tmp_path / "d.parquet"
    with pytest.raises(UserInputError) as err:
        ScoreJob([src], src)
    assert str(err.value) == f"--out {src} is also an input; refusing to overwrite it"
    with pytest.raises(UserInputError) as err:
        ScoreJob([src], out, scored=src)
    assert str(err.value) == f"--scored {src} is also an input; refusing to overwrite it"
    with pytest.raises(UserInputError) as err:
        ScoreJob([src], out, scored=out)
    assert str(err.value) == f"--scored and --out are the same file: {out}"


def test_the_inputs_without_an_id_column_are_named(tmp_path: Path) -> None:
    a, b, c = (tmp_path / f"{name}.csv" for name in "abc")
    job = ScoreJob([a, b, c], tmp_path / "d.parquet")
    fmt = TimeFormat("ISO8601")
    columns = [
        ChunkColumns("text", "date", None, fmt),
        ChunkColumns("text", "date", None, fmt, ("id",)),
        ChunkColumns("text", "date", None, fmt),
    ]
    assert inputs_without_ids(job, columns) == [str(a), str(c)]


def test_the_summary_names_every_reason_inputs_without_ids_and_uses_thousands() -> None:
    a = DropReport("a.csv", rows_read=12_345, dropped=Counter({"unparseable date": 1_200}))
    b = DropReport("b.csv", rows_read=7, dropped=Counter({"empty text": 2, "duplicate id": 1}))
    days = pd.date_range("2020-02-01", periods=1_001, freq="D", name="date")
    daily = pd.DataFrame({"n_tweets": [3] * 1_000 + [1]}, index=days)
    result = ScoreResult(
        [a, b],
        daily,
        without_ids=["a.csv", "c.csv"],
        texts_scored=10_001,
        chunks_total=12,
        chunks_resumed=0,
        wall_s=2.34,
    )
    assert result.summary().split("\n") == [
        "a.csv: kept 11145 of 12345 rows; dropped 1200 (unparseable date=1200)",
        "b.csv: kept 4 of 7 rows; dropped 3 (duplicate id=1, empty text=2)",
        "rows read 12,352 = scored 11,149 + rejected 1,203",
        "  rejected, duplicate id: 1",
        "  rejected, empty text: 2",
        "  rejected, unparseable date: 1,200",
        "not de-duplicated (no id column; rows read twice count twice): a.csv, c.csv",
        "days 1,001 (2020-02-01 .. 2022-10-28; 0 without tweets)",
        "texts scored (distinct per chunk, after cache) 10,001; chunks 12 (0 resumed); "
        "wall time 2.3 s",
    ]
