from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from vaderSentiment import vaderSentiment as reference  # noqa: N813

from sentcast.sentiment import FastVaderAnalyzer, VaderScorer
from sentcast.text import TextPipeline

TRICKY = [
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Sentiment analysis has never been this good!",
    "With VADER, sentiment analysis is the shit!",
    "On the other hand, VADER is quite bad ass",
    "Without a doubt, excellent idea.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "no good no bad, no or nor happy",
    "good but bad but good good",
    "Why??? Really?? great",
    "😁😁abc 😁 x😁",
    "",
    "   ",
    "!!!",
    "kind of",
]


def _real_texts(shared: Path) -> list[str]:
    tweets = shared / "tweets"
    texts: list[str] = []
    texts += pd.read_csv(tweets / "bitcoin_tweets_2016-2017_sample.csv")["text"].tolist()
    hour = pd.read_csv(tweets / "bitcoin_tweets_2021-01-14_1h.csv")["text"].drop_duplicates()
    texts += hour.iloc[:2000].tolist()
    texts += pd.read_csv(tweets / "bitcoin_tweets_2017-02-28.csv")["text"].iloc[:1000].tolist()
    s140 = shared / "sentiment140"
    texts += pd.read_csv(s140 / "testdata.manual.2009.06.14.csv")["text"].tolist()
    sample = pd.read_csv(s140 / "sentiment140_train_sample.csv", encoding="latin-1")
    texts += sample["text"].iloc[:1000].tolist()
    imdb = pd.read_csv(shared / "imdb" / "IMDB_Dataset_first3180.csv")["review"]
    texts += imdb.iloc[:300].tolist()
    return [t for t in texts if isinstance(t, str)]


@pytest.fixture(scope="module")
def real_texts(shared_data: Path) -> list[str]:
    return _real_texts(shared_data)


def _reference_rows(texts: list[str]) -> np.ndarray:
    analyzer = reference.SentimentIntensityAnalyzer()
    rows = []
    for text in texts:
        s = analyzer.polarity_scores(text)
        rows.append([s["neg"], s["neu"], s["pos"], s["compound"]])
    return np.array(rows)


def test_fast_analyzer_equals_vadersentiment_on_real_texts(real_texts: list[str]) -> None:
    assert len(real_texts) >= 3000
    fast = FastVaderAnalyzer()
    got = np.array([fast.scores(t) for t in real_texts])
    want = _reference_rows(real_texts)
    assert np.abs(got - want).max() <= 1e-12
    assert (want[:, 3] != 0).sum() > 1000  # the comparison covers real sentiment, not zeros


def test_fast_analyzer_equals_reference_on_tricky_rules() -> None:
    fast = FastVaderAnalyzer()
    got = np.array([fast.scores(t) for t in TRICKY])
    np.testing.assert_array_equal(got, _reference_rows(TRICKY))


def test_fast_analyzer_reuses_the_package_lexicon() -> None:
    fast = FastVaderAnalyzer()
    assert isinstance(fast, reference.SentimentIntensityAnalyzer)
    assert fast.lexicon == reference.SentimentIntensityAnalyzer().lexicon
    # the fast path scores with that lexicon: a word's valence moves its compound score
    fast.lexicon = {**fast.lexicon, "good": -fast.lexicon["good"]}
    assert fast.scores("good")[3] < 0 < FastVaderAnalyzer().scores("good")[3]


def test_vader_scorer_scores_cleaned_text(real_texts: list[str]) -> None:
    texts = real_texts[:1500]
    pipeline = TextPipeline.preset("vader")
    got = VaderScorer().score(texts)
    cleaned = [pipeline.clean(t) for t in texts]
    empty = np.array([c == "" for c in cleaned])
    assert np.isnan(got[empty]).all()
    want = _reference_rows([c for c in cleaned if c])
    assert np.abs(got[~empty] - want).max() <= 1e-12


def test_vader_scorer_with_study_preset_differs_and_pickles() -> None:
    text = "RT @whale: Bitcoin is NOT looking good today... :( https://t.co/x"
    light = VaderScorer().score([text])[0]
    heavy = VaderScorer(TextPipeline.preset("study")).score([text])[0]
    assert light[3] < 0 < heavy[3]  # stopword "not" removed: the negation is lost
    clone = pickle.loads(pickle.dumps(VaderScorer(TextPipeline.preset("study"))))
    np.testing.assert_array_equal(clone.score([text])[0], heavy)
