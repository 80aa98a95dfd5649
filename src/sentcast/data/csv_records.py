"""Quote-aware splitting of a CSV byte stream into whole records, in bounded blocks.

A newline ends a record when the number of ``"`` since the record start is even (RFC 4180:
the ``""`` that escapes a quote inside a quoted value keeps the parity). The split is
vectorised with NumPy: quotes are counted before every newline and a record ends at the next
newline of the record start's parity. A record whose quoted value stays open over more than
``max_lines`` physical lines, or up to the end of the file, has **malformed quoting**: only its
first physical line is rejected (its line number is kept) and splitting restarts on the next
line, so one stray quote costs one row, not the rest of the file.

Memory is bounded: two block buffers (one being read ahead) and one incomplete record carried
to the next block, refused beyond ``MAX_PENDING_BYTES``.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sentcast.errors import DataError

MAX_RECORD_LINES = 100
"""Most physical lines one record may span (tweets: 280 characters, so far fewer newlines)."""
BLOCK_BYTES = 8 << 20
MAX_PENDING_BYTES = 256 << 20
"""Most bytes an unfinished record may hold before the input is refused as not line-based."""

_READ_BYTES = 1 << 18  # per read call: a read error loses at most this much
_NEWLINE, _QUOTE = 10, 34


class ByteStream(Protocol):
    """A binary input (a file, ``pyarrow.input_stream``) that reads into a buffer."""

    def readinto(self, buffer: memoryview, /) -> int | None:
        """Read up to ``len(buffer)`` bytes into ``buffer``; return how many (0 at the end)."""


@dataclass(frozen=True)
class RecordBlock:
    """Whole records cut from a byte stream, and the lines rejected for malformed quoting.

    Attributes
    ----------
    data : bytes or memoryview
        The records, back to back, without the rejected lines.
    ends : numpy.ndarray
        End offset (exclusive) of each record in ``data``.
    lines : numpy.ndarray
        Physical line number (1-based) of each record's first line.
    rejected : numpy.ndarray
        Line numbers of the lines rejected for malformed quoting.
    """

    data: bytes | memoryview
    ends: np.ndarray
    lines: np.ndarray
    rejected: np.ndarray


class RecordSplitter:
    """Cuts buffers into whole records; reuses its scratch memory from one buffer to the next.

    Parameters
    ----------
    max_lines : int
        Most physical lines of one record.
    """

    def __init__(self, max_lines: int = MAX_RECORD_LINES) -> None:
        self.max_lines = max_lines
        self._scratch = np.empty((2, 0), dtype=bool)

    def split(
        self, buf: bytes | memoryview, first_line: int, final: bool
    ) -> tuple[RecordBlock, int, int]:
        """Cut the whole records off the start of ``buf``, which starts at a record start.

        Parameters
        ----------
        buf : bytes or memoryview
            Raw bytes of an ASCII-compatible encoding.
        first_line : int
            Physical line number of ``buf``'s first byte.
        final : bool
            Whether ``buf`` ends the input: then nothing is left over and a record still open
            at the end has malformed quoting.

        Returns
        -------
        block : RecordBlock
            The records and rejected lines.
        consumed : int
            Bytes of ``buf`` used; the rest is the start of an incomplete record.
        lines : int
            Physical lines in the bytes used.
        """
        arr = np.frombuffer(buf, dtype=np.uint8)
        newlines, parity = self._newlines(arr, final)
        stops = np.minimum(newlines + 1, len(arr))
        ends_of = [np.flatnonzero(parity == b) for b in (0, 1)]
        long_of = [np.flatnonzero(np.diff(e, prepend=-1) > self.max_lines) for e in ends_of]
        pieces: list[tuple[int, int, np.ndarray, np.ndarray]] = []
        rejected: list[int] = []
        line, base, n_lines = 0, 0, len(newlines)
        while line < n_lines:
            ends = ends_of[base]
            i = int(np.searchsorted(ends, line))
            if i == len(ends) or ends[i] - line + 1 > self.max_lines:
                if i == len(ends) and not final and n_lines - line < self.max_lines:
                    break  # the record may end in the next buffer
                rejected.append(line)
                base = int(parity[line])
                line += 1
                continue
            j = int(np.searchsorted(long_of[base], i + 1))
            stop = int(long_of[base][j]) if j < len(long_of[base]) else len(ends)
            run = ends[i:stop]
            starts = np.concatenate(([line], run[:-1] + 1))
            pieces.append((_start(stops, line), int(stops[run[-1]]), stops[run], starts))
            line = int(run[-1]) + 1
        rejected_lines = np.asarray(rejected, dtype=np.int64) + first_line
        return _block(buf, pieces, rejected_lines, first_line), _start(stops, line), line

    def _newlines(self, arr: np.ndarray, final: bool) -> tuple[np.ndarray, np.ndarray]:
        """Newline offsets and the parity of the number of quotes before each."""
        if self._scratch.shape[1] < len(arr):
            self._scratch = np.empty((2, len(arr)), dtype=bool)
        newline, quote = self._scratch[0, : len(arr)], self._scratch[1, : len(arr)]
        np.equal(arr, _NEWLINE, out=newline)
        np.equal(arr, _QUOTE, out=quote)
        marks = np.flatnonzero(np.bitwise_or(newline, quote, out=newline))  # one scan for both
        at = np.flatnonzero(arr[marks] == _NEWLINE)
        newlines = marks[at]
        quotes_before = at - np.arange(len(at))  # marks before a newline that are quotes
        if final and len(arr) and arr[-1] != _NEWLINE:  # the last line has no line end
            newlines = np.append(newlines, len(arr))
            quotes_before = np.append(quotes_before, len(marks) - len(newlines) + 1)
        return newlines, (quotes_before & 1).astype(np.int8)


def _start(stops: np.ndarray, line: int) -> int:
    """Byte offset where physical line ``line`` (0-based in the buffer) starts."""
    return 0 if line == 0 else int(stops[line - 1])


def _block(
    buf: bytes | memoryview,
    pieces: list[tuple[int, int, np.ndarray, np.ndarray]],
    rejected: np.ndarray,
    first_line: int,
) -> RecordBlock:
    """Join the runs of good records (zero-copy when there is a single one)."""
    if not pieces:
        empty = np.zeros(0, dtype=np.int64)
        return RecordBlock(b"", empty, empty, rejected)
    if len(pieces) == 1:
        lo, hi, ends, starts = pieces[0]
        return RecordBlock(memoryview(buf)[lo:hi], ends - lo, starts + first_line, rejected)
    parts, all_ends, all_lines, offset = [], [], [], 0
    for lo, hi, ends, starts in pieces:
        parts.append(buf[lo:hi])
        all_ends.append(ends - lo + offset)
        all_lines.append(starts + first_line)
        offset += hi - lo
    return RecordBlock(
        b"".join(parts), np.concatenate(all_ends), np.concatenate(all_lines), rejected
    )


def iter_record_blocks(
    stream: ByteStream, block_bytes: int = BLOCK_BYTES, max_lines: int = MAX_RECORD_LINES
) -> Iterator[RecordBlock]:
    """Read ``stream`` to its end as blocks of whole records (see :class:`RecordSplitter`).

    The next block is read and split in a background thread while the caller uses the current
    one (file reads, zlib, NumPy and pyarrow release the GIL). A block's ``data`` is a view of a
    buffer that the block after the next one reuses: use it before asking for the next block.

    Raises
    ------
    DataError
        If more than ``MAX_PENDING_BYTES`` pass without the end of a record.
    OSError
        The stream's own read error (e.g. truncated gzip), after the records read before it.
    """
    reader = _BlockReader(stream, block_bytes, max_lines)
    with ThreadPoolExecutor(1, thread_name_prefix="csv-records") as pool:
        step = pool.submit(reader.step)
        while True:
            block, final = step.result()
            if not final:
                step = pool.submit(reader.step)  # read ahead while the caller uses this block
            if len(block.ends) or len(block.rejected):
                yield block
            if final:
                return


class _BlockReader:
    """Reads and splits one block at a time, alternating between two buffers."""

    def __init__(self, stream: ByteStream, block_bytes: int, max_lines: int) -> None:
        self.stream, self.block_bytes = stream, block_bytes
        self.splitter = RecordSplitter(max_lines)
        self.stores = [np.empty(2 * block_bytes, dtype=np.uint8) for _ in range(2)]
        self.turn, self.line, self.tail = 0, 1, b""
        self.error: Exception | None = None

    def step(self) -> tuple[RecordBlock, bool]:
        """The next block and whether it is the last one."""
        if self.error is not None:
            raise self.error
        pending = len(self.tail)
        if len(self.stores[self.turn]) < pending + self.block_bytes:
            self.stores[self.turn] = np.empty(pending + self.block_bytes, dtype=np.uint8)
        store = self.stores[self.turn]
        self.turn ^= 1
        store[:pending] = np.frombuffer(self.tail, dtype=np.uint8)
        got, self.error = _read_into(self.stream, store.data[pending : pending + self.block_bytes])
        final = got < self.block_bytes and self.error is None
        size = pending + got
        block, consumed, lines = self.splitter.split(store.data[:size], self.line, final)
        self.line += lines
        self.tail = store[consumed:size].tobytes()
        if len(self.tail) > MAX_PENDING_BYTES:
            raise DataError(
                f"line {self.line}: no end of record in {MAX_PENDING_BYTES >> 20} MiB; "
                "is this a line-based CSV file?"
            )
        return block, final


def _read_into(stream: ByteStream, view: memoryview) -> tuple[int, Exception | None]:
    """Fill ``view`` from ``stream``: the bytes read (fewer only at the end of the stream) and
    the error that stopped the reading early (a truncated gzip stream), if any."""
    got = 0
    while got < len(view):
        try:
            n = stream.readinto(view[got : got + _READ_BYTES])
        except OSError as exc:
            return got, exc
        if not n:
            break
        got += n
    return got, None
