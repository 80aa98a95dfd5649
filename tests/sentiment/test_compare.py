from __future__ import annotations

import numpy as np
import pytest

from sentcast.errors import DataError
from sentcast.sentiment.compare import compare_presets
from sentcast.sentiment.vader import VaderScorer
from sentcast.text import TextPipeline

TEXTS = [
    "Bitcoin is NOT good!!! :(",
    "I don't love this dip, but HODL!!!",
    "great gains today :)",
    "https://t.co/only-a-link",
    "the market is open",
]


def test_compare_presets_scores_each_text_under_both_presets() -> None:
    result = compare_presets(TEXTS, "vader", "study")
    assert result.texts == [t for t in TEXTS if "only-a-link" not in t]
    light = VaderScorer(TextPipeline.preset("vader")).score(result.texts)[:, -1]
    heavy = VaderScorer(TextPipeline.preset("study")).score(result.texts)[:, -1]
    np.testing.assert_array_equal(result.compound_a, light)
    np.testing.assert_array_equal(result.compound_b, heavy)
    np.testing.assert_array_equal(result.classes_a, [0, -1, 1, 0])
    text = result.summary(examples=2)
    assert "texts compared: 4" in text and "flips: 25.0%" in text
    assert repr(TEXTS[1]) in text.splitlines()[-2]


def test_same_preset_changes_nothing() -> None:
    result = compare_presets(TEXTS, "vader", "vader")
    assert "mean |compound difference|: 0.0000; changed: 0.0%" in result.summary()


def test_nothing_to_compare_is_a_data_error() -> None:
    with pytest.raises(DataError, match="no text to compare"):
        compare_presets(["https://t.co/only-a-link", ""], "vader", "study")
