"""Agreement of scores with human labels: thresholds, cross-fitting, per-day figures."""

from __future__ import annotations

import warnings

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


def test_label_error_names_the_first_three_unknown_labels_sorted() -> None:
    with pytest.raises(DataError) as err:
        label_codes(["positive", "zz", "great", "awful", "bad", "great"])
    assert str(err.value) == (
        "labels must be negative / neutral / positive, got ['awful', 'bad', 'great']"
    )


def test_codes_are_one_byte_integers() -> None:
    assert label_codes(["positive", "negative"]).dtype == np.int8
    assert label_codes([]).dtype == np.int8 and label_codes([]).shape == (0,)
    assert predict_codes(np.array([-0.5, 0.0, 0.5]), -0.1, 0.1).dtype == np.int8
    scores, codes = np.array([-0.8, -0.2, 0.3, 0.9]), np.array([-1, -1, 1, 1])
    assert crossfit_codes(scores, codes).dtype == np.int8


def test_predict_codes_lo_is_neutral_and_hi_is_positive() -> None:
    scores = np.array([-0.6, -0.5, -0.4999, 0.4999, 0.5, 0.6])
    assert predict_codes(scores, -0.5, 0.5).tolist() == [-1, 0, 0, 0, 1, 1]
    # two-class: lo == hi, a score equal to the cut is positive
    assert predict_codes(np.array([0.19, 0.2, 0.21]), 0.2, 0.2).tolist() == [-1, 1, 1]


def _brute_force_accuracy(scores: np.ndarray, codes: np.ndarray) -> float:
    """Best accuracy over every cut pair (a cut below every score, between two, or above all)."""
    values = np.unique(scores)
    cuts = np.concatenate([[values[0]], (values[:-1] + values[1:]) / 2, [np.inf]])
    best = 0.0
    for lo in cuts:
        for hi in cuts if (codes == 0).any() else [lo]:
            if hi < lo:
                continue
            label = np.where(scores < lo, -1, np.where(scores >= hi, 1, 0))
            best = max(best, float(np.mean(label == codes)))
    return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("classes", [(-1, 1), (-1, 0, 1), (-1, 0), (0, 1)])
def test_thresholds_reach_the_best_accuracy_of_any_cut(seed: int, classes: tuple) -> None:
    # up to 101 distinct scores, the 101 quantile candidates reach every cut
    rng = np.random.default_rng(seed)
    n = [12, 40, 101][seed % 3]
    codes = rng.choice(classes, n)
    scores = np.round(0.4 * codes + rng.normal(0, 0.5, n), 6)
    scores = scores + np.arange(n) * 1e-9  # distinct
    lo, hi = best_thresholds(scores, codes)
    assert lo <= hi
    assert lo == hi or 0 in classes
    accuracy = float(np.mean(predict_codes(scores, lo, hi) == codes))
    assert accuracy == pytest.approx(_brute_force_accuracy(scores, codes), abs=1e-12)


def test_tied_thresholds_take_the_first_best() -> None:
    # two-class: a cut in (0.1, 0.2] and one in (0.3, 0.4] both get 3 of 4 right
    lo, hi = best_thresholds(np.array([0.1, 0.2, 0.3, 0.4]), np.array([-1, 1, -1, 1]))
    assert lo == hi and 0.1 < lo <= 0.2
    # three-class: (lo = 0.1, hi in (0.1, 0.3]) and (lo in (0.2, 0.3], hi in (0.2, 0.3]) both
    # get 2 of 3 right; the first is the lowest lo, then the lowest hi
    lo, hi = best_thresholds(np.array([0.1, 0.2, 0.3]), np.array([0, -1, 1]))
    assert lo == 0.1 and 0.1 < hi <= 0.2


def test_no_positive_label_puts_hi_at_infinity() -> None:
    scores, codes = np.array([0.1, 0.2, 0.3, 0.4]), np.array([-1, -1, 0, 0])
    lo, hi = best_thresholds(scores, codes)
    assert 0.2 < lo <= 0.3 and hi == np.inf
    assert predict_codes(scores, lo, hi).tolist() == [-1, -1, 0, 0]


def test_all_neutral_rows_are_labelled_neutral() -> None:
    scores, codes = np.array([-0.5, 0.0, 0.2, 0.7]), np.zeros(4, dtype=int)
    lo, hi = best_thresholds(scores, codes)
    assert lo == -0.5 and hi == np.inf
    assert predict_codes(scores, lo, hi).tolist() == [0, 0, 0, 0]


def test_crossfit_never_labels_a_row_with_thresholds_chosen_on_it() -> None:
    # default two folds, one negative and one positive each. Fitted on one negative and one
    # positive, the first best cut lies just above that negative (at 1/100 of the way to the
    # positive), so -0.2 is labelled positive whichever fold it is in: its fold's cut comes
    # from -0.8. In-sample thresholds would get all four right.
    scores, codes = np.array([-0.8, -0.2, 0.3, 0.9]), np.array([-1, -1, 1, 1])
    assert crossfit_codes(scores, codes).tolist() == [-1, 1, 1, 1]
    assert predict_codes(scores, *best_thresholds(scores, codes)).tolist() == [-1, -1, 1, 1]
    # three folds need three rows of every class
    with pytest.raises(ValueError, match="n_splits=3"):
        crossfit_codes(scores, codes, folds=3)


def test_crossfit_default_seed_is_0_and_reproducible() -> None:
    rng = np.random.default_rng(3)
    codes = np.repeat([-1, 0, 1], 20)
    scores = 0.3 * codes + rng.normal(0, 0.4, 60)
    default = crossfit_codes(scores, codes)
    assert default.tolist() == crossfit_codes(scores, codes).tolist()
    assert default.tolist() == crossfit_codes(scores, codes, folds=2, seed=0).tolist()
    assert default.tolist() != crossfit_codes(scores, codes, seed=1).tolist()


def test_text_pearson_r_from_three_points_and_nan_below() -> None:
    scores, codes = np.array([0.0, 0.5, 1.0]), np.array([0, 0, 1], dtype=np.int8)
    result = text_agreement(scores, codes, codes)
    assert result["pearson_r"] == pytest.approx(np.corrcoef(scores, codes)[0, 1])
    assert result["pearson_r"] == pytest.approx(np.sqrt(3) / 2)
    assert (result["n"], result["accuracy"]) == (3, 1.0)
    assert np.isnan(text_agreement(scores[:2], codes[1:], codes[1:])["pearson_r"])


def test_constant_scores_or_codes_give_nan_without_a_warning() -> None:
    varying, constant = np.array([-1, 0, 1, 1], dtype=np.int8), np.full(4, 0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(text_agreement(constant, varying, varying)["pearson_r"])
        same = np.ones(4, dtype=np.int8)
        assert np.isnan(text_agreement(np.array([0.1, 0.2, 0.4, 0.5]), same, same)["pearson_r"])


def test_daily_agreement_default_keeps_days_with_three_texts() -> None:
    days = ["a"] * 3 + ["b"] * 3 + ["c"] * 3 + ["d"] * 2 + ["e"] * 3
    codes = np.array([1, 1, 0, -1, -1, 1, 0, 0, 0, 1, 1, -1, 0, 0])
    scores = np.array([0.6, 0.3, 0.0, -0.6, -0.3, 0.3, 0.1, -0.1, 0.3, 0.9, 0.9, -0.9, 0, 0])
    predicted = np.array([1, 1, 0, -1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1])
    result = daily_agreement(days, scores, codes, predicted)
    # d (2 texts) is left out; c has human mean 0 and is left out of the share only;
    # a: +2/3 vs pred +2/3 (same), b: -1/3 vs -1/3 (same), e: -1/3 vs +2/3 (not)
    assert result["n_days"] == 4
    assert result["accuracy"] == pytest.approx(2 / 3)
    mean_score, mean_code = [0.3, -0.2, 0.1, -0.3], [2 / 3, -1 / 3, 0.0, -1 / 3]
    assert result["pearson_r"] == pytest.approx(np.corrcoef(mean_score, mean_code)[0, 1])
    only_neutral_days = daily_agreement(days[6:9], scores[6:9], codes[6:9], predicted[6:9])
    assert only_neutral_days["n_days"] == 1 and np.isnan(only_neutral_days["accuracy"])
