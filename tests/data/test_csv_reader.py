from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pyarrow as pa
import pytest

from sentcast.data.csv_reader import (
    CsvFile,
    ReadStats,
    _valid_utf8,
    check_delimiter,
    check_encoding,
    column_position,
)
from sentcast.data.report import DropReport
from sentcast.errors import UserInputError


def _check_against_csv_module(path: Path, delimiter: str = ",") -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        header, *rows = [r for r in csv.reader(fh, delimiter=delimiter) if r]
    stats = ReadStats()
    table = pa.Table.from_batches(CsvFile(path, delimiter).batches(["text"], stats))
    assert stats.rows_read == stats.rows == len(rows)  # rows read = records in the file
    at = header.index("text")
    assert table.column("text").to_pylist() == [r[at] or None for r in rows]


def test_rows_read_equal_the_records_of_pythons_csv_module(shared_data: Path) -> None:
    _check_against_csv_module(shared_data / "tweets" / "bitcoin_tweets_2016-2017_sample.csv")
    _check_against_csv_module(shared_data / "tweets" / "bitcoin_tweets_2021-01-14_1h.csv")


def test_quoted_delimiters_newlines_and_quotes(tmp_path: Path) -> None:
    rows = [["a;b", 'say "x"\r\nnext', "3"], ["", "plain", "\u00e9"], ["1", "", "2"]] * 500
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";").writerows([["x", "text", "z"], *rows])
    path = tmp_path / "t.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    _check_against_csv_module(path, ";")


def test_stats_are_added_to_the_report() -> None:
    stats = ReadStats(rows=100, malformed_rows=2, quoting_lines=list(range(3, 15)))
    stats.undecodable_rows, stats.undecodable_line = 4, 9
    report = DropReport("f.csv", rows_read=stats.rows)
    stats.add_skips_to(report, "utf-8")
    assert report.rows_read == stats.rows_read == 114 and report.rows_kept == 100
    assert report.dropped == {"malformed row": 2, "malformed quoting": 12}
    assert "at line 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 2 more" in report.summary()
    assert "undecodable bytes replaced: 4 rows (first at line 9" in report.summary()


@pytest.mark.parametrize(
    ("lines", "listed"),
    [
        (10, "3, 4, 5, 6, 7, 8, 9, 10, 11, 12"),
        (11, "3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 1 more"),
        (1, "3"),
    ],
)
def test_quoting_lines_listed_then_counted(lines: int, listed: str) -> None:
    """Ten lines are named, the rest counted; the note names the encoding (UTF-8 unless
    told)."""
    stats = ReadStats(
        quoting_lines=list(range(3, 3 + lines)), undecodable_rows=1, undecodable_line=2
    )
    report = DropReport("f.csv")
    stats.add_skips_to(report)
    assert report.notes == [
        f"malformed quoting (a quote never closed) at line {listed}",
        "undecodable bytes replaced: 1 rows (first at line 2; not utf-8? see --encoding)",
    ]


@pytest.mark.parametrize(
    ("data", "valid"),
    [(b"", True), (b"plain", True), ("caf\u00e9 \U0001f600".encode(), True), (b"\xffok", False),
     (b"ok\xff", False), (b"\xc3", False), ("\u00e9".encode()[1:] + b"ok", False)],
)  # fmt: skip
def test_valid_utf8_is_arrows_full_check(data: bytes, valid: bool) -> None:
    assert _valid_utf8(data) is valid
    assert _valid_utf8(memoryview(b"x" + data)[1:]) is valid


def test_gzip_is_recognised_by_content(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_bytes(gzip.compress(b"text,date\nhello,2020-01-01\n"))
    assert CsvFile(path).header() == ["text", "date"]
    path = tmp_path / "not-gzip.csv.gz"
    path.write_bytes(b"text,date\nhello,2020-01-01\n")
    assert CsvFile(path).header() == ["text", "date"]


def test_option_checks() -> None:
    assert check_delimiter(";") == ";"
    for bad in (";;", "", '"', "\n", "§"):
        with pytest.raises(UserInputError, match="--delimiter"):
            check_delimiter(bad)
    assert check_encoding("CP1252") == "cp1252" and check_encoding("latin-1") == "iso8859-1"
    for bad in ("utf-16", "utf-32", "nope"):
        with pytest.raises(UserInputError, match="--encoding"):
            check_encoding(bad)
    assert column_position(["a", "b"], "b") == 1
    with pytest.raises(UserInputError, match=r"'a' appears 2 times .*positions 1, 3"):
        column_position(["a", "b", "a"], "a")
