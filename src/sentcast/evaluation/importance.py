"""Permutation feature importance for window inputs ``(N, T, F)``.

scikit-learn's ``permutation_importance`` needs 2-D inputs; here a feature is permuted as a whole
trajectory: sample ``i`` receives the ``T``-day history of that feature from sample ``π(i)``,
breaking its link with the target while keeping its distribution. A group (e.g. all
``Sentiment`` columns) is permuted jointly with one permutation. Importance = mean increase
of the RMSE over ``repeats`` permutations (in the units of ``score``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

Predictor = Callable[[np.ndarray], np.ndarray]


def _rmse(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(pred, dtype=float) - y) ** 2)))


def permutation_importance(
    predict: Predictor,
    X: np.ndarray,
    y: np.ndarray,
    features: Sequence[str],
    groups: Mapping[str, Sequence[str]],
    repeats: int = 3,
    seed: int = 0,
) -> pd.DataFrame:
    """Importance of every feature and every group on ``(X, y)``.

    Parameters
    ----------
    predict : callable
        Maps windows to predictions in the units of ``y``.
    X, y : numpy.ndarray
        Validation windows and targets.
    features : sequence of str
        Names of the ``F`` features.
    groups : mapping
        Group name -> its feature names.
    repeats : int
        Permutations per feature / group.
    seed : int
        Seed of the permutations.

    Returns
    -------
    pandas.DataFrame
        Columns ``feature, group, importance, importance_std``; group rows have
        ``feature == "(group)"``.
    """
    rng = np.random.default_rng(seed)
    y = np.asarray(y, dtype=float)
    base = _rmse(y, predict(X))
    group_of = {f: g for g, cols in groups.items() for f in cols}
    index = {f: i for i, f in enumerate(features)}
    targets = [(f, group_of.get(f, ""), [index[f]]) for f in features]
    targets += [("(group)", g, [index[f] for f in cols]) for g, cols in groups.items()]
    rows = []
    for name, group, columns in targets:
        scores = []
        for _ in range(repeats):
            order = rng.permutation(len(X))
            shuffled = X.copy()
            shuffled[:, :, columns] = X[order][:, :, columns]
            scores.append(_rmse(y, predict(shuffled)) - base)
        rows.append(
            {
                "feature": name,
                "group": group,
                "importance": float(np.mean(scores)),
                "importance_std": float(np.std(scores)),
            }
        )
    return pd.DataFrame(rows)
