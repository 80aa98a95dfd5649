"""The files of a scoring job: its work folder of finished chunks, and its outputs.

Each finished chunk is written to a work folder next to the output, keyed by a hash of
everything that affects the result (:func:`work_dir`): its partial aggregate, its scored rows
(when the job writes ``--scored``) and, last, its counts, each file atomically
(:func:`save_chunk`). A killed run started again with the same arguments finds the chunks
already done (:func:`finished_chunk`); a chunk with a torn or missing file is scored again. Once
every chunk is done the daily table and the scored rows are written, each atomically
(:func:`write_outputs`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sentcast.files import atomic_path, atomic_write_text
from sentcast.sentiment.chunk_scoring import ChunkResult
from sentcast.sentiment.daily import write_daily_sentiment
from sentcast.sentiment.score_job import ChunkColumns, ScoreJob
from sentcast.sentiment.scorer import Scorer

_PARTIAL_COLUMNS = ["day", "ckey", "n", "label_sum", "label_n"]


def work_dir(job: ScoreJob, columns: list[ChunkColumns], scorer: Scorer) -> Path:
    """Folder for finished chunks, keyed by everything that changes the result.

    Parameters
    ----------
    job : ScoreJob
        Its inputs (path, size and modification time of each), options and outputs.
    columns : list of ChunkColumns
        The columns and time format of each input.
    scorer : Scorer
        Its name and, when it has one, its cleaning pipeline.

    Returns
    -------
    Path
        ``.OUT.work-HASH`` next to ``job.out`` (not created here).
    """
    files = []
    for path in job.inputs:
        stat = path.stat()
        files.append([str(path.resolve()), stat.st_size, stat.st_mtime_ns])
    pipeline: Any = getattr(scorer, "pipeline", None)
    key = [  # in this order: the files, their columns, the options, the scorer and its cleaning
        files,
        [[c.text, c.time, c.label, c.time_format.spec, *c.ids] for c in columns],
        sorted(job.label_map.items()),
        job.delimiter,
        job.encoding,
        job.chunk_size,
        job.scored is not None,
        scorer.name,
        pipeline.model_dump() if hasattr(pipeline, "model_dump") else None,
    ]
    digest = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:16]
    return job.out.parent / f".{job.out.name}.work-{digest}"


def save_chunk(stem: Path, result: ChunkResult) -> None:
    """Write a chunk's parts, each atomically; the counts (``.json``) last mark it finished.

    Parameters
    ----------
    stem : Path
        ``WORK/chunk-FFF-KKKKKK``; the parts are ``.agg.parquet``, ``.scored.parquet`` (when
        ``result.scored`` is set) and ``.json``.
    result : ChunkResult
        The chunk's counts, partial aggregate and scored rows.
    """
    _atomic_parquet(
        pa.Table.from_pandas(result.partial, preserve_index=False),
        stem.with_suffix(".agg.parquet"),
    )
    if result.scored is not None:
        _atomic_parquet(result.scored, stem.with_suffix(".scored.parquet"))
    atomic_write_text(stem.with_suffix(".json"), json.dumps(result.counts))


def finished_chunk(stem: Path, scored: bool) -> tuple[dict[str, Any], pd.DataFrame] | None:
    """The counts and partial aggregate of a chunk an earlier run finished, if all are readable.

    Parameters
    ----------
    stem : Path
        The chunk's files, as written by :func:`save_chunk`.
    scored : bool
        Whether the job writes scored rows (then ``.scored.parquet`` must be readable too).

    Returns
    -------
    tuple of (dict, pandas.DataFrame) or None
        The counts and the partial aggregate; ``None`` when the chunk was never finished or one
        of its files is torn or not what this job writes (then the chunk is scored again).
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


def write_outputs(job: ScoreJob, work: Path, daily: pd.DataFrame) -> None:
    """Write the daily table to ``job.out`` and the chunks' scored rows to ``job.scored``.

    Parameters
    ----------
    job : ScoreJob
        Its outputs (their folders are created); ``job.scored`` is written only when set and
        some chunk has scored rows.
    work : Path
        The work folder (:func:`work_dir`); its ``chunk-*.scored.parquet`` are joined in the
        order of their names, which is the order the rows were read.
    daily : pandas.DataFrame
        The daily table.
    """
    job.out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(job.out) as tmp:
        write_daily_sentiment(daily, tmp)
    if job.scored is None:
        return
    parts = sorted(work.glob("chunk-*.scored.parquet"))
    if not parts:
        return
    job.scored.parent.mkdir(parents=True, exist_ok=True)  # may be another folder than --out's
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


def _atomic_parquet(table: pa.Table, path: Path) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
