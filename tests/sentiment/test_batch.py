from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from sentcast.sentiment import SCORE_COLUMNS, BatchScorer, Scorer, VaderScorer, score_texts

TEXTS = ["I love it :)", "awful day", "RT @a: I love it :) http://t.co/x", "meh", "I love it :)"]


class CountingScorer:
    """A scorer that records every text it is asked to score."""

    name = "counting"

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._vader = VaderScorer()

    def score(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        return self._vader.score(texts)


def test_vader_scorer_satisfies_the_protocol() -> None:
    assert isinstance(VaderScorer(), Scorer)


def test_repeated_texts_are_scored_once_and_cached_across_batches() -> None:
    scorer = CountingScorer()
    with BatchScorer(scorer, workers=1) as batch:
        first = batch.score(TEXTS)
        assert sorted(scorer.seen) == sorted(set(TEXTS))
        second = batch.score(list(reversed(TEXTS)))
        assert len(scorer.seen) == len(set(TEXTS))
        assert batch.texts_scored == 4 and batch.texts_seen == 10
    np.testing.assert_array_equal(first, second[::-1])
    np.testing.assert_array_equal(first[0], first[4])
    # the retweet cleans to the same text as the original
    np.testing.assert_array_equal(first[0], first[2])


def test_input_kinds_give_the_same_scores() -> None:
    want = score_texts(TEXTS).to_numpy()
    series = pd.Series(TEXTS, index=[10, 11, 12, 13, 14])
    frame = score_texts(series)
    assert list(frame.index) == [10, 11, 12, 13, 14]
    assert list(frame.columns) == list(SCORE_COLUMNS)
    np.testing.assert_array_equal(frame.to_numpy(), want)
    np.testing.assert_array_equal(score_texts(pa.array(TEXTS)).to_numpy(), want)
    chunked = pa.chunked_array([TEXTS[:2], TEXTS[2:]])
    np.testing.assert_array_equal(score_texts(chunked).to_numpy(), want)
    np.testing.assert_array_equal(score_texts(iter(TEXTS)).to_numpy(), want)


def test_missing_and_content_free_texts_give_nan_rows() -> None:
    scores = score_texts(pa.array(["good", None, "@someone https://t.co/x"])).to_numpy()
    assert not np.isnan(scores[0]).any()
    assert np.isnan(scores[1:]).all()


def test_cache_stays_bounded() -> None:
    texts = [f"text number {i} is good" for i in range(50)]
    with BatchScorer(workers=1, cache_size=20) as batch:
        batch.score(texts[:15])
        batch.score(texts[15:30])
        assert len(batch._cache) <= 20
        batch.score(texts)
        assert len(batch._cache) <= 20


def test_worker_processes_give_identical_scores(shared_data) -> None:  # type: ignore[no-untyped-def]
    texts = pd.read_csv(shared_data / "tweets" / "bitcoin_tweets_2017-02-28.csv")["text"]
    series, column = texts.iloc[:3000], pa.array(texts.iloc[3000:6000])
    with BatchScorer(workers=2) as batch:
        parallel = batch.score(series)
        assert batch._pool is not None
        from_arrow = batch.score(column)  # goes to the workers as Arrow parts
    np.testing.assert_array_equal(parallel, score_texts(series).to_numpy())
    np.testing.assert_array_equal(from_arrow, score_texts(column).to_numpy())


def test_cached_scores_stay_right_through_evictions() -> None:
    texts = [f"text {i} is {'good' if i % 3 else 'bad'} {'!' * (i % 5)}" for i in range(60)]
    want = score_texts(texts).to_numpy()
    rng = np.random.default_rng(0)
    with BatchScorer(workers=1, cache_size=16) as batch:
        for _ in range(30):
            pick = rng.choice(60, size=int(rng.integers(1, 40)))
            np.testing.assert_array_equal(batch.score([texts[i] for i in pick]), want[pick])
            assert len(batch._cache) <= 16
        assert batch.texts_scored < batch.texts_seen  # some came from the cache


def test_bad_worker_count() -> None:
    with pytest.raises(ValueError, match="workers"):
        BatchScorer(workers=0)
