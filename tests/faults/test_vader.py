"""Hostile texts for the VADER scorer: every one gets the reference's score or a NaN row."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from sentcast.sentiment import FastVaderAnalyzer, VaderScorer, vader_vocabulary
from sentcast.sentiment.vader_columns import ColumnarVader
from tests.sentiment.test_vader import _reference_rows
from tests.sentiment.test_vader_columns import _rule_heavy_texts


def test_lone_surrogates_are_scored_text_by_text() -> None:
    texts = ["good \udcff day", "bad", "\ud800"]  # not encodable as UTF-8, so not as Arrow
    got = VaderScorer().score(texts)
    np.testing.assert_array_equal(got[:2], _reference_rows(texts[:2]))
    np.testing.assert_array_equal(got[2], _reference_rows(texts[2:])[0])


def test_nulls_and_texts_without_words_give_nan_rows() -> None:
    texts = ["good", None, "", " \t\u3000", "@someone https://t.co/x", "RT @a:"]
    got = VaderScorer().score(pa.array(texts))
    assert not np.isnan(got[0]).any()
    assert np.isnan(got[1:]).all()


def test_a_flood_of_distinct_tokens_restarts_the_vocabulary(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = _rule_heavy_texts(400, seed=1)
    monkeypatch.setattr(vader_vocabulary, "_MAX_TOKENS", 200)
    columnar = ColumnarVader(FastVaderAnalyzer())
    first = columnar.scores(pa.array(texts[:200]))
    second = columnar.scores(pa.array(texts[200:]))  # more new tokens than the bound: reset
    assert len(columnar._vocabulary.cleaned) < len(set(" ".join(texts).split()))
    np.testing.assert_array_equal(np.vstack([first, second]), _reference_rows(texts))


def test_a_very_long_text_is_exact() -> None:
    words = " ".join(_rule_heavy_texts(400, seed=2))  # about 2,800 words, one text
    fast = FastVaderAnalyzer()  # equals the reference (tests/sentiment), which is quadratic
    got = ColumnarVader(fast).scores(pa.array([words, words.replace(" but", "")]))
    np.testing.assert_array_equal(got, [fast.scores(words), fast.scores(words.replace(" but", ""))])
