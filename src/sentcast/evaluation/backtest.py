"""Walk-forward backtest: ``k`` expanding-window folds, a fresh model (and scaler) per fold.

The samples (chronological) are cut into ``k + 1`` consecutive blocks; fold ``j`` trains on
blocks ``0..j`` and tests on block ``j+1``. The last ``horizon - 1`` training samples of each
fold are purged, so no training target lies after the first test window ends. Scalers live
inside the estimators, so they are refitted on each fold's training data.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from sentcast.errors import DataError
from sentcast.evaluation.regression import forecast_metrics
from sentcast.features.windows import WindowedSamples


def walk_forward(
    estimator: BaseEstimator,
    samples: WindowedSamples,
    folds: int = 5,
    horizon: int = 1,
    on_fold: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Evaluate a clone of ``estimator`` on ``folds`` expanding-window folds.

    Returns
    -------
    pandas.DataFrame
        One row per fold: ``fold, train_start, train_end, test_start, test_end, n_train,
        n_test`` and the metrics of :func:`~sentcast.evaluation.regression.forecast_metrics`
        (scaled by each fold's training target range).

    Raises
    ------
    DataError
        Fewer samples than ``2 * (folds + 1)``.
    """
    n = len(samples)
    if folds < 1 or n < 2 * (folds + 1):
        raise DataError(f"{n} samples are too few for {folds} walk-forward folds")
    edges = np.linspace(0, n, folds + 2).astype(int)
    rows = []
    for j in range(folds):
        train = samples.take(np.arange(0, max(edges[j + 1] - (horizon - 1), 1)))
        test = samples.take(np.arange(edges[j + 1], edges[j + 2]))
        model = clone(estimator).fit(train.X, train.y)
        metrics = forecast_metrics(
            samples.target_kind,
            test.y,
            model.predict(test.X),
            test.last_close,
            test.target_close,
            float(np.ptp(train.y)),
        )
        rows.append(
            {
                "fold": j,
                "train_start": train.target_dates[0],
                "train_end": train.target_dates[-1],
                "test_start": test.target_dates[0],
                "test_end": test.target_dates[-1],
                "n_train": len(train),
                "n_test": len(test),
                **metrics,
            }
        )
        if on_fold is not None:
            on_fold(j)
    return pd.DataFrame(rows)
