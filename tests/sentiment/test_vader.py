from __future__ import annotations

import ast
import inspect
import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from vaderSentiment import vaderSentiment as reference  # noqa: N813

from sentcast.sentiment import FastVaderAnalyzer, VaderScorer
from sentcast.sentiment.vader_columns import ColumnarVader
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


def _vader_examples() -> list[str]:
    """Every text that vaderSentiment's own demo (its ``__main__`` block) assigns: sentences,
    tricky sentences, the paragraph (and its sentences), image tags, non-English sentences."""
    module = ast.parse(inspect.getsource(reference))
    demo = next(
        n for n in module.body if isinstance(n, ast.If) and "__main__" in ast.unparse(n.test)
    )
    texts = []
    for node in ast.walk(demo):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List | ast.Constant):
            values = node.value.elts if isinstance(node.value, ast.List) else [node.value]
            texts += [v.value for v in values if isinstance(v, ast.Constant)]
    texts = [t for t in texts if isinstance(t, str)]
    paragraph = max(texts, key=len)
    return texts + re.split(r"(?<=[.!])\s+", paragraph)


VADER_EXAMPLES = _vader_examples()


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


class CountingAnalyzer(FastVaderAnalyzer):
    """Counts the texts the columnar scorer leaves to the one-by-one path."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def scores(self, text: str) -> tuple[float, float, float, float]:
        self.calls += 1
        return super().scores(text)


def _reference_rows(texts: list[str]) -> np.ndarray:
    analyzer = reference.SentimentIntensityAnalyzer()
    rows = []
    for text in texts:
        s = analyzer.polarity_scores(text)
        rows.append([s["neg"], s["neu"], s["pos"], s["compound"]])
    return np.array(rows)


def test_both_implementations_equal_vadersentiment_on_the_parity_set(
    real_texts: list[str],
) -> None:
    """Text by text (FastVaderAnalyzer) and all at once (ColumnarVader), same reference."""
    assert len(real_texts) >= 3000
    texts = [" ".join(t.split()) for t in real_texts + TRICKY + VADER_EXAMPLES]
    texts = [t for t in texts if t]
    want = _reference_rows(texts)
    assert (want[:, 3] != 0).sum() > 1000  # the comparison covers real sentiment, not zeros
    fast = FastVaderAnalyzer()
    one_by_one = np.array([fast.scores(t) for t in texts])
    assert np.abs(one_by_one - want).max() <= 1e-12
    analyzer = CountingAnalyzer()
    columnar = ColumnarVader(analyzer).scores(pa.array(texts))
    assert np.abs(columnar - want).max() <= 1e-12
    assert analyzer.calls < 0.15 * len(texts)  # the arrays, not the fallback, did the work


def test_vader_examples_are_all_there() -> None:
    assert len(VADER_EXAMPLES) >= 60
    assert "Not bad at all" in VADER_EXAMPLES and "tear gas" in VADER_EXAMPLES
    assert "Without a doubt, an excellent idea." in VADER_EXAMPLES
    assert "Unbelievably bad acting!!" in VADER_EXAMPLES  # a sentence of the paragraph


def test_fast_analyzer_equals_reference_on_tricky_rules_and_vader_examples() -> None:
    fast = FastVaderAnalyzer()
    texts = TRICKY + VADER_EXAMPLES
    got = np.array([fast.scores(t) for t in texts])
    np.testing.assert_array_equal(got, _reference_rows(texts))


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
