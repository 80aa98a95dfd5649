"""Daily mean sentence embeddings of tweets: ``sentcast sentiment embed``.

Tweet files are read in chunks with the checks and counts of ``sentcast sentiment score``
(:func:`~sentcast.sentiment.chunk_scoring.check_chunk`): every row read is either embedded or
rejected for one counted reason (empty text, unparseable date, empty after the cleaning preset,
and the reader's malformed rows). Each distinct cleaned text of a chunk is encoded once; the
vectors are summed per UTC day. Per-day sums and counts add up in any grouping
(:class:`EmbeddingAccumulator` merges), so files or chunks may be processed separately and
combined. The table has one row per day from the first to the last day with tweets:
``n_tweets`` and the mean vector ``emb_000`` ... (NaN on days without tweets; a fill policy
belongs to the join with market data).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
from rich.progress import TaskID

from sentcast.data.csv_reader import ReadStats, check_delimiter, check_encoding
from sentcast.data.report import DropReport
from sentcast.data.seen_ids import DUPLICATE_ID, FileIds, SeenIds
from sentcast.data.tweets import iter_chunks
from sentcast.errors import DataError, UserInputError
from sentcast.files import FolderLock, atomic_path
from sentcast.progress import progress_bar, progress_enabled
from sentcast.sentiment.chunk_scoring import EMPTY_AFTER_CLEANING, CheckedChunk, check_chunk
from sentcast.sentiment.ingest import estimated_chunks
from sentcast.sentiment.score_job import (
    ScoreJob,
    ScoreResult,
    inputs_without_ids,
    resolve_columns,
)
from sentcast.text.preprocess import TextPipeline

#: Rejection reason of the rows past ``max_per_day`` on their day.
OVER_DAY_CAP = "over the per-day cap"
#: Prefix of the embedding columns: ``emb_000``, ``emb_001``, ...
EMBEDDING_PREFIX = "emb_"
COUNT_COLUMN = "n_tweets"
_EPOCH_DAY = np.datetime64("1970-01-01", "D")

Encoder = Callable[[list[str]], np.ndarray]
"""Texts -> float array ``(len(texts), dim)`` (e.g. ``sentcast.text.sentence.encode_sentences``)."""


def embedding_columns(dim: int) -> list[str]:
    """``["emb_000", ..., f"emb_{dim - 1:03d}"]``."""
    return [f"{EMBEDDING_PREFIX}{i:03d}" for i in range(dim)]


class EmbeddingAccumulator:
    """Per-day sums and counts of embedding vectors; adding and merging are associative.

    Memory is one float64 vector per day with tweets, whatever the number of rows.
    """

    def __init__(self) -> None:
        self._sum: dict[int, np.ndarray] = {}
        self._n: dict[int, int] = {}

    @property
    def dim(self) -> int | None:
        """Vector length (``None`` before the first vector)."""
        first = next(iter(self._sum.values()), None)
        return None if first is None else len(first)

    def add(self, times: np.ndarray, vectors: np.ndarray) -> None:
        """Add the vectors of rows at ``datetime64`` UTC instants ``times`` (no NaT)."""
        vectors = np.asarray(vectors, dtype=np.float64)
        if vectors.ndim != 2 or len(vectors) != len(times):
            raise ValueError(f"vectors must be ({len(times)}, dim), got {vectors.shape}")
        if self.dim is not None and vectors.shape[1] != self.dim:
            raise DataError(f"embedding length {vectors.shape[1]} differs from {self.dim}")
        if not np.isfinite(vectors).all():
            raise DataError("the encoder returned non-finite values")
        days = times.astype("datetime64[D]").astype(np.int64)
        unique, inverse = np.unique(days, return_inverse=True)
        sums = np.zeros((len(unique), vectors.shape[1]))
        np.add.at(sums, inverse, vectors)
        counts = np.bincount(inverse, minlength=len(unique))
        for day, total, n in zip(unique.tolist(), sums, counts.tolist(), strict=True):
            self._add_day(day, total, n)

    def counts(self, days: np.ndarray) -> np.ndarray:
        """Rows added so far on each of ``days`` (int days since 1970-01-01)."""
        return np.array([self._n.get(int(d), 0) for d in days], dtype=np.int64)

    def merge(self, other: EmbeddingAccumulator) -> None:
        """Add everything ``other`` holds."""
        for day, total in other._sum.items():
            self._add_day(day, total, other._n[day])

    def _add_day(self, day: int, total: np.ndarray, n: int) -> None:
        if day in self._sum:
            self._sum[day] = self._sum[day] + total
            self._n[day] += n
        else:
            self._sum[day], self._n[day] = np.array(total, dtype=np.float64), n

    def table(self) -> pd.DataFrame:
        """The daily table: index ``date`` (every day, first to last), ``n_tweets`` (int64) and
        the mean vector ``emb_000`` ... (float64, NaN on days without tweets)."""
        days = sorted(self._sum)
        dim = self.dim or 0
        full = np.arange(days[0], days[-1] + 1) if days else np.array([], dtype=np.int64)
        means = np.full((len(full), dim), np.nan)
        counts = np.zeros(len(full), dtype=np.int64)
        if days:
            at = np.asarray(days) - days[0]
            counts[at] = [self._n[d] for d in days]
            means[at] = np.stack([self._sum[d] for d in days]) / counts[at, None]
        dates = (_EPOCH_DAY + full.astype("timedelta64[D]")).astype("datetime64[ns]")
        table = pd.DataFrame(means, columns=embedding_columns(dim))
        table.insert(0, COUNT_COLUMN, counts)
        table.index = pd.DatetimeIndex(dates, name="date")
        return table


def run_embed_job(
    job: ScoreJob,
    encode: Encoder,
    pipeline: TextPipeline,
    batch_texts: int = 10_000,
    max_per_day: int | None = None,
) -> ScoreResult:
    """Embed the tweets of ``job.inputs`` and write the daily mean table to ``job.out``.

    Parameters
    ----------
    job : ScoreJob
        Inputs, columns and output (``scored`` and labels are not used).
    encode : callable
        Texts -> ``(n, dim)`` vectors.
    pipeline : TextPipeline
        Cleaning before encoding; rows left empty are rejected ("empty after cleaning").
    batch_texts : int
        Most distinct texts passed to ``encode`` at once.
    max_per_day : int, optional
        Embed at most this many rows per UTC day, the first ones in reading order; later rows
        of a full day are rejected ("over the per-day cap"). Bounds the encoding cost of a
        day-level feature on busy days.

    Returns
    -------
    ScoreResult
        Counts per input (rows read = embedded + rejected) and the daily table.

    Raises
    ------
    UserInputError
        Bad options or columns, or ``job.out`` in use by another run.
    DataError
        No row could be embedded, or the encoder returned unusable vectors.
    """
    if job.scored is not None or job.label_col is not None:
        raise UserInputError("embedding writes a daily table only: no --scored, no labels")
    if job.chunk_size < 1:
        raise UserInputError(f"--chunk-size must be >= 1, got {job.chunk_size}")
    if max_per_day is not None and max_per_day < 1:
        raise UserInputError(f"--max-per-day must be >= 1, got {max_per_day}")
    check_delimiter(job.delimiter)
    check_encoding(job.encoding)
    with FolderLock(job.out, is_folder=False):
        return _run(job, encode, pipeline, batch_texts, max_per_day)


def _run(
    job: ScoreJob,
    encode: Encoder,
    pipeline: TextPipeline,
    batch_texts: int,
    max_per_day: int | None,
) -> ScoreResult:
    start = time.perf_counter()
    columns = [resolve_columns(path, job) for path in job.inputs]
    result = ScoreResult(
        reports=[],
        daily=pd.DataFrame(),
        without_ids=inputs_without_ids(job, columns),
    )
    totals = EmbeddingAccumulator()
    seen = SeenIds()  # a tweet read twice (across files too) is embedded once
    total = estimated_chunks(job.inputs, job.chunk_size) if progress_enabled() else None
    with progress_bar("embedding chunks", total=total) as bar:
        for path, cols in zip(job.inputs, columns, strict=True):
            report = DropReport(str(path), notes=[f"time format: {cols.time_format}"])
            stats = ReadStats()
            wanted = list(dict.fromkeys([cols.text, cols.time, *cols.ids]))
            chunks = iter_chunks(path, wanted, job.chunk_size, job.delimiter, stats, job.encoding)
            ids = FileIds(cols.ids, seen)
            for read in chunks:
                table, duplicates = ids.drop_seen(read)
                report.drop(DUPLICATE_ID, duplicates)
                checked = check_chunk(table, cols, job)
                rejected, texts = _embed_chunk(
                    checked, encode, pipeline, totals, max_per_day, batch_texts
                )
                report.rows_read += read.num_rows
                for reason, n in checked.rejected.items():
                    report.drop(reason, n)
                for reason, n in rejected.items():
                    report.drop(reason, n)
                result.texts_scored += texts
                result.chunks_total += 1
                bar.advance(TaskID(0))
                bar.update(TaskID(0), info=f"{path.name}: {report.rows_read:,} rows")
            stats.add_skips_to(report, job.encoding)
            ids.add_note_to(report)
            result.reports.append(report)
    if result.rows_scored == 0:
        raise DataError(
            "no row could be embedded: " + "; ".join(r.summary() for r in result.reports)
        )
    result.daily = totals.table()
    job.out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(job.out) as tmp:
        result.daily.to_parquet(tmp, index=True)
    result.wall_s = time.perf_counter() - start
    return result


def _embed_chunk(
    checked: CheckedChunk,
    encode: Encoder,
    pipeline: TextPipeline,
    totals: EmbeddingAccumulator,
    max_per_day: int | None,
    batch_texts: int,
) -> tuple[dict[str, int], int]:
    """Clean, cap, encode and add the rows that passed the checks; returns the further
    rejections per reason and the number of distinct texts encoded."""
    times = checked.times[checked.keep]
    codes, texts = pd.factorize(
        pd.Series(checked.text.filter(pa.array(checked.keep)).to_pylist(), dtype=object)
    )
    cleaned = pipeline.transform([str(t) for t in texts])
    has_content = np.array([bool(t.strip()) for t in cleaned], dtype=bool)
    content = has_content[codes] if len(codes) else np.zeros(0, dtype=bool)
    over = np.zeros(len(codes), dtype=bool)
    if max_per_day is not None:
        rows = np.flatnonzero(content)
        days = times[rows].astype("datetime64[D]").astype(np.int64)
        rank = pd.Series(days).groupby(days).cumcount().to_numpy() + totals.counts(days)
        over[rows[rank >= max_per_day]] = True
    use = content & ~over
    used = np.unique(codes[use])
    if len(used):
        vectors = _encode(encode, [cleaned[c] for c in used], batch_texts)
        position = np.full(len(texts), -1)
        position[used] = np.arange(len(used))
        totals.add(times[use], vectors[position[codes[use]]])
    rejected = {EMPTY_AFTER_CLEANING: int((~content).sum()), OVER_DAY_CAP: int(over.sum())}
    return rejected, len(used)


def _encode(encode: Encoder, texts: Sequence[str], batch_texts: int) -> np.ndarray:
    """``encode`` over ``texts`` in batches of at most ``batch_texts``; checks the shape."""
    parts = [encode(list(texts[i : i + batch_texts])) for i in range(0, len(texts), batch_texts)]
    out = np.concatenate([np.asarray(p, dtype=np.float64) for p in parts])
    if out.ndim != 2 or len(out) != len(texts):
        raise DataError(f"the encoder returned shape {out.shape} for {len(texts)} texts")
    return out
