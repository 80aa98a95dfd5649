"""Daily mean embeddings: mergeable per-day sums, and every row embedded or rejected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.data.seen_ids import DUPLICATE_ID
from sentcast.sentiment.chunk_scoring import BAD_DATE, EMPTY_AFTER_CLEANING, EMPTY_TEXT
from sentcast.sentiment.daily_embedding import (
    OVER_DAY_CAP,
    EmbeddingAccumulator,
    embedding_columns,
    run_embed_job,
)
from sentcast.sentiment.score_job import ScoreJob
from sentcast.text import TextPipeline


class CountingEncoder:
    """A stand-in for MiniLM: a deterministic 3-d vector per text; records every call."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        return np.array([[len(t), t.count("o"), sum(map(ord, t)) % 7] for t in texts], float)


def _times(*days: str) -> np.ndarray:
    return pd.to_datetime(list(days)).to_numpy()


def test_merged_partials_equal_one_pass() -> None:
    rng = np.random.default_rng(0)
    times = _times(*(f"2020-01-0{d} 12:00" for d in rng.integers(1, 6, size=40)))
    vectors = rng.normal(size=(40, 4))
    whole = EmbeddingAccumulator()
    whole.add(times, vectors)
    first, second = EmbeddingAccumulator(), EmbeddingAccumulator()
    first.add(times[:15], vectors[:15])
    second.add(times[15:], vectors[15:])
    first.merge(second)
    pd.testing.assert_frame_equal(first.table(), whole.table())
    day = times.astype("datetime64[D]") == np.datetime64("2020-01-03")
    expected = vectors[day].mean(axis=0)
    np.testing.assert_allclose(whole.table().loc["2020-01-03", embedding_columns(4)], expected)


def test_days_without_tweets_have_zero_count_and_no_vector() -> None:
    acc = EmbeddingAccumulator()
    acc.add(_times("2020-01-01 23:59", "2020-01-04 00:00"), np.ones((2, 2)))
    table = acc.table()
    assert list(table.index.strftime("%d")) == ["01", "02", "03", "04"]
    assert table["n_tweets"].tolist() == [1, 0, 0, 1]
    assert table.loc["2020-01-02", embedding_columns(2)].isna().all()
    assert list(table.columns) == ["n_tweets", "emb_000", "emb_001"]


def _tweets(path: Path) -> Path:
    rows = [
        ("2020-01-01 10:00", "good coin"),
        ("2020-01-01 11:00", "good coin"),
        ("2020-01-01 12:00", "bad moon"),
        ("2020-01-02 09:00", ""),
        ("not a date", "lost row"),
        ("2020-01-03 09:00", "http://t.co/x"),
        ("2020-01-03 10:00", "to the moon"),
    ]
    lines = ["time,text", *(f'"{t}","{x}"' for t, x in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _job(tmp_path: Path, chunk_size: int) -> ScoreJob:
    """Embed the tweets of :func:`_tweets` into ``emb.parquet`` in chunks of ``chunk_size``."""
    return ScoreJob(
        [_tweets(tmp_path / "t.csv")],
        tmp_path / "emb.parquet",
        chunk_size=chunk_size,
        time_format="%Y-%m-%d %H:%M",
    )


@pytest.mark.parametrize("chunk_size", [2, 100])
def test_every_row_is_embedded_or_rejected(tmp_path: Path, chunk_size: int) -> None:
    job = _job(tmp_path, chunk_size)
    encoder = CountingEncoder()
    result = run_embed_job(job, encoder, TextPipeline.preset("vader"))
    assert result.rows_read == 7 and result.rows_scored == 4
    assert result.rejected == {EMPTY_TEXT: 1, BAD_DATE: 1, EMPTY_AFTER_CLEANING: 1}
    written = pd.read_parquet(job.out)
    pd.testing.assert_frame_equal(written, result.daily)
    assert written["n_tweets"].tolist() == [3, 0, 1]
    day1 = encoder(["good coin", "good coin", "bad moon"]).mean(axis=0)
    np.testing.assert_allclose(written.iloc[0, 1:], day1)
    if chunk_size == 100:  # one chunk: each distinct text is encoded once
        assert sorted(encoder.seen[:3]) == ["bad moon", "good coin", "to the moon"]


@pytest.mark.parametrize("chunk_size", [1, 100])
def test_max_per_day_keeps_the_first_rows_of_each_day(tmp_path: Path, chunk_size: int) -> None:
    job = _job(tmp_path, chunk_size)
    encoder = CountingEncoder()
    result = run_embed_job(job, encoder, TextPipeline.preset("vader"), max_per_day=1)
    assert result.rows_read == 7 and result.rows_scored == 2
    assert result.rejected[OVER_DAY_CAP] == 2  # the 2nd and 3rd tweet of 2020-01-01
    assert result.daily["n_tweets"].tolist() == [1, 0, 1]
    assert "bad moon" not in encoder.seen
    np.testing.assert_allclose(result.daily.iloc[0, 1:], encoder(["good coin"])[0])


@pytest.mark.parametrize("chunk_size", [2, 100])
def test_a_tweet_read_twice_is_embedded_once(tmp_path: Path, chunk_size: int) -> None:
    """The same tweets under two file names (and one repeated inside a file): each id counts
    once, the repeats are counted as duplicate ids; files without ids are named."""
    rows = [("1", "2020-01-01 10:00", "good coin"), ("2", "2020-01-01 11:00", "bad moon")]
    first = tmp_path / "a.csv"
    first.write_text(
        "id,time,text\n" + "".join(f'{i},"{t}","{x}"\n' for i, t, x in [*rows, rows[0]]),
        encoding="utf-8",
    )
    again = tmp_path / "b.csv"
    again.write_text(
        "id,time,text\n" + "".join(f'{i},"{t}","{x}"\n' for i, t, x in rows), encoding="utf-8"
    )
    no_ids = _tweets(tmp_path / "t.csv")
    job = ScoreJob(
        [first, again, no_ids],
        tmp_path / "emb.parquet",
        chunk_size=chunk_size,
        time_format="%Y-%m-%d %H:%M",
    )
    result = run_embed_job(job, CountingEncoder(), TextPipeline.preset("vader"))
    assert result.rows_read == 3 + 2 + 7
    assert result.rejected[DUPLICATE_ID] == 1 + 2
    assert result.rows_scored == 2 + 4
    assert result.daily["n_tweets"].tolist() == [2 + 3, 0, 1]
    assert str(no_ids) in result.summary() and "not de-duplicated" in result.summary()
