"""Agreement of scores with human labels: thresholds, cross-fitting, per-day figures."""

from __future__ import annotations

import numpy as np
import pytest

from sentcast.errors import DataError
from sentcast.evaluation.agreement import (
    best_thresholds,
    crossfit_codes,
    daily_agreement,
    label_codes,
    predict_codes,
    text_agreement,
)


def test_label_codes() -> None:
    assert label_codes(["negative", "neutral", "positive"]).tolist() == [-1, 0, 1]
    with pytest.raises(DataError, match="negative / neutral / positive"):
        label_codes(["positive", "great"])


def test_three_class_thresholds_separate_the_bands() -> None:
    scores = np.array([-0.9, -0.6, -0.1, 0.0, 0.1, 0.6, 0.9])
    codes = np.array([-1, -1, 0, 0, 0, 1, 1])
    lo, hi = best_thresholds(scores, codes)
    assert -0.6 < lo <= -0.1 and 0.1 < hi <= 0.6
    assert predict_codes(scores, lo, hi).tolist() == codes.tolist()


def test_two_class_threshold_has_no_neutral_band() -> None:
    # scores shifted upwards: the best cut is not 0
    scores = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.8])
    codes = np.array([-1, -1, -1, 1, 1, 1])
    lo, hi = best_thresholds(scores, codes)
    assert lo == hi and 0.3 < lo <= 0.6
    all_negative = best_thresholds(np.array([0.1, 0.2]), np.array([-1, -1]))
    assert predict_codes(np.array([0.1, 0.2]), *all_negative).tolist() == [-1, -1]


def test_crossfit_uses_thresholds_from_the_other_fold() -> None:
    rng = np.random.default_rng(0)
    codes = np.repeat([-1, 1], 50)
    scores = codes * 0.5 + rng.normal(0, 0.3, 100)
    predicted = crossfit_codes(scores, codes)
    result = text_agreement(scores, codes, predicted)
    assert result["n"] == 100 and 0.8 < result["accuracy"] < 1.0
    assert result["pearson_r"] == pytest.approx(np.corrcoef(scores, codes)[0, 1])
    # a score unrelated to the labels agrees at chance level
    noise = rng.normal(0, 1, 100)
    assert text_agreement(noise, codes, crossfit_codes(noise, codes))["accuracy"] < 0.65


def test_daily_agreement_counts_days_and_signs() -> None:
    days = ["d1"] * 3 + ["d2"] * 3 + ["d3"] * 3 + ["d4"] * 2
    codes = np.array([1, 1, 0, -1, -1, 0, 1, -1, 0, 1, 1])
    scores = np.array([0.5, 0.4, 0.0, -0.5, -0.2, 0.1, 0.2, -0.3, 0.0, 0.9, 0.9])
    predicted = np.array([1, 1, 0, -1, 0, 0, 1, 1, 0, 1, 1])  # d3: human mean 0 (left out)
    result = daily_agreement(days, scores, codes, predicted, min_per_day=3)
    assert result["n_days"] == 3  # d4 has 2 texts
    assert result["accuracy"] == 1.0
    wrong = predicted.copy()
    wrong[3:6] = 1  # d2 now leans positive against a negative human mean
    assert daily_agreement(days, scores, codes, wrong, min_per_day=3)["accuracy"] == 0.5
    assert np.isnan(daily_agreement(days, scores, codes, predicted, min_per_day=9)["pearson_r"])
