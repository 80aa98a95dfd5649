"""One chunk of a scoring job: its rows checked, scored and summarised, no file written.

:func:`check_chunk` rejects the rows with an empty text, an unparseable date or an unknown or
non-finite label; :func:`score_table` scores the rest (de-duplicated, cached, in worker
processes: :class:`~sentcast.sentiment.batch.BatchScorer`), rejects those left empty by the
cleaning and summarises the chunk as a partial aggregate (see :mod:`sentcast.sentiment.daily`).
Every row of a chunk is either scored or rejected for one counted reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sentcast.data.timestamps import parse_timestamps
from sentcast.sentiment.batch import BatchScorer
from sentcast.sentiment.daily import partial_aggregate
from sentcast.sentiment.score_job import ChunkColumns, ScoreJob
from sentcast.sentiment.scorer import SCORE_COLUMNS

EMPTY_TEXT = "empty text"
EMPTY_AFTER_CLEANING = "empty after cleaning"
BAD_DATE = "unparseable date"
BAD_LABEL = "unknown label"
NONFINITE_LABEL = "non-finite label"


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
