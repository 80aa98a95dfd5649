"""Rows and lines of decoded text files: long fields counted, quoted line ends kept."""

from __future__ import annotations

import pytest

from sentcast.data import text_files
from sentcast.data.report import DropReport
from sentcast.data.text_files import (
    LONG_FIELD,
    RowDecoder,
    csv_rows,
    rows_of_header_width,
    text_lines,
)


def test_text_lines_drop_and_count_only_lines_over_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(text_files, "MAX_FIELD_CHARS", 5)
    report = DropReport("t.txt")
    lines = list(text_lines("abcde\r\nabcdef\nx\nyyyyyyy\nz\n", report, RowDecoder()))
    assert lines == ["abcde", "x", "z"]
    assert report.rows_read == 2 and dict(report.dropped) == {LONG_FIELD: 2}


def test_csv_rows_keep_quoted_line_ends_and_count_long_fields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(text_files, "MAX_FIELD_CHARS", 8)
    report = DropReport("t.csv")
    text = 'a,"x\r\ny"\n\nb,123456789\nc,12345678\nd,987654321\n'
    rows = list(csv_rows(text, report, RowDecoder()))
    assert rows == [(1, ["a", "x\r\ny"]), (5, ["c", "12345678"])]
    assert report.rows_read == 2 and dict(report.dropped) == {LONG_FIELD: 2}


def test_rows_with_bytes_that_are_not_utf8_are_counted_with_the_first_line() -> None:
    decoder = RowDecoder("t.csv")
    raw = "ok\ncaf\xe9\nna\xefve\n".encode("latin-1").decode("utf-8", "surrogateescape")
    assert list(text_lines(raw, DropReport("t.csv"), decoder)) == ["ok", "caf\xe9", "na\xefve"]
    report = DropReport("t.csv")
    decoder.note(report)
    assert report.notes == [
        "t.csv: 2 rows with bytes that are not UTF-8, read as latin-1 (first at line 2)"
    ]


def test_rows_of_header_width_add_the_skipped_counts() -> None:
    skipped = DropReport("t.csv", rows_read=3)
    skipped.drop(LONG_FIELD, 2)
    skipped.drop("malformed CSV row", 1)
    report = DropReport("t.csv")
    good = rows_of_header_width(["a", "b"], [["1", "2"], ["3"], ["4", "5"]], report, skipped)
    assert good == [["1", "2"], ["4", "5"]]
    assert report.rows_read == 6
    assert dict(report.dropped) == {
        "malformed row (wrong number of fields)": 1,
        LONG_FIELD: 2,
        "malformed CSV row": 1,
    }
