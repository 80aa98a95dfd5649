"""What ``sentcast sentiment score`` is asked to do and what it reports.

:class:`ScoreJob` holds the inputs, columns, scorer options and outputs of one run;
:func:`resolve_columns` finds each input's text, time, label and id columns and its time format
(one per file); :class:`ScoreResult` holds the counts of a run: every row read is either scored or
rejected for one counted reason. The run itself is :func:`sentcast.sentiment.ingest.run_score_job`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sentcast.data.report import DropReport
from sentcast.data.timestamps import TimeFormat, resolve_format
from sentcast.data.tweets import (
    ID_CANDIDATES,
    TEXT_CANDIDATES,
    TIME_CANDIDATES,
    iter_chunks,
    pick_column,
    read_header,
)
from sentcast.errors import UserInputError
from sentcast.files import check_outputs


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


def inputs_without_ids(job: ScoreJob, columns: Sequence[ChunkColumns]) -> list[str]:
    """The inputs of ``job`` that have no id column (``columns``: one per input), which the
    summary names as not de-duplicated."""
    return [str(p) for p, c in zip(job.inputs, columns, strict=True) if not c.ids]


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
