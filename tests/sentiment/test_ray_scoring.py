"""``sentiment score --engine ray``: a real local Ray gives the local engine's outputs, survives
a scoring worker that dies, and resumes a run that failed half-way."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from sentcast.errors import DataError
from sentcast.sentiment.batch import BatchScorer
from sentcast.sentiment.ingest import run_score_job
from sentcast.sentiment.ray_scoring import RayChunks
from sentcast.sentiment.score_job import ScoreJob, ScoreResult
from sentcast.sentiment.vader import VaderScorer
from tests.sentiment.tweet_files import write_tweets


class _Vader:
    """VADER under its own name and cleaning (so the resume key is VADER's), for the wrappers
    below: VaderScorer pickles its pipeline only, a subclass would lose its attributes."""

    name = "vader"

    def __init__(self) -> None:
        self.inner = VaderScorer()
        self.pipeline = self.inner.pipeline


class DiesOnce(_Vader):
    """VADER whose process exits hard the first time it scores (a worker killed mid-run)."""

    def __init__(self, marker: Path) -> None:
        super().__init__()
        self.marker = marker

    def score(self, texts: Sequence[str]) -> np.ndarray:
        if not self.marker.exists():
            self.marker.touch()
            os._exit(1)
        return self.inner.score(texts)


class FailsOn(_Vader):
    """VADER that raises on a text containing ``word``."""

    def __init__(self, word: str) -> None:
        super().__init__()
        self.word = word

    def score(self, texts: Sequence[str]) -> np.ndarray:
        if any(self.word in t for t in texts):
            raise RuntimeError(f"cannot score {self.word!r}")
        return self.inner.score(texts)


def _job(tmp_path: Path, src: Path, name: str) -> ScoreJob:
    out = tmp_path / name / "daily.parquet"
    out.parent.mkdir()
    return ScoreJob([src], out, scored=out.with_name("scored.parquet"), chunk_size=100)


def _same_outputs(a: ScoreJob, b: ScoreJob) -> None:
    pd.testing.assert_frame_equal(pd.read_parquet(a.out), pd.read_parquet(b.out))
    assert a.scored is not None and b.scored is not None
    pd.testing.assert_frame_equal(pd.read_parquet(a.scored), pd.read_parquet(b.scored))


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScoreJob, ScoreResult]:
    root = tmp_path_factory.mktemp("local")
    job = _job(root, write_tweets(root / "t.csv"), "local")
    with BatchScorer(workers=1) as batch:
        return job, run_score_job(job, batch)


def test_ray_gives_the_local_outputs_and_counts(
    ray_local: ModuleType, local_run: tuple[ScoreJob, ScoreResult], tmp_path: Path
) -> None:
    local_job, local = local_run
    job = _job(tmp_path, local_job.inputs[0], "ray")
    with RayChunks(ray_local, VaderScorer(), actors=2) as actors:
        result = run_score_job(job, actors)
    _same_outputs(job, local_job)
    assert result.rows_read == local.rows_read == 600
    assert result.rejected == local.rejected == {"empty text": 1, "unparseable date": 1}
    assert result.chunks_total == 6


def test_a_scoring_worker_that_dies_is_restarted_and_nothing_is_lost(
    ray_local: ModuleType, local_run: tuple[ScoreJob, ScoreResult], tmp_path: Path
) -> None:
    local_job, local = local_run
    job = _job(tmp_path, local_job.inputs[0], "ray")
    marker = tmp_path / "died"
    with RayChunks(ray_local, DiesOnce(marker), actors=2) as actors:
        result = run_score_job(job, actors)
    assert marker.exists()  # a worker process did exit mid-run
    _same_outputs(job, local_job)
    assert result.rows_scored == local.rows_scored


def test_a_failing_chunk_is_one_line_and_the_next_run_resumes(
    ray_local: ModuleType, tmp_path: Path
) -> None:
    src = write_tweets(tmp_path / "t.csv")
    text = pd.read_csv(src)["text"].astype(str)
    text[450] = "poison"  # in the fifth chunk of 100 rows
    pd.read_csv(src).assign(text=text).to_csv(src, index=False)
    job = _job(tmp_path, src, "ray")
    with (
        RayChunks(ray_local, FailsOn("poison"), actors=1) as actors,
        pytest.raises(DataError) as failed,
    ):
        run_score_job(job, actors)
    message = str(failed.value)
    assert "\n" not in message
    assert message.startswith("scoring chunk-000-000004 failed on Ray: RuntimeError: cannot")
    with RayChunks(ray_local, VaderScorer(), actors=2) as actors:
        resumed = run_score_job(job, actors)
    assert resumed.chunks_resumed == 4
    with BatchScorer(workers=1) as batch:
        fresh = _job(tmp_path, src, "fresh")
        run_score_job(fresh, batch)
    _same_outputs(job, fresh)


def test_remote_inputs_and_outputs_on_ray_give_the_local_outputs(
    ray_local: ModuleType,
    local_run: tuple[ScoreJob, ScoreResult],
    fake_s3: Path,
    cli: Callable[..., tuple[int, str, str]],
) -> None:
    local_job, _ = local_run
    (fake_s3 / "b").mkdir()
    shutil.copy(local_job.inputs[0], fake_s3 / "b" / "t.csv")
    code, _, err = cli(
        "sentiment", "score", "s3://b/t.csv", "--out", "s3://b/d.parquet",
        "--scored", "s3://b/s.parquet", "--chunk-size", "100", "--workers", "2",
        "--engine", "ray",
    )  # fmt: skip
    assert code == 0, err
    remote = ScoreJob([], fake_s3 / "b" / "d.parquet", scored=fake_s3 / "b" / "s.parquet")
    _same_outputs(remote, local_job)


def test_records_read_twice_are_dropped_on_ray_as_locally(
    ray_local: ModuleType, local_run: tuple[ScoreJob, ScoreResult], tmp_path: Path
) -> None:
    tweets = pd.read_csv(local_run[0].inputs[0]).assign(id=range(600))
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    tweets[:400].to_csv(a, index=False)
    tweets[300:].to_csv(b, index=False)  # ids 300..399 twice
    jobs = []
    for name in ("local", "ray"):
        out = tmp_path / name / "daily.parquet"
        out.parent.mkdir()
        jobs.append(ScoreJob([a, b], out, scored=out.with_name("scored.parquet"), chunk_size=100))
    with BatchScorer(workers=1) as batch:
        local = run_score_job(jobs[0], batch)
    with RayChunks(ray_local, VaderScorer(), actors=2) as actors:
        result = run_score_job(jobs[1], actors)
    _same_outputs(jobs[0], jobs[1])
    assert result.rejected == local.rejected
    assert result.rejected["duplicate id"] == 100 and result.rows_read == 700
