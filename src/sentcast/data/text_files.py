"""Small text files read whole: UTF-8 decoded row by row, fields of bounded length, counts.

The readers of labelled corpora (:mod:`sentcast.data.corpora`) and of Yahoo CSVs use these, so
that no row is decoded, cut or lost without a count:

* :func:`read_text` decodes a file as UTF-8 (gzip by its magic bytes, a BOM dropped) and keeps
  bytes that are not UTF-8 as lone surrogates (``surrogateescape``);
* :class:`RowDecoder` turns those bytes, row by row, into Latin-1 characters and counts the rows
  that needed it, for a note in the report;
* :func:`csv_rows` and :func:`text_lines` give records or lines; one with a field longer than
  :data:`MAX_FIELD_CHARS`, or a record the ``csv`` module refuses, is counted as read and
  dropped instead.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from sentcast.data.report import DropReport
from sentcast.errors import DataError

MAX_FIELD_CHARS = 1 << 20
"""Longest CSV field or line the readers accept, in characters (1 Mi)."""
LONG_FIELD = "field over 1 Mi characters"
MALFORMED_CSV = "malformed CSV row"
_SURROGATE = re.compile("[\\ud800-\\udfff]")
_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)


def read_text(path: Path) -> str:
    """File contents, a gzip file (by its magic bytes) decompressed first, decoded as UTF-8
    without a BOM; bytes that are not UTF-8 are kept as U+DC80..U+DCFF for :class:`RowDecoder`."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"{path}: not a readable gzip file: {exc}") from None
    return raw.decode("utf-8", "surrogateescape").removeprefix("\ufeff")


class RowDecoder:
    """Finishes decoding row by row: bytes that were not UTF-8 become Latin-1 characters, and
    the rows that needed it are counted for the report."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self.rows = 0
        self.first_line = 0

    def fix(self, values: list[str], line: int) -> list[str]:
        """``values`` with every non-UTF-8 byte read as Latin-1; counts the row if it had any."""
        if not any(_ESCAPED.search(v) for v in values):
            return values
        self.rows += 1
        self.first_line = self.first_line or line
        return [_ESCAPED.sub(lambda m: chr(ord(m.group()) - 0xDC00), v) for v in values]

    def note(self, report: DropReport) -> None:
        """Add the fallback's note (rows touched, first line) to ``report`` if it was used."""
        if self.rows:
            where = f"{self.name}: " if self.name else ""
            report.notes.append(
                f"{where}{self.rows} rows with bytes that are not UTF-8, read as latin-1 "
                f"(first at line {self.first_line})"
            )


def csv_rows(text: str, report: DropReport, decoder: RowDecoder) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of each CSV record of ``text``; a record with a field over
    :data:`MAX_FIELD_CHARS` or that the ``csv`` module refuses is counted in ``report``
    (read and dropped) instead. Blank records are skipped."""
    if csv.field_size_limit() < sys.maxsize:
        csv.field_size_limit(sys.maxsize)  # the limit is checked here, per row, with a count
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            report.rows_read += 1
            report.drop(MALFORMED_CSV)
            continue
        if not row:
            continue
        if any(len(value) > MAX_FIELD_CHARS for value in row):
            report.rows_read += 1
            report.drop(LONG_FIELD)
            continue
        yield line, decoder.fix(row, line)


#: Reason of a CSV row whose field count differs from its header's.
WRONG_FIELDS = "malformed row (wrong number of fields)"


def rows_of_header_width(
    header: list[str], body: list[list[str]], report: DropReport, skipped: DropReport
) -> list[list[str]]:
    """The rows of ``body`` with as many fields as ``header``; ``report`` gets the rows read
    (``body`` and the records :func:`csv_rows` already dropped into ``skipped``) and every
    drop, with its reason."""
    good = [row for row in body if len(row) == len(header)]
    report.rows_read = len(body) + skipped.rows_read
    report.drop(WRONG_FIELDS, len(body) - len(good))
    for reason, count in skipped.dropped.items():
        report.drop(reason, count)
    return good


def text_lines(text: str, report: DropReport, decoder: RowDecoder) -> Iterator[str]:
    """The lines of ``text`` (split on ``\\n`` only, ``\\r\\n`` too), decoded; a line over
    :data:`MAX_FIELD_CHARS` is counted in ``report`` (read and dropped) instead. An empty
    text has no line."""
    if not text:
        return
    lines = text.replace("\r\n", "\n").removesuffix("\n").split("\n")
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_FIELD_CHARS:
            report.rows_read += 1
            report.drop(LONG_FIELD)
            continue
        yield decoder.fix([line], number)[0]


def without_surrogates(text: str) -> str:
    """``text`` with every lone surrogate (JSON allows ``"\\ud800"``, UTF-8 cannot hold it)
    replaced by U+FFFD, so Arrow and Parquet accept it."""
    return _SURROGATE.sub("\ufffd", text)
