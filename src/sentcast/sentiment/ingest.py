"""Streaming ingestion: tweet files -> scored rows -> daily sentiment table, resumable.

Files are read in chunks of ``chunk_size`` rows. For every chunk the rows are checked
(empty text, unparseable date, unknown label), scored (de-duplicated, cached, in worker
processes) and summarised as a partial aggregate (:mod:`sentcast.sentiment.chunk_scoring`; see
:mod:`sentcast.sentiment.daily`). Each finished chunk is written to a work folder next to the
output, keyed by a hash of everything that affects the result; a killed run started again with
the same arguments skips the chunks already done (:mod:`sentcast.sentiment.chunk_files`). Every
row read is either scored or rejected for one counted reason. The job and its counts are
:class:`~sentcast.sentiment.score_job.ScoreJob` and
:class:`~sentcast.sentiment.score_job.ScoreResult`.

A row whose id (the ``id`` column, or ``--id-col``; with the ``kind`` column when the file has
one, as ``sentcast reddit read`` writes) was read before, in this or an earlier input, is
rejected as ``duplicate id`` before any other check (:class:`~sentcast.data.seen_ids.SeenIds`).
Ids are taken in reading order by this process, for resumed chunks too, so a resumed run drops
the same rows. A file without an id column is not de-duplicated, and the summary says so.
"""

from __future__ import annotations

import logging
import math
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow.parquet as pq
from rich.progress import TaskID

from sentcast.data.csv_reader import ReadStats, check_delimiter, check_encoding, is_gzip
from sentcast.data.report import DropReport
from sentcast.data.seen_ids import DUPLICATE_ID, FileIds, SeenIds
from sentcast.data.tweets import is_parquet, iter_chunks
from sentcast.errors import DataError, UserInputError
from sentcast.files import FolderLock
from sentcast.progress import progress_bar, progress_enabled
from sentcast.sentiment import chunk_files
from sentcast.sentiment.batch import BatchScorer
from sentcast.sentiment.chunk_scoring import Chunk, ChunkResult, score_table
from sentcast.sentiment.daily import DailyAccumulator
from sentcast.sentiment.score_job import (
    ScoreJob,
    ScoreResult,
    inputs_without_ids,
    resolve_columns,
)
from sentcast.sentiment.scorer import Scorer

logger = logging.getLogger(__name__)


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
    work = chunk_files.work_dir(job, columns, runner.scorer)
    work.mkdir(parents=True, exist_ok=True)
    result = ScoreResult(
        reports=[
            DropReport(str(path), notes=[f"time format: {cols.time_format}"])
            for path, cols in zip(job.inputs, columns, strict=True)
        ],
        daily=pd.DataFrame(),
        without_ids=inputs_without_ids(job, columns),
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
                chunk_files.save_chunk(chunk.stem, scored)
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
                finished = chunk_files.finished_chunk(stem, job.scored is not None)
                if finished is not None:
                    result.chunks_resumed += 1
                    add(f, *finished)
                    continue
                if stem.with_suffix(".json").exists():
                    redone.append(stem.name)
                save(runner.submit(Chunk(f, stem, new.select(scored), cols, duplicates), job))
            stats.add_skips_to(result.reports[f], job.encoding)
            ids.add_note_to(result.reports[f])
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
    chunk_files.write_outputs(job, work, result.daily)
    shutil.rmtree(work, ignore_errors=True)
    result.wall_s = time.perf_counter() - start
    return result
