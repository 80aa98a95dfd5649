"""Stream Reddit comments and submissions out of the monthly Pushshift / Arctic Shift dumps.

The dumps are zstd-compressed NDJSON (one JSON object per line), compressed with a long
window, so the decompressor is opened with ``max_window_size=2**31``. Memory is bounded: the
file is read in 64 KiB blocks, frame by frame (``zstandard`` ``decompressobj``; unlike
``stream_reader`` it lets a truncated last frame be told apart from a clean end), and the kept
records are written in batches.

Every record ends up kept or counted under one reason, checked in this order:

* ``wrong subreddit``: a line that does not mention any wanted subreddit is counted here
  without being parsed (this makes a full monthly dump fast to filter); a parsed record whose
  ``subreddit`` is not wanted, too;
* ``bad JSON``: not valid UTF-8 JSON, not an object, or a line over 16 MiB;
* ``bad or missing created_utc`` and ``out of range`` (outside ``[start, end)``);
* ``not a comment or submission`` (neither ``body`` nor ``title``);
* ``deleted or removed`` (a body or self-text ``[deleted]`` / ``[removed]``) and ``empty text``;
* ``duplicate id``: a record (kind and id) already kept from this or an earlier input, e.g.
  the same comment in a per-subreddit file and in the monthly dump
  (:class:`~sentcast.data.seen_ids.SeenIds`, batch by batch).

A ``score`` beyond int64 is read as missing (counted in a note); texts and names with lone
surrogates (which JSON allows) get U+FFFD in their place.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard
from rich.progress import TaskID

from sentcast.data.report import DropReport
from sentcast.data.seen_ids import DUPLICATE_ID, SeenIds
from sentcast.data.text_files import without_surrogates
from sentcast.errors import DataError, UserInputError
from sentcast.files import atomic_path
from sentcast.progress import progress_bar

MAX_WINDOW_SIZE = 2**31
"""Window the dumps need (they are compressed with ``--long=31``)."""
READ_SIZE = 1 << 16
MAX_LINE = 16 << 20
BATCH_ROWS = 50_000
GONE = frozenset({"[deleted]", "[removed]"})
INT64 = range(-(2**63), 2**63)

SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("kind", pa.string()),
        ("subreddit", pa.string()),
        ("created_utc", pa.timestamp("ms", tz="UTC")),
        ("author", pa.string()),
        ("score", pa.int64()),
        ("text", pa.string()),
    ]
)
"""Columns of the output: ``kind`` is ``comment`` or ``submission``; a submission's ``text`` is
its title, a blank line and its self-text (the title alone for a link post)."""


def read_dumps(
    paths: Sequence[Path],
    subreddits: Iterable[str],
    out: Path,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> DropReport:
    """Filter dump files into one Parquet file (:data:`SCHEMA`), written atomically.

    Parameters
    ----------
    paths : sequence of Path
        ``.zst`` dump files (comments ``RC_*``, submissions ``RS_*``, or per-subreddit files).
    subreddits : iterable of str
        Subreddit names to keep (compared case-insensitively, without ``r/``).
    out : Path
        Output Parquet file.
    start, end : datetime, optional
        Keep records created in ``[start, end)`` (UTC).

    Returns
    -------
    DropReport
        Records read, dropped per reason.

    Raises
    ------
    UserInputError
        For a missing input or no subreddit.
    DataError
        For a file that is not zstd, is corrupt or truncated, or when nothing is kept.
    """
    names = (name.strip().lower().removeprefix("r/").strip() for name in subreddits)
    wanted = {name for name in names if name}
    if not wanted:
        raise UserInputError("--subreddits: give at least one subreddit name")
    for path in paths:
        if not path.is_file():
            raise UserInputError(f"input file not found: {path}")
    report = DropReport(", ".join(str(p) for p in paths))
    keep = _RecordFilter(wanted, start, end, report)
    with atomic_path(out) as tmp, pq.ParquetWriter(tmp, SCHEMA) as writer:
        for path in paths:
            rows: list[dict[str, Any]] = []
            for line in _lines(path):
                row = keep(line)
                if row is not None:
                    rows.append(row)
                if len(rows) >= BATCH_ROWS:
                    writer.write_table(pa.Table.from_pylist(keep.new(rows), schema=SCHEMA))
                    rows = []
            writer.write_table(pa.Table.from_pylist(keep.new(rows), schema=SCHEMA))
        if keep.big_scores:
            report.notes.append(f"{keep.big_scores} scores beyond int64 read as missing")
        if not report.rows_kept:
            raise DataError(f"no record kept: {report.summary()}")
    return report


class _RecordFilter:
    """Turns one NDJSON line into an output row, or counts why it is dropped; then drops the
    rows of a batch read before (:meth:`new`)."""

    def __init__(
        self,
        wanted: set[str],
        start: dt.datetime | None,
        end: dt.datetime | None,
        report: DropReport,
    ) -> None:
        self.wanted = wanted
        self.needles = [name.encode() for name in wanted]
        self.start = start.timestamp() if start else -math.inf
        self.end = end.timestamp() if end else math.inf
        self.report = report
        self.seen = SeenIds()
        self.big_scores = 0

    def __call__(self, line: bytes | None) -> dict[str, Any] | None:
        self.report.rows_read += 1
        reason = "bad JSON" if line is None else self._reason(line)
        if isinstance(reason, str):
            self.report.drop(reason)
            return None
        return reason

    def _reason(self, line: bytes) -> str | dict[str, Any]:
        lowered = line.lower()
        if not any(needle in lowered for needle in self.needles):
            return "wrong subreddit"
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):  # bad JSON or UTF-8, a 5000-digit number, [[[[...
            return "bad JSON"
        if not isinstance(record, dict):
            return "bad JSON"
        if str(record.get("subreddit", "")).lower() not in self.wanted:
            return "wrong subreddit"
        created = _epoch(record.get("created_utc"))
        if created is None:
            return "bad or missing created_utc"
        if not self.start <= created < self.end:
            return "out of range"
        return _row(record, created)

    def new(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The ``rows`` whose kind and id were not kept before, the others counted as
        duplicates; a score beyond int64 read as missing."""
        keys = [None if row["id"] is None else f"{row['kind']}:{row['id']}" for row in rows]
        fresh = self.seen.first(keys)
        self.report.drop(DUPLICATE_ID, int((~fresh).sum()))
        kept = [row for row, new in zip(rows, fresh, strict=True) if new]
        for row in kept:
            if row["score"] is not None and row["score"] not in INT64:
                row["score"] = None
                self.big_scores += 1
        return kept


def _row(record: dict[str, Any], created: float) -> str | dict[str, Any]:
    if isinstance(record.get("body"), str):
        kind, text = "comment", record["body"]
        if text.strip() in GONE:
            return "deleted or removed"
    elif isinstance(record.get("title"), str):
        kind, selftext = "submission", record.get("selftext") or ""
        if not isinstance(selftext, str) or selftext.strip() in GONE:
            return "deleted or removed"
        text = f"{record['title']}\n\n{selftext}" if selftext.strip() else record["title"]
    else:
        return "not a comment or submission"
    if not text.strip():
        return "empty text"
    score = record.get("score")
    ident = record.get("id")
    ident = str(ident) if isinstance(ident, int) and not isinstance(ident, bool) else ident
    author = record.get("author")
    return {
        "id": (without_surrogates(str(ident))[:200] or None) if isinstance(ident, str) else None,
        "kind": kind,
        "subreddit": without_surrogates(str(record["subreddit"])),
        "created_utc": dt.datetime.fromtimestamp(int(created), dt.UTC),
        "author": without_surrogates(author) if isinstance(author, str) else None,
        "score": score if isinstance(score, int) and not isinstance(score, bool) else None,
        "text": without_surrogates(text),
    }


def _epoch(value: Any) -> float | None:
    """Seconds since 1970 from an int, float or numeric string; ``None`` if not one."""
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return seconds if math.isfinite(seconds) and 0 <= seconds < 2**33 else None


def _lines(path: Path) -> Iterator[bytes | None]:
    """The lines of a zstd NDJSON file, without their newline; ``None`` for an over-long one."""
    pending = b""
    skipping = False
    with path.open("rb") as fh, progress_bar(f"reading {path.name}", path.stat().st_size) as bar:
        for block in _decompressed(fh, path):
            bar.update(TaskID(0), completed=fh.tell())
            lines = (pending + block).split(b"\n")
            pending = lines.pop()
            for line in lines:
                if skipping:  # the rest of an over-long line
                    skipping = False
                elif len(line) > MAX_LINE:
                    yield None
                elif line.strip():
                    yield line
            if len(pending) > MAX_LINE:
                if not skipping:
                    yield None
                pending, skipping = b"", True
    if pending.strip() and not skipping:
        yield pending


def _decompressed(fh: BinaryIO, path: Path) -> Iterator[bytes]:
    """Decompressed blocks of every zstd frame in ``fh``; a truncated last frame is an error."""
    dctx = zstandard.ZstdDecompressor(max_window_size=MAX_WINDOW_SIZE)
    frame = dctx.decompressobj()
    in_frame = False
    try:
        while block := fh.read(READ_SIZE):
            while block:
                out = frame.decompress(block)
                in_frame = True
                if out:
                    yield out
                if frame.eof:
                    block, frame, in_frame = frame.unused_data, dctx.decompressobj(), False
                else:
                    block = b""
    except zstandard.ZstdError as exc:
        raise DataError(f"{path}: not a readable zstd file ({exc})") from None
    if in_frame:
        raise DataError(f"{path}: the zstd stream is truncated (an incomplete download?)")
