"""The scoring job of ``sentiment score``: every row scored or rejected once, its outputs, its
chunk files and its resume key (a restart reuses the finished chunks of an interrupted run only
when every option that changes the output is the same)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sentcast.errors import DataError, UserInputError
from sentcast.files import atomic_path
from sentcast.sentiment import chunk_files
from sentcast.sentiment.batch import BatchScorer
from sentcast.sentiment.chunk_scoring import Chunk, ChunkResult
from sentcast.sentiment.daily import DailyAccumulator, partial_aggregate, read_daily_sentiment
from sentcast.sentiment.ingest import LocalChunks, estimated_chunks, run_score_job
from sentcast.sentiment.score_job import ScoreJob, ScoreResult
from sentcast.sentiment.vader import VaderScorer
from sentcast.text import TextPipeline
from tests.sentiment.tweet_files import SCORED_SCHEMA, FixedScorer

ROWS = [
    ("01/02/2020", "I love bitcoin @alice", "pos"),
    ("01/02/2020", "café crash is awful", "neg"),
    ("02/02/2020", "great gains #btc", "pos"),
    ("02/02/2020", "terrible day http://t.co/x", "neg"),
    ("03/02/2020", "fine, just fine", "pos"),
]


class _Interrupted(VaderScorer):
    """VADER that fails on its second batch: an interrupted run leaves its first chunk done."""

    def __init__(self, pipeline: TextPipeline | None = None) -> None:
        super().__init__(pipeline)
        self.calls = 0

    def score(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("interrupted")
        return super().score(texts)


def _job(tmp_path: Path) -> ScoreJob:
    src = tmp_path / "tweets.csv"
    lines = ["time,text,label", *(",".join(f'"{v}"' for v in row) for row in ROWS)]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ScoreJob(
        [src],
        tmp_path / "daily.parquet",
        label_col="label",
        label_map={"pos": 1.0, "neg": -1.0},
        chunk_size=2,
        time_format="%d/%m/%Y",
    )


@pytest.mark.parametrize(
    ("change", "preset"),
    [
        ({"chunk_size": 3}, "vader"),
        ({"label_map": {"pos": 1.0, "neg": 0.0}}, "vader"),
        ({"encoding": "cp1252"}, "vader"),
        ({"time_format": "%m/%d/%Y"}, "vader"),
        ({"scored": "scored.parquet"}, "vader"),
        ({}, "study"),
    ],
    ids=["chunk size", "label map", "encoding", "time format", "scored file", "cleaning preset"],
)
def test_a_restart_with_another_option_reuses_no_chunk(
    tmp_path: Path, change: dict[str, Any], preset: str
) -> None:
    job = _job(tmp_path)
    with BatchScorer(_Interrupted(), workers=1) as batch, pytest.raises(RuntimeError):
        run_score_job(job, batch)
    if "scored" in change:
        change = {"scored": tmp_path / change["scored"]}
    other = dataclasses.replace(job, **change)
    with BatchScorer(VaderScorer(TextPipeline.preset(preset)), workers=1) as batch:
        assert run_score_job(other, batch).chunks_resumed == 0
    # the interrupted run's chunk is still there for a restart with the same options
    with BatchScorer(VaderScorer(), workers=1) as batch:
        assert run_score_job(job, batch).chunks_resumed == 1


def test_estimated_chunks_count_rows_cheaply(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("text,date\n" + "hi,2020-01-01\n" * 250)
    parquet = tmp_path / "t.parquet"
    pd.DataFrame({"text": ["a"] * 120}).to_parquet(parquet)
    assert estimated_chunks([csv], 100) == 3
    assert estimated_chunks([csv, parquet], 100) == 3 + 2
    packed = tmp_path / "t.csv.gz"
    packed.write_bytes(gzip.compress(csv.read_bytes()))
    assert estimated_chunks([csv, packed], 100) is None  # no cheap count: no total, no ETA


@pytest.mark.parametrize(("rows", "chunks"), [(0, 1), (50, 1), (200, 2), (201, 3)])
def test_estimated_chunks_of_a_csv_are_its_rows_over_the_chunk_size(
    tmp_path: Path, rows: int, chunks: int
) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("text,date\n" + "hi,2020-01-01\n" * rows)
    assert estimated_chunks([csv], 100) == chunks


def test_a_resumed_run_reports_the_rejections_of_its_finished_chunks(tmp_path: Path) -> None:
    job = _job(tmp_path)
    rows = [("01/02/2020", "", "pos"), *ROWS]  # the first chunk rejects an empty text
    lines = ["time,text,label", *(",".join(f'"{v}"' for v in row) for row in rows)]
    job.inputs[0].write_text("\n".join(lines) + "\n", encoding="utf-8")
    with BatchScorer(_Interrupted(), workers=1) as batch, pytest.raises(RuntimeError):
        run_score_job(job, batch)
    with BatchScorer(VaderScorer(), workers=1) as batch:
        resumed = run_score_job(job, batch)
    assert resumed.chunks_resumed == 1
    assert dict(resumed.rejected) == {"empty text": 1}
    assert resumed.rows_read == 6 and resumed.rows_scored == 5


_FORMAT = "%Y-%m-%d %H:%M"


class _Failing(FixedScorer):
    """:class:`FixedScorer` that fails on its second batch: an interrupted run."""

    def score(self, texts: Sequence[str]) -> np.ndarray:
        if self.seen:
            raise RuntimeError("interrupted")
        return super().score(texts)


def _inputs(tmp_path: Path) -> list[Path]:
    """a.csv (ids: one read twice, one empty): kept, empty text, kept, bad date, duplicate id;
    b.csv (no ids): kept, an undecodable byte (empty after cleaning), unknown label, malformed."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(
        "id,date,text,label\n"
        "1,2020-02-01 10:00,good,pos\n"
        "2,2020-02-01 11:00,  ,pos\n"
        "3,2020-02-03 09:00,bad,neg\n"
        ",never,good,pos\n"
        "1,2020-02-02 10:00,bad,neg\n",
        encoding="utf-8",
    )
    b.write_bytes(
        b"date,text,label\n"
        b"2020-02-03 12:00,meh,neg\n"
        b"2020-02-03 13:00,caf\xe9,neg\n"
        b"2020-02-03 14:00,good,maybe\n"
        b"2020-02-03 15:00,good,pos,extra\n"
    )
    return [a, b]


def _fixed_job(tmp_path: Path, **options: Any) -> ScoreJob:
    return ScoreJob(
        _inputs(tmp_path),
        tmp_path / "out" / "daily.parquet",
        scored=tmp_path / "out" / "scored.parquet",
        label_col="label",
        label_map={"pos": 1.0, "neg": -1.0},
        chunk_size=2,
        time_format=_FORMAT,
        **options,
    )


def _summary_lines(a: Path, b: Path, resumed: int) -> list[str]:
    fmt = f"time format: {_FORMAT} (given)"
    return [
        f"{a}: kept 2 of 5 rows; dropped 3 (duplicate id=1, empty text=1, unparseable date=1); "
        f"{fmt}; 1 rows without a usable id (empty) kept, not de-duplicated",
        f"{b}: kept 1 of 4 rows; dropped 3 (empty after cleaning=1, malformed row=1, "
        f"unknown label=1); {fmt}; undecodable bytes replaced: 1 rows (first at line 3; "
        "not utf-8? see --encoding)",
        "rows read 9 = scored 3 + rejected 6",
        "  rejected, duplicate id: 1",
        "  rejected, empty after cleaning: 1",
        "  rejected, empty text: 1",
        "  rejected, malformed row: 1",
        "  rejected, unknown label: 1",
        "  rejected, unparseable date: 1",
        f"not de-duplicated (no id column; rows read twice count twice): {b}",
        "days 3 (2020-02-01 .. 2020-02-03; 1 without tweets)",
        f"texts scored (distinct per chunk, after cache) 4; chunks 5 ({resumed} resumed); "
        "wall time",
    ]


def _check_outputs(job: ScoreJob) -> None:
    """The daily table and the scored rows of :func:`_fixed_job`, worked out by hand."""
    daily = read_daily_sentiment(job.out)
    nan = np.nan
    expected = pd.DataFrame(
        {
            "n_tweets": [1, 0, 2],
            "compound_mean": [0.5, nan, -0.125],  # good; nothing; bad and meh
            "compound_median": [0.5, nan, -0.125],
            "pos_share": [1.0, nan, 0.0],
            "neg_share": [0.0, nan, 0.5],
            "neu_share": [0.0, nan, 0.5],
            "label_mean": [1.0, nan, -1.0],
        },
        index=pd.DatetimeIndex(["2020-02-01", "2020-02-02", "2020-02-03"], name="date"),
    )
    pd.testing.assert_frame_equal(daily, expected)
    assert job.scored is not None
    scored = pq.read_table(job.scored)
    assert [(f.name, f.type) for f in scored.schema] == [*SCORED_SCHEMA, ("label", pa.float64())]
    utc = dt.UTC
    assert scored.to_pydict() == {
        "time": [
            dt.datetime(2020, 2, 1, 10, tzinfo=utc),
            dt.datetime(2020, 2, 3, 9, tzinfo=utc),
            dt.datetime(2020, 2, 3, 12, tzinfo=utc),
        ],
        "text": ["good", "bad", "meh"],
        "neg": [0.0, 0.5, 0.125],
        "neu": [0.25, 0.5, 0.75],
        "pos": [0.75, 0.0, 0.125],
        "compound": [0.5, -0.25, 0.0],
        "label": [1.0, -1.0, -1.0],
    }


def test_every_row_is_scored_or_rejected_once_and_the_outputs_hold_the_scored_ones(
    tmp_path: Path,
) -> None:
    job = _fixed_job(tmp_path)
    with BatchScorer(FixedScorer(), workers=1) as batch:
        result = run_score_job(job, batch)
    a, b = job.inputs
    lines = result.summary().split("\n")
    assert lines[:-1] == _summary_lines(a, b, 0)[:-1]
    assert lines[-1].startswith(_summary_lines(a, b, 0)[-1])
    assert (result.chunks_total, result.chunks_resumed, result.texts_scored) == (5, 0, 4)
    assert 0 < result.wall_s < 60
    pd.testing.assert_frame_equal(result.daily, read_daily_sentiment(job.out))
    _check_outputs(job)
    assert not list(job.out.parent.glob(".daily.parquet.work-*"))  # the work folder is gone


def _interrupted(job: ScoreJob) -> Path:
    """Run ``job`` until its second chunk fails; the work folder, its first chunk done."""
    with BatchScorer(_Failing(), workers=1) as batch, pytest.raises(RuntimeError):
        run_score_job(job, batch)
    (work,) = job.out.parent.glob(f".{job.out.name}.work-*")
    return work


def _logged_run(
    job: ScoreJob, scorer: FixedScorer, caplog: pytest.LogCaptureFixture
) -> ScoreResult:
    logs = caplog.at_level(logging.INFO, logger="sentcast.sentiment.ingest")
    with logs, BatchScorer(scorer, workers=1) as batch:
        return run_score_job(job, batch)


def test_a_resumed_run_counts_and_writes_as_a_fresh_one_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    job = _fixed_job(tmp_path)
    work = _interrupted(job)
    assert sorted(p.name for p in work.iterdir()) == [
        "chunk-000-000000.agg.parquet",
        "chunk-000-000000.json",
        "chunk-000-000000.scored.parquet",
    ]
    scorer = FixedScorer()
    result = _logged_run(job, scorer, caplog)
    assert "resumed: 1 of 5 chunks were already done" in caplog.messages
    assert scorer.seen == ["bad", "meh", "caf\ufffd"]  # the first chunk (good) is not scored
    a, b = job.inputs
    assert result.summary().split("\n")[:-1] == _summary_lines(a, b, 1)[:-1]
    assert (result.chunks_total, result.chunks_resumed, result.texts_scored) == (5, 1, 4)
    _check_outputs(job)


def test_a_chunk_whose_counts_are_unreadable_is_scored_again_and_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    job = _fixed_job(tmp_path)
    work = _interrupted(job)
    (work / "chunk-000-000000.json").write_text('{"rows": 2}', encoding="utf-8")
    (work / "chunk-000-000001.json").write_text("{}", encoding="utf-8")  # and nothing else
    result = _logged_run(job, FixedScorer(), caplog)
    assert caplog.messages == [
        "redone 2 chunk(s) whose saved files were unreadable: chunk-000-000000, chunk-000-000001"
    ]
    assert (result.chunks_total, result.chunks_resumed) == (5, 0)
    _check_outputs(job)


def test_the_progress_bar_counts_the_chunks_and_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SENTCAST_PROGRESS", "1")
    job = _fixed_job(tmp_path)
    with BatchScorer(FixedScorer(), workers=1) as batch:
        run_score_job(job, batch)
    bar = capsys.readouterr().err
    # the rows read when the last chunk was done (the malformed row is counted at the end)
    assert bar.startswith("scoring chunks ") and " 5/5 " in bar, bar
    assert bar.rstrip().endswith(" b.csv: 3 rows"), bar


def test_a_chunk_size_below_one_is_refused_and_one_row_chunks_work(tmp_path: Path) -> None:
    job = _fixed_job(tmp_path, delimiter=",")
    with BatchScorer(FixedScorer(), workers=1) as batch:
        with pytest.raises(UserInputError, match=r"^--chunk-size must be >= 1, got 0$"):
            run_score_job(dataclasses.replace(job, chunk_size=0), batch)
        result = run_score_job(dataclasses.replace(job, chunk_size=1), batch)
    assert result.chunks_total == 8 and result.rows_scored == 3


def test_undecodable_bytes_are_noted_with_the_encoding_read(tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    src.write_bytes(b"date,text\n2020-01-01 10:00,good\n2020-01-01 11:00,caf\xe9\n")
    job = ScoreJob([src], tmp_path / "d.parquet", time_format=_FORMAT, encoding="ascii")
    with BatchScorer(FixedScorer(), workers=1) as batch:
        result = run_score_job(job, batch)
    assert result.reports[0].notes == [
        f"time format: {_FORMAT} (given)",
        "undecodable bytes replaced: 1 rows (first at line 3; not ascii? see --encoding)",
    ]


def test_no_scoreable_row_is_a_data_error_naming_each_input(tmp_path: Path) -> None:
    src, other = tmp_path / "t.csv", tmp_path / "u.csv"
    src.write_text("date,text\n2020-01-01 10:00,  \n2020-01-01 11:00,\n", encoding="utf-8")
    other.write_text("date,text\nnever,good\n", encoding="utf-8")
    job = ScoreJob([src, other], tmp_path / "daily.parquet", time_format=_FORMAT)
    with BatchScorer(FixedScorer(), workers=1) as batch, pytest.raises(DataError) as err:
        run_score_job(job, batch)
    fmt = f"time format: {_FORMAT} (given)"
    assert str(err.value) == (
        f"no row could be scored: {src}: kept 0 of 2 rows; dropped 2 (empty text=2); {fmt}; "
        f"{other}: kept 0 of 1 rows; dropped 1 (unparseable date=1); {fmt}"
    )
    assert not job.out.exists()


def test_another_input_of_the_same_size_and_time_reuses_no_chunk(tmp_path: Path) -> None:
    job = _fixed_job(tmp_path)
    a = job.inputs[0]
    other = tmp_path / "other" / "a.csv"
    other.parent.mkdir()
    other.write_text(a.read_text(encoding="utf-8").replace("good", "meh ", 1), encoding="utf-8")
    stat = a.stat()
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert other.stat().st_size == stat.st_size
    _interrupted(job)
    with BatchScorer(FixedScorer(), workers=1) as batch:
        result = run_score_job(dataclasses.replace(job, inputs=[other, job.inputs[1]]), batch)
    assert result.chunks_resumed == 0
    assert result.rejected["empty after cleaning"] == 2  # "meh " is no text FixedScorer knows


def _chunk(rows: int, compound: float) -> ChunkResult:
    """A chunk's result of ``rows`` rows (one rejected), the others scored ``compound``."""
    times = np.array(["2020-02-01T10:00"] * (rows - 1), dtype="datetime64[ns]")
    scores = np.full(rows - 1, compound)
    scored = pa.table({"time": times, "compound": scores})
    counts = {"rows": rows, "rejected": {"empty text": 1}, "texts_scored": 1}
    return ChunkResult(counts, partial_aggregate(times, scores), scored)


def test_a_saved_chunk_is_read_back_as_it_was(tmp_path: Path) -> None:
    stem = tmp_path / "chunk-000-000003"
    done = _chunk(3, 0.5)
    chunk_files.save_chunk(stem, done)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "chunk-000-000003.agg.parquet",
        "chunk-000-000003.json",
        "chunk-000-000003.scored.parquet",
    ]
    for scored in (True, False):
        finished = chunk_files.finished_chunk(stem, scored)
        assert finished is not None
        assert finished[0] == done.counts
        pd.testing.assert_frame_equal(finished[1], done.partial)
    # a job that writes no scored rows saves none; one that does needs them
    bare = tmp_path / "chunk-000-000004"
    chunk_files.save_chunk(bare, dataclasses.replace(done, scored=None))
    assert not bare.with_suffix(".scored.parquet").exists()
    assert chunk_files.finished_chunk(bare, False) is not None
    assert chunk_files.finished_chunk(bare, True) is None
    assert chunk_files.finished_chunk(tmp_path / "chunk-000-000005", False) is None


@pytest.mark.parametrize(
    ("suffix", "content"),
    [
        (".json", b'{"rows": 3, "rejected": {"empty text": 1}}'),
        (".json", b'{"rows": "three", "rejected": {}, "texts_scored": 1}'),
        (".json", b'{"rows": 3, "rejected": {"empty text": "x"}, "texts_scored": 1}'),
        (".json", b'{"rows": 3, "rejected": [], "texts_scored": 1}'),
        (".json", b"[3]"),
        (".json", b"\xff\xfe"),
        (".json", b"[" * 100_000),
        (".agg.parquet", b"PAR1"),
        (".scored.parquet", b"PAR1 torn"),
    ],
    ids=["no texts_scored", "rows not a number", "reason not a number", "rejected a list",
         "a list", "not utf-8", "nested", "aggregate torn", "scored torn"],
)  # fmt: skip
def test_a_torn_or_foreign_chunk_file_means_the_chunk_is_not_finished(
    tmp_path: Path, suffix: str, content: bytes
) -> None:
    stem = tmp_path / "chunk-000-000000"
    chunk_files.save_chunk(stem, _chunk(3, 0.5))
    stem.with_suffix(suffix).write_bytes(content)
    assert chunk_files.finished_chunk(stem, True) is None


def test_an_aggregate_of_other_columns_means_the_chunk_is_not_finished(tmp_path: Path) -> None:
    stem = tmp_path / "chunk-000-000000"
    chunk_files.save_chunk(stem, _chunk(3, 0.5))
    pd.DataFrame({"day": [1], "n": [2]}).to_parquet(stem.with_suffix(".agg.parquet"))
    assert chunk_files.finished_chunk(stem, False) is None


def test_the_outputs_join_the_chunks_scored_rows_in_reading_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    complete: list[int] = []

    @contextmanager
    def checked(path: Path) -> Iterator[Path]:
        """``atomic_path``, checking that what takes the name is a whole Parquet file."""
        with atomic_path(path) as tmp:
            yield tmp
            complete.append(pq.read_metadata(tmp).num_rows)

    monkeypatch.setattr(chunk_files, "atomic_path", checked)
    work = tmp_path / "work"
    work.mkdir()
    # saved out of order, as a runner may finish them; chunk 10 after chunk 9
    for name, compound in [("001-000000", -0.5), ("000-000010", 0.25), ("000-000009", 0.5)]:
        chunk_files.save_chunk(work / f"chunk-{name}", _chunk(2, compound))
    accumulator = DailyAccumulator()
    accumulator.add(_chunk(2, 0.5).partial)
    daily = accumulator.table()
    out = tmp_path / "new" / "folder" / "daily.parquet"
    job = ScoreJob([tmp_path / "t.csv"], out, scored=tmp_path / "scored.parquet")
    complete.clear()
    chunk_files.write_outputs(job, work, daily)
    assert complete == [1, 3]  # the daily table (one day), then the scored rows
    pd.testing.assert_frame_equal(read_daily_sentiment(out), daily)
    assert pq.read_table(tmp_path / "scored.parquet").column("compound").to_pylist() == [
        0.5,
        0.25,
        -0.5,
    ]
    chunk_files.write_outputs(job, work, daily)  # the folder is there now: written again
    unscored = dataclasses.replace(job, out=tmp_path / "u.parquet", scored=tmp_path / "u.sc")
    empty = tmp_path / "empty"
    empty.mkdir()
    chunk_files.write_outputs(unscored, empty, daily)  # no chunk has scored rows: none written
    assert (tmp_path / "u.parquet").exists() and not (tmp_path / "u.sc").exists()
    chunk_files.write_outputs(dataclasses.replace(unscored, scored=None), work, daily)
    assert not (tmp_path / "u.sc").exists()


def test_scored_rows_go_to_a_folder_that_is_not_there_yet(tmp_path: Path) -> None:
    """Before: the run failed at its very end, the daily table written, the scored rows not."""
    job = _fixed_job(tmp_path)
    job = dataclasses.replace(job, scored=tmp_path / "rows" / "of" / "scored.parquet")
    with BatchScorer(FixedScorer(), workers=1) as batch:
        run_score_job(job, batch)
    _check_outputs(job)


class _Deferred(LocalChunks):
    """A :class:`ChunkRunner` whose results all come back at the end, the last chunk first."""

    def __init__(self, batch: BatchScorer) -> None:
        super().__init__(batch)
        self.pending: list[tuple[Chunk, ChunkResult]] = []

    def submit(self, chunk: Chunk, job: ScoreJob) -> list[tuple[Chunk, ChunkResult]]:
        self.pending.extend(super().submit(chunk, job))
        return []

    def finish(self) -> list[tuple[Chunk, ChunkResult]]:
        return self.pending[::-1]


def test_chunks_scored_elsewhere_and_returned_late_give_the_same_outputs(tmp_path: Path) -> None:
    job = _fixed_job(tmp_path)
    with BatchScorer(FixedScorer(), workers=1) as batch:
        result = run_score_job(job, _Deferred(batch))
    a, b = job.inputs
    assert result.summary().split("\n")[:-1] == _summary_lines(a, b, 0)[:-1]
    _check_outputs(job)
