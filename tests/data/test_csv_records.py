from __future__ import annotations

import csv
import io
import itertools
import re
import signal
import threading
from collections.abc import Iterator
from types import FrameType

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


@pytest.fixture(autouse=True)
def _fail_rather_than_hang() -> Iterator[None]:
    """Raise ``TimeoutError`` in a test still running after 5 s: a split that never ends
    fails instead of hanging (in the main thread only, where signals are delivered)."""
    seconds = 5

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"not done after {seconds} s")

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _records(data: bytes, block_bytes: int, max_lines: int = 100) -> tuple[list[bytes], list]:
    records, lines, rejected = [], [], []
    # _Stream, not io.BytesIO: a reader that goes on after the end fails instead of hanging
    for block in iter_record_blocks(_Stream(data), block_bytes, max_lines):
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


def test_runs_of_records_between_rejected_lines_are_joined_with_their_offsets() -> None:
    data = b'h,t\n1,"a\n2,b\n3,c\n4,"d\n5,e\n'  # three runs: line 1, lines 3-4, line 6
    block, consumed, n = RecordSplitter(max_lines=3).split(data, 1, final=True)
    assert block.rejected.tolist() == [2, 5] and bytes(block.data) == b"h,t\n2,b\n3,c\n5,e\n"
    assert block.ends.tolist() == [4, 8, 12, 16] and block.lines.tolist() == [1, 3, 4, 6]
    assert (consumed, n) == (len(data), 6)


def test_a_buffer_of_only_rejected_lines_gives_an_empty_block() -> None:
    block, consumed, n = RecordSplitter().split(b'1,"a\n', 7, final=True)
    assert bytes(block.data) == b"" and block.rejected.tolist() == [7]
    assert block.ends.tolist() == [] and block.lines.tolist() == []
    assert block.ends.dtype == np.int64 and block.lines.dtype == np.int64
    assert (consumed, n) == (5, 1)


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


class _Stream:
    """Serves ``data`` in reads of at most ``chunk`` bytes and fails on reads that a reader
    should not make: of zero bytes, or after the stream has returned its end."""

    def __init__(self, data: bytes, chunk: int = 1 << 30, fail_at: int | None = None) -> None:
        self.data, self.chunk, self.fail_at = data, chunk, fail_at
        self.pos, self.ended = 0, False
        self.moved = threading.Condition()

    def readinto(self, buffer: memoryview, /) -> int:
        if not len(buffer) or self.ended:
            raise AssertionError("read of zero bytes or after the end")
        n = min(len(buffer), self.chunk, len(self.data) - self.pos)
        if self.fail_at is not None and self.pos + n > self.fail_at:
            raise OSError("truncated")
        buffer[:n] = self.data[self.pos : self.pos + n]
        with self.moved:
            self.pos += n
            self.ended = n == 0
            self.moved.notify_all()
        return n

    def wait_for(self, pos: int) -> None:
        with self.moved:
            assert self.moved.wait_for(lambda: self.pos >= pos, timeout=5)


def _numbered(n: int) -> list[bytes]:
    return [b"%04d,abcd\n" % i for i in range(1, n + 1)]


def _check_records(block: csv_records.RecordBlock, lines: list[bytes]) -> None:
    """Each record of ``block`` is the source line that its line number names."""
    assert bytes(block.data) == b"".join(lines[n - 1] for n in block.lines.tolist())
    assert block.ends.tolist() == np.cumsum([len(lines[n - 1]) for n in block.lines]).tolist()


def test_a_record_of_exactly_max_lines_is_kept_at_the_start_of_a_buffer() -> None:
    block, consumed, n = RecordSplitter(max_lines=2).split(b'"a\nb"\nc\n', 5, final=True)
    assert block.rejected.tolist() == [] and block.ends.tolist() == [6, 8]
    assert block.lines.tolist() == [5, 7] and (consumed, n) == (8, 3)
    block, _, _ = RecordSplitter(max_lines=2).split(b'"a\nb\nc"\nd\n', 5, final=True)
    assert block.rejected.tolist() == [5, 7] and bytes(block.data) == b"b\nd\n"


def test_a_record_of_exactly_max_lines_is_cut_without_a_copy() -> None:
    buf = b'a\n"b\nc"\nd\n'
    block, _, _ = RecordSplitter(max_lines=2).split(buf, 1, final=True)
    assert block.ends.tolist() == [2, 8, 10] and block.lines.tolist() == [1, 2, 4]
    assert isinstance(block.data, memoryview)
    assert np.shares_memory(np.frombuffer(block.data, np.uint8), np.frombuffer(buf, np.uint8))


def test_an_open_quote_over_max_lines_complete_lines_is_rejected_before_the_end() -> None:
    splitter = RecordSplitter(max_lines=3)
    block, consumed, n = splitter.split(b'1,"a\n2,b\n3,c\n', 1, final=False)
    assert block.rejected.tolist() == [1] and block.lines.tolist() == [2, 3]
    assert block.ends.tolist() == [4, 8] and (consumed, n) == (13, 3)
    block, consumed, n = splitter.split(b'1,"a\n2,b\n', 1, final=False)  # may still close
    assert len(block.ends) == 0 and block.rejected.tolist() == [] and (consumed, n) == (0, 0)


def test_rejected_line_numbers_are_integers_even_when_none() -> None:
    for buf in (b"a\nb\n", b'a\n"b\n'):
        block, _, _ = RecordSplitter().split(buf, 1, final=True)
        assert block.rejected.dtype == np.int64 and block.lines.dtype == np.int64


def test_each_block_is_read_once_and_the_stream_is_read_to_its_end_once() -> None:
    lines = _numbered(20)  # 200 bytes: 12 full blocks of 16 and a last one of 8
    blocks = list(itertools.islice(iter_record_blocks(_Stream(b"".join(lines)), 16), 50))
    assert [n for b in blocks for n in b.lines.tolist()] == list(range(1, 21))
    assert len(blocks) == 13
    blocks = list(itertools.islice(iter_record_blocks(_Stream(b"".join(lines[:8])), 16), 50))
    assert [n for b in blocks for n in b.lines.tolist()] == list(range(1, 9))  # 80 = 5 * 16


def test_short_reads_fill_whole_blocks() -> None:
    lines = _numbered(30)
    seen, blocks = [], 0
    for block in itertools.islice(iter_record_blocks(_Stream(b"".join(lines), chunk=3), 64), 50):
        _check_records(block, lines)
        seen += block.lines.tolist()
        blocks += 1
    assert blocks == 5 and seen == list(range(1, 31))  # 300 bytes in blocks of 64, not of 3


def test_a_block_stays_valid_while_the_next_one_is_read() -> None:
    lines = _numbered(20)
    stream = _Stream(b"".join(lines))
    seen = []
    for k, block in enumerate(iter_record_blocks(stream, 16), start=1):
        stream.wait_for(min(len(stream.data), (k + 1) * 16))  # the read-ahead is done
        _check_records(block, lines)
        seen += block.lines.tolist()
    assert seen == list(range(1, 21))


def test_a_read_error_is_raised_after_the_records_before_it() -> None:
    lines = _numbered(20)
    blocks = iter_record_blocks(_Stream(b"".join(lines), fail_at=100), 16)
    seen = []
    with pytest.raises(OSError, match="truncated"):
        for block in itertools.islice(blocks, 50):
            seen += block.lines.tolist()
    assert seen == list(range(1, 10))  # 96 bytes read: 9 whole records


def test_an_unfinished_record_of_exactly_max_pending_bytes_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(csv_records, "MAX_PENDING_BYTES", 100)
    data = b"h\n" + b"x" * 100 + b"\n"  # after the first block of 102 bytes: 100 pending
    blocks = list(itertools.islice(iter_record_blocks(_Stream(data), 102), 10))
    assert [bytes(b.data) for b in blocks] == [b"h\n", b"x" * 100 + b"\n"]
    with pytest.raises(DataError, match=r"^line 2: no end of record in 0 MiB"):
        list(iter_record_blocks(_Stream(b"h\n" + b"x" * 101 + b"\n"), 103))


def test_the_refusal_names_the_limit_in_mib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_records, "MAX_PENDING_BYTES", 1 << 20)
    data = b"h\n1\n" + b"x" * (5 << 18)  # over 1 MiB pending after 5 blocks
    message = "line 3: no end of record in 1 MiB; is this a line-based CSV file?"
    with pytest.raises(DataError, match=f"^{re.escape(message)}$"):
        list(iter_record_blocks(_Stream(data), 1 << 18))
