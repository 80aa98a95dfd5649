"""How well sentiment scores agree with human labels: Pearson r and accuracy, per text and day.

Human labels become codes (negative -1, neutral 0, positive +1). A score in ``[-1, 1]``
(VADER's compound, a classifier's ``P(positive) - P(negative)``) is compared with them in two
ways:

* Pearson r between the scores and the codes;
* accuracy of the label read off the score with thresholds: ``-1`` below ``lo``, ``+1`` at or
  above ``hi``, ``0`` between (two-class sets: ``lo == hi``, no neutral band). The thresholds
  are **cross-fitted**: the rows are cut into stratified folds and each fold is labelled with
  the thresholds that maximise accuracy on the other folds, so no row is labelled with
  thresholds chosen on it.

Per day, the mean score and the mean code of each day with enough texts are correlated, and a
day counts as agreeing when the mean of its predicted codes leans the same way (sign) as the
mean of its human codes (days whose human mean is exactly 0 are left out of that share).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import pearsonr
from sklearn.model_selection import StratifiedKFold

from sentcast.errors import DataError

CODES = {"negative": -1, "neutral": 0, "positive": 1}
_CANDIDATES = 101


def label_codes(labels: Sequence[str]) -> np.ndarray:
    """``-1`` / ``0`` / ``+1`` per label.

    Raises
    ------
    DataError
        For a label other than ``negative``, ``neutral``, ``positive``.
    """
    unknown = sorted(set(labels) - set(CODES))
    if unknown:
        raise DataError(f"labels must be negative / neutral / positive, got {unknown[:3]}")
    return np.array([CODES[label] for label in labels], dtype=np.int8)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(pearsonr(x, y).statistic)


def predict_codes(scores: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``-1`` below ``lo``, ``+1`` at or above ``hi``, ``0`` between."""
    return np.where(scores < lo, -1, np.where(scores >= hi, 1, 0)).astype(np.int8)


def best_thresholds(scores: np.ndarray, codes: np.ndarray) -> tuple[float, float]:
    """``(lo, hi)`` with the highest accuracy on these rows (first best on ties).

    Candidates are 101 quantiles of ``scores``. Without a neutral code, ``lo == hi``.
    """
    cands = np.unique(np.quantile(scores, np.linspace(0, 1, _CANDIDATES)))
    cands = np.append(cands, np.inf)  # "nothing at or above": every row below
    below = scores[None, :] < cands[:, None]  # (k, n)
    neg_below = (below & (codes == -1)).sum(axis=1)
    pos_above = (~below & (codes == 1)).sum(axis=1)
    if not (codes == 0).any():
        best = int(np.argmax(neg_below + pos_above))
        return float(cands[best]), float(cands[best])
    neu_below = (below & (codes == 0)).sum(axis=1)
    # correct(lo=i, hi=j) for j >= i: negatives below i, positives from j, neutrals in [i, j)
    correct = neg_below[:, None] + pos_above[None, :] + neu_below[None, :] - neu_below[:, None]
    correct = np.where(np.triu(np.ones_like(correct, dtype=bool)), correct, -1)
    i, j = np.unravel_index(int(np.argmax(correct)), correct.shape)
    return float(cands[i]), float(cands[j])


def crossfit_codes(
    scores: np.ndarray, codes: np.ndarray, folds: int = 2, seed: int = 0
) -> np.ndarray:
    """Predicted codes, each fold's from thresholds chosen on the other folds (stratified)."""
    predicted = np.zeros(len(codes), dtype=np.int8)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fit_idx, eval_idx in splitter.split(scores.reshape(-1, 1), codes):
        lo, hi = best_thresholds(scores[fit_idx], codes[fit_idx])
        predicted[eval_idx] = predict_codes(scores[eval_idx], lo, hi)
    return predicted


def text_agreement(scores: np.ndarray, codes: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
    """``n``, ``pearson_r`` (scores vs codes) and ``accuracy`` (predicted vs codes)."""
    return {
        "n": len(codes),
        "pearson_r": _pearson(scores.astype(float), codes.astype(float)),
        "accuracy": float(np.mean(predicted == codes)),
    }


def daily_agreement(
    days: Sequence[Any],
    scores: np.ndarray,
    codes: np.ndarray,
    predicted: np.ndarray,
    min_per_day: int = 3,
) -> dict[str, Any]:
    """Per-day agreement over the days with at least ``min_per_day`` texts.

    Returns ``n_days``, ``pearson_r`` (daily mean score vs daily mean code) and ``accuracy``
    (share of days, among those whose mean code is not 0, where the mean predicted code has
    the sign of the mean human code).
    """
    frame = pd.DataFrame({"day": days, "score": scores, "code": codes, "pred": predicted})
    daily = frame.groupby("day").agg(
        n=("code", "size"), score=("score", "mean"), code=("code", "mean"), pred=("pred", "mean")
    )
    daily = daily[daily["n"] >= min_per_day]
    leaning = daily[daily["code"] != 0]
    same = np.sign(leaning["pred"]) == np.sign(leaning["code"])
    return {
        "n_days": len(daily),
        "pearson_r": _pearson(daily["score"].to_numpy(), daily["code"].to_numpy()),
        "accuracy": float(same.mean()) if len(leaning) else float("nan"),
    }
