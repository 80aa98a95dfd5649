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
from sentcast.sentiment.ingest import estimated_chunks, run_score_job
from sentcast.sentiment.score_job import ScoreJob
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
