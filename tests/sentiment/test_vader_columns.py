from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from vaderSentiment import vaderSentiment as reference  # noqa: N813

from sentcast.sentiment import VaderScorer, vader_columns
from sentcast.sentiment.vader_columns import ColumnarVader, builtin_sums
from sentcast.text import TextPipeline
from tests.sentiment.test_vader import CountingAnalyzer, _real_texts, _reference_rows

#: Words that trigger VADER's rules, mixed with lexicon words into random texts below.
# fmt: off
RULE_WORDS = [
    "no", "NO", "never", "so", "this", "THIS", "without", "doubt", "least", "at", "very",
    "VERY", "or", "nor", "kind", "of", "sort", "the", "shit", "bomb", "bad", "ass", "but",
    "But", "not", "isn't", "don't", "n't", "kinda", "extremely", "EXTREMELY", "barely", "just",
    "enough", "to", "die", "for", "yeah", "right", "kiss", "death", "bus", "stop", "beating",
    "heart", "good", "GOOD", "BAD", "great", "!", "?", "!!", "???", ":)", ":D", "...", "least,",
    "no!", "good!!", "never,", "😁", "💘", "a😁b", "🔛",
]
# fmt: on


def _rule_heavy_texts(n: int, seed: int) -> list[str]:
    """Random word sequences: half rule words, half lexicon words, some in capitals."""
    rng = np.random.default_rng(seed)
    lexicon = sorted(reference.SentimentIntensityAnalyzer().lexicon)
    texts = []
    for _ in range(n):
        words = [
            RULE_WORDS[rng.integers(len(RULE_WORDS))]
            if rng.random() < 0.5
            else lexicon[rng.integers(len(lexicon))]
            for _ in range(rng.integers(1, 14))
        ]
        texts.append(" ".join(w.upper() if rng.random() < 0.1 else w for w in words))
    return texts


def test_columnar_equals_reference_on_rule_heavy_texts() -> None:
    texts = _rule_heavy_texts(6000, seed=0)
    analyzer = CountingAnalyzer()
    got = ColumnarVader(analyzer).scores(pa.array(texts))
    np.testing.assert_array_equal(got, _reference_rows(texts))
    assert 0.03 * len(texts) < analyzer.calls < 0.3 * len(texts)  # both paths are exercised


def test_columnar_texts_are_cleaned_word_by_word_like_the_pipeline(shared_data: Path) -> None:
    texts = _real_texts(shared_data)[:3000]
    texts += ["RT @a: RT@b:good https://x.co/😁 www.bad.com 💘", "RT @a: @b https://t.co/x"]
    pipeline = TextPipeline.preset("vader")
    assert pipeline.cleans_words_alone
    got = VaderScorer(pipeline).score(texts)
    cleaned = [pipeline.clean(t) for t in texts]
    empty = np.array([c == "" for c in cleaned])
    assert np.isnan(got[empty]).all() and empty.sum() > 0
    np.testing.assert_array_equal(got[~empty], _reference_rows([c for c in cleaned if c]))


def test_arrow_splits_words_exactly_as_python() -> None:
    every_char = "".join(
        f"a{chr(c)}" for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000
    )
    texts = [every_char, "  lead and trail  ", "\u3000x\u2029y\x1c", ""]
    got = pc.utf8_split_whitespace(pa.array(texts)).to_pylist()
    assert [[w for w in words if w] for words in got] == [t.split() for t in texts]


@pytest.mark.parametrize("digits", [3, 4])
def test_rounding_is_pythons(digits: int) -> None:
    rng = np.random.default_rng(0)
    halves = (np.arange(-3000, 3000) + 0.5) / 10**digits
    values = np.concatenate(
        [rng.random(20000), halves, np.nextafter(halves, 2), np.nextafter(halves, -2)]
    )
    got = vader_columns._round(values, digits)
    want = np.array([round(v, digits) for v in values.tolist()])
    np.testing.assert_array_equal(got, want)
    assert (np.round(values, digits) != want).any()  # plain NumPy rounding would differ


def _neumaier_sum(values: list[float]) -> float:
    """CPython 3.12's ``sum`` of floats (Objects/bltinmodule.c), written out."""
    total, compensation = 0.0, 0.0
    for k, x in enumerate(values):
        if k == 0:
            total = 0.0 + x
            continue
        t = total + x
        compensation += (total - t) + x if abs(total) >= abs(x) else (x - t) + total
        total = t
    return total + compensation if compensation and math.isfinite(compensation) else total


def _naive_sum(values: list[float]) -> float:
    """CPython 3.11's ``sum`` of floats: one addition after another."""
    total = 0.0
    for x in values:
        total += x
    return total


@pytest.mark.parametrize("compensated", [False, True])
def test_builtin_sums_equal_python_sum(compensated: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    groups = [
        [1e16, 1.0, -1e16],  # naive and compensated sums differ (0.0 vs 1.0)
        [0.1] * 10,
        [],
        *([float(v) for v in rng.normal(0, 10.0 ** rng.integers(-3, 17), rng.integers(1, 9))]
          for _ in range(2000)),
    ]  # fmt: skip
    owner = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    values = np.array([v for g in groups for v in g])
    monkeypatch.setattr(vader_columns, "_COMPENSATED_SUM", compensated)
    got = builtin_sums(owner, values, len(groups))
    np.testing.assert_array_equal(
        got, [(_neumaier_sum if compensated else _naive_sum)(g) for g in groups]
    )
    if compensated == (sys.version_info >= (3, 12)):  # this Python's own sum
        np.testing.assert_array_equal(got, [float(sum(g)) for g in groups])
    assert got[0] == (1.0 if compensated else 0.0)
