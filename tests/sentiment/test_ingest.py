"""The resume key of ``sentiment score``: a restart reuses the finished chunks of an
interrupted run only when every option that changes the output is the same."""

from __future__ import annotations

import dataclasses
import gzip
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sentcast.sentiment.batch import BatchScorer
from sentcast.sentiment.ingest import ScoreJob, estimated_chunks, run_score_job
from sentcast.sentiment.vader import VaderScorer
from sentcast.text import TextPipeline

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


def test_the_summary_balances_rows_and_names_the_days(tmp_path: Path) -> None:
    from collections import Counter

    from sentcast.data.report import DropReport
    from sentcast.sentiment.ingest import ScoreResult

    report = DropReport("t.csv", rows_read=5, dropped=Counter({"no text": 1}))
    days = pd.DatetimeIndex(["2020-02-01", "2020-02-02", "2020-02-03"], name="date")
    daily = pd.DataFrame({"n_tweets": [2, 0, 2]}, index=days)
    result = ScoreResult([report], daily, texts_scored=4, chunks_total=3, chunks_resumed=1)
    assert result.summary().split("\n") == [
        "t.csv: kept 4 of 5 rows; dropped 1 (no text=1)",
        "rows read 5 = scored 4 + rejected 1",
        "  rejected, no text: 1",
        "days 3 (2020-02-01 .. 2020-02-03; 1 without tweets)",
        "texts scored (distinct per chunk, after cache) 4; chunks 3 (1 resumed); wall time 0.0 s",
    ]
    nothing = ScoreResult([DropReport("e.csv")], daily.iloc[:0])
    assert nothing.summary().split("\n")[1:3] == ["rows read 0 = scored 0 + rejected 0", "days 0"]


@pytest.mark.parametrize(("rows", "chunks"), [(0, 1), (50, 1), (200, 2), (201, 3)])
def test_estimated_chunks_of_a_csv_are_its_rows_over_the_chunk_size(
    tmp_path: Path, rows: int, chunks: int
) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("text,date\n" + "hi,2020-01-01\n" * rows)
    assert estimated_chunks([csv], 100) == chunks


def test_each_rejected_row_is_counted_once_under_its_first_reason(tmp_path: Path) -> None:
    """Empty text first, then an unreadable date, then the label: a row with an empty text and
    an unknown label is one empty text, not also an unknown label."""
    import pyarrow as pa

    from sentcast.data.timestamps import given_format
    from sentcast.sentiment.ingest import ChunkColumns, check_chunk

    table = pa.table(
        {
            "text": ["", "", "late", "fine", "odd", "ok", "good"],
            "time": [
                *["01/02/2020"] * 2,
                *["31/31/2020"] * 2,
                "01/02/2020",
                "02/02/2020",
                "03/02/2020",
            ],
            "label": ["what", "pos", "what", "neg", "what", "inf", "pos"],
        }
    )
    job = dataclasses.replace(_job(tmp_path), label_map={"pos": 1.0, "neg": -1.0, "inf": np.inf})
    columns = ChunkColumns("text", "time", "label", given_format("%d/%m/%Y"))
    checked = check_chunk(table, columns, job)
    assert checked.rejected == {
        "empty text": 2,
        "unparseable date": 2,
        "unknown label": 1,
        "non-finite label": 1,
    }
    assert checked.keep.tolist() == [False] * 6 + [True]


def test_without_a_label_map_labels_are_numbers_and_anything_else_is_rejected(
    tmp_path: Path,
) -> None:
    import pyarrow as pa

    from sentcast.data.timestamps import given_format
    from sentcast.sentiment.ingest import ChunkColumns, check_chunk

    table = pa.table({"text": ["a", "b", "c"], "time": ["01/02/2020"] * 3, "label": ["1", "x", ""]})
    job = dataclasses.replace(_job(tmp_path), label_map={})
    checked = check_chunk(
        table, ChunkColumns("text", "time", "label", given_format("%d/%m/%Y")), job
    )
    assert checked.rejected["unknown label"] == 2 and checked.keep.tolist() == [True, False, False]
    assert checked.labels is not None and checked.labels[0] == 1.0


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
