from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from sentcast.data import csv_records
from sentcast.data.csv_records import RecordSplitter, iter_record_blocks
from sentcast.errors import DataError


def _clean_csv(rows: int, seed: int = 0) -> bytes:
    """A CSV written by Python's csv module: quoted commas, quotes, newlines, CRLF ends."""
    rng = np.random.default_rng(seed)
    pieces = ["plain", "with, comma", 'say "hi"', "two\nlines", "three\r\nwin\nlines", "", "é ☃"]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["id", "date", "text"])
    for i in range(rows):
        text = " ".join(pieces[k] for k in rng.integers(0, len(pieces), 3))
        writer.writerow([i, f"2020-01-{1 + i % 28:02d}", text])
    return out.getvalue().encode("utf-8")


def _records(data: bytes, block_bytes: int, max_lines: int = 100) -> tuple[list[bytes], list]:
    records, lines, rejected = [], [], []
    for block in iter_record_blocks(io.BytesIO(data), block_bytes, max_lines):
        raw = bytes(block.data)
        starts = [0, *block.ends[:-1]]
        records += [raw[s:e] for s, e in zip(starts, block.ends, strict=True)]
        lines += block.lines.tolist()
        rejected += block.rejected.tolist()
    return records, [lines, rejected]


@pytest.mark.parametrize("block_bytes", [5, 64, 1000, 1 << 20])
def test_records_are_those_of_pythons_csv_module(block_bytes: int) -> None:
    data = _clean_csv(300)
    want = list(csv.reader(io.StringIO(data.decode(), newline="")))
    records, (lines, rejected) = _records(data, block_bytes)
    assert b"".join(records) == data and not rejected
    got = [next(csv.reader(io.StringIO(r.decode(), newline=""))) for r in records]
    assert got == want
    offsets = np.cumsum([0, *map(len, records)])[:-1]
    assert lines == [1 + data[:o].count(b"\n") for o in offsets]


@pytest.mark.parametrize("block_bytes", [3, 17, 1 << 20])
def test_malformed_quoting_rejects_one_line_whatever_the_block_size(block_bytes: int) -> None:
    lines = [b"h,t"] + [b"%d,ok" % i for i in range(1, 30)]
    lines[5] = b'5,"never closed'
    lines[12] = b'12,"a ""fine""\nmulti-line value"'
    data = b"\n".join(lines) + b"\n"
    records, (starts, rejected) = _records(data, block_bytes, max_lines=4)
    assert rejected == [6]
    assert len(records) == 29 and records[5] == b"6,ok\n"
    assert b'12,"a ""fine""\nmulti-line value"\n' in records
    assert starts[:7] == [1, 2, 3, 4, 5, 7, 8]


def test_quote_spanning_more_than_max_lines_is_malformed() -> None:
    data = b'h,t\n1,"a\n2,b\n3,c\n4,"d\n5,e\n'
    _, (_, rejected) = _records(data, 1 << 20, max_lines=3)
    assert rejected == [2, 5]
    records, (_, rejected) = _records(data, 1 << 20, max_lines=4)
    assert rejected == [] and records[1] == b'1,"a\n2,b\n3,c\n4,"d\n'


def test_last_record_without_line_end() -> None:
    block, consumed, lines = RecordSplitter().split(b'h,t\n1,"x"', 1, final=True)
    assert bytes(block.data) == b'h,t\n1,"x"' and block.ends.tolist() == [4, 9]
    assert (consumed, lines) == (9, 2)
    block, consumed, _ = RecordSplitter().split(b'h,t\n1,"x', 1, final=False)
    assert block.ends.tolist() == [4] and consumed == 4


def test_a_record_that_never_ends_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_records, "MAX_PENDING_BYTES", 1000)
    with pytest.raises(DataError, match="line 2: no end of record"):
        list(iter_record_blocks(io.BytesIO(b"h\n" + b"x" * 5000), block_bytes=300))
