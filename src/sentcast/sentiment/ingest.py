"""Streaming ingestion: tweet files -> scored rows -> daily sentiment table, resumable.

Files are read in chunks of ``chunk_size`` rows. For every chunk the rows are checked
(empty text, unparseable date, unknown label), scored (de-duplicated, cached, in worker
processes) and summarised as a partial aggregate (see :mod:`sentcast.sentiment.daily`). Each
finished chunk is written to a work folder next to the output, keyed by a hash of everything
that affects the result; a killed run started again with the same arguments skips the chunks
already done. Every row read is either scored or rejected for one counted reason.

A row whose id (the ``id`` column, or ``--id-col``; with the ``kind`` column when the file has
one, as ``sentcast reddit read`` writes) was read before, in this or an earlier input, is
rejected as ``duplicate id`` before any other check (:class:`~sentcast.data.seen_ids.SeenIds`).
Ids are taken in reading order by this process, for resumed chunks too, so a resumed run drops
the same rows. A file without an id column is not de-duplicated, and the summary says so.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import shutil
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from rich.progress import TaskID

from sentcast.data.csv_reader import ReadStats, check_delimiter, check_encoding, is_gzip
from sentcast.data.report import DropReport
from sentcast.data.seen_ids import DUPLICATE_ID, FileIds, SeenIds
from sentcast.data.timestamps import TimeFormat, parse_timestamps, resolve_format
from sentcast.data.tweets import (
    ID_CANDIDATES,
    TEXT_CANDIDATES,
    TIME_CANDIDATES,
    is_parquet,
    iter_chunks,
    pick_column,
    read_header,
)
from sentcast.errors import DataError, UserInputError
from sentcast.files import FolderLock, atomic_path, atomic_write_text, check_outputs
from sentcast.progress import progress_bar, progress_enabled
from sentcast.sentiment.batch import BatchScorer
from sentcast.sentiment.daily import DailyAccumulator, partial_aggregate
from sentcast.sentiment.daily import write_daily_sentiment as _write_daily
from sentcast.sentiment.scorer import SCORE_COLUMNS, Scorer

logger = logging.getLogger(__name__)
_PARTIAL_COLUMNS = ["day", "ckey", "n", "label_sum", "label_n"]

EMPTY_TEXT = "empty text"
EMPTY_AFTER_CLEANING = "empty after cleaning"
BAD_DATE = "unparseable date"
BAD_LABEL = "unknown label"
NONFINITE_LABEL = "non-finite label"


@dataclass(frozen=True)
class ScoreJob:
    """What ``sentcast sentiment score`` does: inputs, columns, scorer and outputs.

    Attributes
    ----------
    inputs : list of Path
        CSV (plain or ``.gz``) or Parquet files.
    out : Path
        Daily table (Parquet).
    scored : Path or None
        Per-tweet scores (Parquet), if wanted.
    text_col, time_col : str or None
        Column names; ``None`` picks the first known name present in each file.
    label_col : str or None
        Optional label column; its daily mean becomes ``label_mean``.
    id_col : str or None
        Record id column, by which rows read twice are dropped; ``None`` picks the first known
        name present in each file (``id``, ``tweet_id``, ``id_str``) or none.
    label_map : dict
        Label value (case-insensitive) -> number; empty when labels are numeric.
    delimiter : str
        CSV field separator.
    encoding : str
        CSV text encoding; undecodable bytes are replaced and the rows counted.
    chunk_size : int
        Rows per chunk (memory bound and resume granularity).
    time_format : str or None
        Format of every time column (strftime, ``ISO8601``, ``epoch-s``, ``epoch-ms``);
        ``None`` infers one format per file (see :mod:`sentcast.data.timestamps`).
    dayfirst : bool or None
        While inferring, read ``03/04/2020`` as 3 April (True) or 4 March (False).

    Raises
    ------
    UserInputError
        If an output is an input or the other output (checked on construction).
    """

    inputs: Sequence[Path]
    out: Path
    scored: Path | None = None
    text_col: str | None = None
    time_col: str | None = None
    label_col: str | None = None
    label_map: Mapping[str, float] = field(default_factory=dict)
    id_col: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"
    chunk_size: int = 100_000
    time_format: str | None = None
    dayfirst: bool | None = None

    def __post_init__(self) -> None:
        check_outputs(self.inputs, {"--out": self.out, "--scored": self.scored})


@dataclass
class ScoreResult:
    """Counts and outputs of one run (resumed chunks included)."""

    reports: list[DropReport]
    daily: pd.DataFrame
    without_ids: list[str] = field(default_factory=list)
    texts_scored: int = 0
    chunks_total: int = 0
    chunks_resumed: int = 0
    wall_s: float = 0.0

    @property
    def rows_read(self) -> int:
        """Rows read in all inputs (malformed ones included)."""
        return sum(r.rows_read for r in self.reports)

    @property
    def rows_scored(self) -> int:
        """Rows that got a score and count in the daily table."""
        return sum(r.rows_kept for r in self.reports)

    @property
    def rejected(self) -> Counter[str]:
        """Rejected rows per reason, over all inputs."""
        total: Counter[str] = Counter()
        for r in self.reports:
            total.update(r.dropped)
        return total

    def summary(self) -> str:
        """Multi-line summary for stdout; states that read = scored + rejected."""
        rejected = self.rejected
        n_rej = sum(rejected.values())
        balanced = self.rows_read == self.rows_scored + n_rej
        days = len(self.daily)
        lines = [r.summary() for r in self.reports]
        lines.append(
            f"rows read {self.rows_read:,} = scored {self.rows_scored:,} + rejected {n_rej:,}"
            + ("" if balanced else "  (MISMATCH)")
        )
        for reason, count in sorted(rejected.items()):
            lines.append(f"  rejected, {reason}: {count:,}")
        if self.without_ids:
            lines.append(
                "not de-duplicated (no id column; rows read twice count twice): "
                + ", ".join(self.without_ids)
            )
        if days:
            first, last = self.daily.index[0].date(), self.daily.index[-1].date()
            empty = int((self.daily["n_tweets"] == 0).sum())
            lines.append(f"days {days:,} ({first} .. {last}; {empty:,} without tweets)")
        else:
            lines.append("days 0")
        lines.append(
            f"texts scored (distinct per chunk, after cache) {self.texts_scored:,}; "
            f"chunks {self.chunks_total} ({self.chunks_resumed} resumed); "
            f"wall time {self.wall_s:.1f} s"
        )
        return "\n".join(lines)


@dataclass
class ChunkColumns:
    """The columns of one input file and the format of its time column; ``ids``: the columns
    of a record's id (none when the file has no id column)."""

    text: str
    time: str
    label: str | None
    time_format: TimeFormat
    ids: tuple[str, ...] = ()


@dataclass
class ChunkResult:
    """What scoring one chunk gives: its counts, partial aggregate and (optional) scored rows.

    Attributes
    ----------
    counts : dict
        ``rows`` (rows of the chunk), ``rejected`` (reason -> rows) and ``texts_scored``.
    partial : pandas.DataFrame
        Output of :func:`sentcast.sentiment.daily.partial_aggregate`.
    scored : pyarrow.Table or None
        The per-tweet scores, when the job writes ``--scored``.
    """

    counts: dict[str, Any]
    partial: pd.DataFrame
    scored: pa.Table | None = None


@dataclass(frozen=True)
class Chunk:
    """One chunk of one input file, to be scored: ``file`` is its index in ``job.inputs``;
    ``duplicates``: rows read before, already taken out of ``table``."""

    file: int
    stem: Path
    table: pa.Table
    columns: ChunkColumns
    duplicates: int = 0


class ChunkRunner(Protocol):
    """Scores chunks, here or elsewhere; results may come back later than their chunk.

    :func:`run_score_job` hands every chunk that is not already done to :meth:`submit` and
    saves each result returned (by :meth:`submit` or, at the end, :meth:`finish`).
    """

    scorer: Scorer

    def submit(self, chunk: Chunk, job: ScoreJob) -> list[tuple[Chunk, ChunkResult]]:
        """Start scoring ``chunk``; return the chunks finished meanwhile with their results."""

    def finish(self) -> list[tuple[Chunk, ChunkResult]]:
        """Wait for every chunk submitted; return the ones not returned yet."""


class LocalChunks:
    """:class:`ChunkRunner` scoring each chunk at once with a :class:`BatchScorer`."""

    def __init__(self, batch: BatchScorer) -> None:
        self.batch = batch
        self.scorer = batch.scorer

    def submit(self, chunk: Chunk, job: ScoreJob) -> list[tuple[Chunk, ChunkResult]]:
        """Score ``chunk`` in this process (and the batch's workers)."""
        return [(chunk, score_table(chunk.table, chunk.columns, job, self.batch))]

    def finish(self) -> list[tuple[Chunk, ChunkResult]]:
        """Nothing is pending: chunks are scored when submitted."""
        return []


@dataclass
class CheckedChunk:
    """One chunk's rows after the checks that need no scorer.

    Attributes
    ----------
    text : pyarrow.Array
        The text column (strings, nulls kept).
    times : numpy.ndarray
        ``datetime64`` instants (NaT where unparseable).
    labels : numpy.ndarray or None
        Numeric labels (NaN where missing or unknown), when the job has a label column.
    keep : numpy.ndarray
        Rows that passed every check.
    rejected : dict
        Rejected rows per reason (zero counts included).
    """

    text: pa.Array
    times: np.ndarray
    labels: np.ndarray | None
    keep: np.ndarray
    rejected: dict[str, int]


def check_chunk(table: pa.Table, cols: ChunkColumns, job: ScoreJob) -> CheckedChunk:
    """Reject the rows of ``table`` with an empty text, an unparseable date or a bad label."""
    n = table.num_rows
    text = table.column(cols.text).cast(pa.string()).combine_chunks()
    empty = _is_empty(text)
    times = parse_timestamps(table.column(cols.time), cols.time_format)
    bad_time = np.isnat(times) & ~empty
    labels = _labels(table.column(cols.label), job.label_map) if cols.label else None
    no_label = np.zeros(n, dtype=bool)
    bad_label = np.isnan(labels) & ~empty & ~bad_time if labels is not None else no_label
    inf_label = np.isinf(labels) & ~empty & ~bad_time if labels is not None else no_label
    rejected = {
        EMPTY_TEXT: int(empty.sum()),
        BAD_DATE: int(bad_time.sum()),
        BAD_LABEL: int(bad_label.sum()),
        NONFINITE_LABEL: int(inf_label.sum()),
    }
    keep = ~(empty | bad_time | bad_label | inf_label)
    return CheckedChunk(text, times, labels, keep, rejected)


def run_score_job(job: ScoreJob, runner: BatchScorer | ChunkRunner) -> ScoreResult:
    """Run ``job`` with ``runner`` (a batch scorer here, or a :class:`ChunkRunner`); write
    the outputs; return the counts.

    ``job.out`` is locked for the run: a second run on the same output is refused at once.

    Raises
    ------
    UserInputError
        Missing input file, unknown column, ambiguous dates, or ``job.out`` in use.
    DataError
        A file cannot be parsed, or no row could be scored.
    """
    chunks = LocalChunks(runner) if isinstance(runner, BatchScorer) else runner
    with FolderLock(job.out, is_folder=False):
        return _run(job, chunks)


#: Bytes read at a time when counting the lines of a CSV file for the progress total.
_COUNT_BLOCK = 1 << 24


def estimated_chunks(paths: Sequence[Path], chunk_size: int) -> int | None:
    """The number of chunks a job will read, for the progress bar's total and ETA.

    Parquet: row counts from the file metadata; CSV: lines minus the header (a fast byte scan;
    a text with line breaks makes it an over-estimate). ``None`` when a file is
    gzip-compressed, which has no cheap count.
    """
    chunks = 0
    for path in paths:
        if is_parquet(path):
            rows = pq.ParquetFile(path).metadata.num_rows
        elif is_gzip(path):
            return None
        else:
            with path.open("rb") as fh:
                lines = sum(
                    block.count(b"\n") for block in iter(lambda: fh.read(_COUNT_BLOCK), b"")
                )
            rows = max(lines - 1, 0)
        chunks += max(math.ceil(rows / chunk_size), 1)
    return chunks


def _run(job: ScoreJob, runner: ChunkRunner) -> ScoreResult:
    start = time.perf_counter()
    if job.chunk_size < 1:
        raise UserInputError(f"--chunk-size must be >= 1, got {job.chunk_size}")
    check_delimiter(job.delimiter)
    check_encoding(job.encoding)
    columns = [resolve_columns(path, job) for path in job.inputs]
    work = _work_dir(job, columns, runner.scorer)
    work.mkdir(parents=True, exist_ok=True)
    result = ScoreResult(
        reports=[
            DropReport(str(path), notes=[f"time format: {cols.time_format}"])
            for path, cols in zip(job.inputs, columns, strict=True)
        ],
        daily=pd.DataFrame(),
        without_ids=[str(p) for p, c in zip(job.inputs, columns, strict=True) if not c.ids],
    )
    totals = DailyAccumulator()
    seen = SeenIds()
    redone: list[str] = []
    total = estimated_chunks(job.inputs, job.chunk_size) if progress_enabled() else None
    with progress_bar("scoring chunks", total=total) as bar:

        def add(file: int, counts: dict[str, Any], partial: pd.DataFrame) -> None:
            totals.add(partial)
            report = result.reports[file]
            report.rows_read += counts["rows"]
            for reason, n in counts["rejected"].items():
                report.drop(reason, n)
            result.texts_scored += counts["texts_scored"]
            result.chunks_total += 1
            bar.advance(TaskID(0))
            bar.update(TaskID(0), info=f"{job.inputs[file].name}: {report.rows_read:,} rows")

        def save(done: list[tuple[Chunk, ChunkResult]]) -> None:
            for chunk, scored in done:
                if chunk.duplicates:
                    scored.counts["rows"] += chunk.duplicates
                    scored.counts["rejected"][DUPLICATE_ID] = chunk.duplicates
                _save_chunk(chunk.stem, scored)
                add(chunk.file, scored.counts, scored.partial)

        for f, (path, cols) in enumerate(zip(job.inputs, columns, strict=True)):
            stats = ReadStats()
            scored = [c for c in (cols.text, cols.time, cols.label) if c is not None]
            wanted = list(dict.fromkeys([*scored, *cols.ids]))
            chunks = iter_chunks(path, wanted, job.chunk_size, job.delimiter, stats, job.encoding)
            ids = FileIds(cols.ids, seen)
            for k, table in enumerate(chunks):
                # for resumed chunks too: their ids are remembered, the same rows dropped
                new, duplicates = ids.drop_seen(table)
                stem = work / f"chunk-{f:03d}-{k:06d}"
                finished = _finished_chunk(stem, job.scored is not None)
                if finished is not None:
                    result.chunks_resumed += 1
                    add(f, *finished)
                    continue
                if stem.with_suffix(".json").exists():
                    redone.append(stem.name)
                save(runner.submit(Chunk(f, stem, new.select(scored), cols, duplicates), job))
            stats.add_skips_to(result.reports[f], job.encoding)
            note = ids.note()
            if note:
                result.reports[f].notes.append(note)
        save(runner.finish())
    if redone:
        logger.warning(
            "redone %d chunk(s) whose saved files were unreadable: %s",
            len(redone),
            ", ".join(redone),
        )
    if result.chunks_resumed:
        logger.info(
            "resumed: %d of %d chunks were already done", result.chunks_resumed, result.chunks_total
        )
    if result.rows_scored == 0:
        raise DataError("no row could be scored: " + "; ".join(r.summary() for r in result.reports))
    result.daily = totals.table(with_labels=any(c.label for c in columns))
    _write_outputs(job, work, result.daily)
    shutil.rmtree(work, ignore_errors=True)
    result.wall_s = time.perf_counter() - start
    return result


def resolve_columns(path: Path, job: ScoreJob) -> ChunkColumns:
    """The text, time and label columns of ``path`` and its time format (one per file)."""
    header = read_header(path, job.delimiter, job.encoding)
    text = pick_column(header, job.text_col, TEXT_CANDIDATES, "text")
    time_col = pick_column(header, job.time_col, TIME_CANDIDATES, "time")
    label = pick_column(header, job.label_col, (), "label") if job.label_col else None
    ident = job.id_col or next((name for name in ID_CANDIDATES if name in header), None)
    ids: tuple[str, ...] = () if ident is None else (pick_column(header, ident, (), "id"),)
    ids = ("kind", *ids) if ids and "kind" in header else ids  # `reddit read` output
    roles = {"text": text, "time": time_col, "label": label, "id": ident}
    pairs = (("text", "time"), ("text", "label"), ("time", "label"), ("text", "id"), ("time", "id"))
    for role, other in pairs:
        if roles[role] == roles[other]:
            raise UserInputError(
                f"{path}: column {roles[role]!r} is given as both the {role} and the {other} "
                f"column; choose another with --{other}-col"
            )
    times = (
        t.column(time_col)
        for t in iter_chunks(path, [time_col], job.chunk_size, job.delimiter, encoding=job.encoding)
    )
    what = f"time column {time_col!r} of {path}"
    fmt = resolve_format(times, job.time_format, job.dayfirst, what)
    return ChunkColumns(text, time_col, label, fmt, ids)


def _work_dir(job: ScoreJob, columns: list[ChunkColumns], scorer: Scorer) -> Path:
    """Folder for finished chunks, keyed by everything that changes the result."""
    files = []
    for path in job.inputs:
        stat = path.stat()
        files.append([str(path.resolve()), stat.st_size, stat.st_mtime_ns])
    pipeline: Any = getattr(scorer, "pipeline", None)
    key: dict[str, Any] = {
        "files": files,
        "columns": [[c.text, c.time, c.label, c.time_format.spec, *c.ids] for c in columns],
        "label_map": sorted(job.label_map.items()),
        "delimiter": job.delimiter,
        "encoding": job.encoding,
        "chunk_size": job.chunk_size,
        "scored": job.scored is not None,
        "scorer": scorer.name,
        "pipeline": pipeline.model_dump() if hasattr(pipeline, "model_dump") else None,
    }
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return job.out.parent / f".{job.out.name}.work-{digest}"


def score_table(
    table: pa.Table, cols: ChunkColumns, job: ScoreJob, batch: BatchScorer
) -> ChunkResult:
    """Check, score and summarise one chunk (no file is written).

    Parameters
    ----------
    table : pyarrow.Table
        The chunk's text, time and (optional) label columns.
    cols : ChunkColumns
        Their names and the time format of the file.
    job : ScoreJob
        The job (label mapping, whether per-tweet scores are kept).
    batch : BatchScorer
        Scores the texts.
    """
    checked = check_chunk(table, cols, job)
    text, times, labels, keep = checked.text, checked.times, checked.labels, checked.keep
    before = batch.texts_scored
    scores = np.full((table.num_rows, len(SCORE_COLUMNS)), np.nan)
    scores[keep] = batch.score(text.filter(pa.array(keep)))
    no_content = keep & np.isnan(scores[:, -1])
    keep &= ~no_content
    rejected = {**checked.rejected, EMPTY_AFTER_CLEANING: int(no_content.sum())}
    partial = partial_aggregate(
        times[keep], scores[keep, -1], None if labels is None else labels[keep]
    )
    scored = None
    if job.scored is not None:
        columns = {
            "time": pa.array(times[keep]).cast(pa.timestamp("ns", tz="UTC")),
            "text": text.filter(pa.array(keep)),
            **{c: scores[keep, i] for i, c in enumerate(SCORE_COLUMNS)},
        }
        if labels is not None:
            columns["label"] = labels[keep]
        scored = pa.table(columns)
    counts = {
        "rows": table.num_rows,
        "rejected": {k: v for k, v in rejected.items() if v},
        "texts_scored": batch.texts_scored - before,
    }
    return ChunkResult(counts, partial, scored)


def _save_chunk(stem: Path, result: ChunkResult) -> None:
    """Write a chunk's parts, each atomically; the counts (``.json``) last mark it finished."""
    _atomic_parquet(
        pa.Table.from_pandas(result.partial, preserve_index=False),
        stem.with_suffix(".agg.parquet"),
    )
    if result.scored is not None:
        _atomic_parquet(result.scored, stem.with_suffix(".scored.parquet"))
    atomic_write_text(stem.with_suffix(".json"), json.dumps(result.counts))


def _finished_chunk(stem: Path, scored: bool) -> tuple[dict[str, Any], pd.DataFrame] | None:
    """The counts and partial aggregate of a chunk an earlier run finished, if all are readable.

    ``None`` when the chunk was never finished or one of its files is torn or not what this job
    writes (then the chunk is scored again).
    """
    if not stem.with_suffix(".json").exists():
        return None
    try:
        raw = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
        counts = {
            "rows": int(raw["rows"]),
            "rejected": {str(k): int(v) for k, v in raw["rejected"].items()},
            "texts_scored": int(raw["texts_scored"]),
        }
        partial = pd.read_parquet(stem.with_suffix(".agg.parquet"), columns=_PARTIAL_COLUMNS)
        if scored:
            pq.read_metadata(stem.with_suffix(".scored.parquet"))
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        RecursionError,
        pa.ArrowException,
    ):
        return None
    return counts, partial


def _is_empty(text: pa.Array) -> np.ndarray:
    trimmed = pc.utf8_trim_whitespace(text)
    empty = pc.or_kleene(pc.is_null(text), pc.equal(trimmed, ""))
    return np.asarray(empty.fill_null(True).to_numpy(zero_copy_only=False), dtype=bool)


def _labels(column: pa.ChunkedArray, mapping: Mapping[str, float]) -> np.ndarray:
    """Numeric labels (NaN when missing, unmapped or not a number)."""
    if mapping:
        values = pd.Series(column.cast(pa.string()).to_pandas(), dtype=object)
        lowered = values.str.strip().str.lower()
        return lowered.map(dict(mapping)).to_numpy(dtype=np.float64, na_value=np.nan)
    numbers = pd.to_numeric(pd.Series(column.to_pandas()), errors="coerce")
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan)


def _atomic_parquet(table: pa.Table, path: Path) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def _write_outputs(job: ScoreJob, work: Path, daily: pd.DataFrame) -> None:
    job.out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(job.out) as tmp:
        _write_daily(daily, tmp)
    if job.scored is None:
        return
    parts = sorted(work.glob("chunk-*.scored.parquet"))
    if not parts:
        return
    with atomic_path(job.scored) as tmp:
        writer: pq.ParquetWriter | None = None
        try:
            for part in parts:
                table = pq.read_table(part)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
