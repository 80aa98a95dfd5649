from __future__ import annotations

import csv
import gzip
import io
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from sentcast.data import csv_reader
from sentcast.data.csv_reader import (
    CsvFile,
    ReadStats,
    _valid_utf8,
    check_delimiter,
    check_encoding,
    column_position,
)
from sentcast.data.csv_records import iter_record_blocks
from sentcast.data.report import DropReport
from sentcast.errors import DataError, UserInputError


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
    assert check_delimiter(";") == ";" and check_delimiter("X") == "X"
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


def _column(path: Path, name: str, stats: ReadStats | None = None, **kw: str) -> list[object]:
    batches = CsvFile(path, **kw).batches([name], stats or ReadStats())
    return pa.Table.from_batches(batches).column(name).to_pylist()


def test_fields_are_text_as_written(tmp_path: Path) -> None:
    """Numbers stay strings, "NA" and "null" are tweets, a quoted empty field is an empty
    string and only an unquoted empty field is missing."""
    path = tmp_path / "t.csv"
    path.write_bytes(b'id,text\n1,007\n2,NA\n3,null\n4,""\n5,\n6,"a\nb"\n')
    assert _column(path, "text") == ["007", "NA", "null", "", None, "a\nb"]
    assert _column(path, "id") == ["1", "2", "3", "4", "5", "6"]  # digits only: still text
    path.write_bytes(b"id,text\n007,x\n8,y\n")
    assert _column(path, "id") == ["007", "8"]


def test_cp1252_bytes_that_look_like_utf8_are_read_as_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("text\n\u00c3\u00a9\nplain\n".encode("cp1252"))  # C3 A9: UTF-8's é
    assert _column(path, "text", encoding="cp1252") == ["\u00c3\u00a9", "plain"]


def test_undecodable_records_are_replaced_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"text,n\nab\x81c,1\nok,2\nx\x81,3\n")  # 0x81: no character in cp1252
    for encoding in ("utf-8", "cp1252"):
        stats = ReadStats()
        assert _column(path, "text", stats, encoding=encoding) == ["ab\ufffdc", "ok", "x\ufffd"]
        assert (stats.undecodable_rows, stats.undecodable_line) == (2, 2)


def test_an_undecodable_header_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"te\xffxt,n\na,1\n")
    assert CsvFile(path).header() == ["te\ufffdxt", "n"]
    assert _column(path, "n") == ["1"]


def test_read_errors_name_the_rows_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(stream: object, **kw: object) -> Iterator[object]:
        yield from itertools.islice(iter_record_blocks(stream, block_bytes=16), 2)  # type: ignore[arg-type]
        raise OSError("disk gone")

    monkeypatch.setattr(csv_reader, "iter_record_blocks", failing)
    path = tmp_path / "t.csv"
    path.write_text("id,text\n" + "".join(f"{n},x\n" for n in range(20)), encoding="utf-8")
    with pytest.raises(DataError, match=r": read error after \d+ rows: disk gone$"):
        _column(path, "text")
    path.with_suffix(".gz").write_bytes(gzip.compress(path.read_bytes()))
    with pytest.raises(DataError, match=r": truncated or corrupt gzip data after \d+ rows"):
        _column(path.with_suffix(".gz"), "text")


def test_column_messages_name_the_header(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match=re.escape("column 'x' not found (columns: a, b)")):
        column_position(["a", "b"], "x")
    with pytest.raises(
        UserInputError,
        match=re.escape(
            "column 'a' appears 2 times in the header (positions 1, 3); rename the copies"
        ),
    ):
        column_position(["a", "b", "a"], "a")
    with pytest.raises(
        UserInputError, match=re.escape(f"input file not found: {tmp_path / 'no.csv'}")
    ):
        CsvFile(tmp_path / "no.csv").header()


@pytest.mark.parametrize("encoding", ["rot13", "hex", "punycode", "utf-16"])
def test_codecs_that_do_not_keep_ascii_are_refused_in_one_line(encoding: str) -> None:
    """rot13 and hex are codecs but not text encodings: they were a LookupError traceback."""
    with pytest.raises(UserInputError, match=f"^--encoding {encoding}: not ASCII-compatible"):
        check_encoding(encoding)
