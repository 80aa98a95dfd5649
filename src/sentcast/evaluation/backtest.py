"""Walk-forward backtest: consecutive out-of-sample test blocks, a fresh model for every fold.

Test blocks
-----------
``folds`` blocks of ``step`` samples (default: the samples cut into ``folds + 1`` equal blocks,
the first one only ever trains) end with the last sample; or ``dates``, the first target day
of every block (each block runs to the next one, the last to the end of the data).

Training
--------
Fold ``j`` trains on the samples before its block (``expanding``), or on the last
``train_size`` of them (``sliding``), minus the ``horizon - 1`` samples that aim past the day
the first test window ends (the purge rule of :func:`~sentcast.features.windows.split_windows`).
Every fold clones and refits the estimator: its training samples are split chronologically
once more, the last ``validation`` share (purged the same way) being the fold's validation part
for choices (early stopping, ridge penalty); scalers live inside the estimators, so they are
refitted on each fold's training part. Features fitted on data (the principal components of a
reduced group such as ``TextEmb``) are fitted again on each fold's training part through
``refit``.

Scores
------
:func:`walk_forward` returns the out-of-sample predictions; :func:`fold_scores` scores them
per fold and pooled over all folds against the naive forecast of the same samples, in units
comparable across folds: USD (implied close for ``log_return``), MAPE, direction accuracy with
a binomial test, the RMSE ratio to naive (error-rate ratio for ``direction``), and over the
pooled predictions a Diebold–Mariano test against naive (``horizon - 1`` lags).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from sentcast.errors import DataError
from sentcast.evaluation.regression import direction_hits, forecast_metrics, naive_ratio
from sentcast.evaluation.stats import diebold_mariano, direction_pvalue
from sentcast.features.windows import WindowedSamples, split_windows
from sentcast.models.statistical import close_history, fit_forecaster, predict_forecaster

#: Metrics of every fold and of the pooled predictions (all comparable across folds).
FOLD_METRICS = ["rmse_usd", "mae_usd", "mape", "dir_acc", "dir_pvalue", "rmse_ratio_naive"]


def chance_accuracy(samples: WindowedSamples) -> float:
    """Accuracy of always guessing the majority direction of ``samples`` (a training part)."""
    up = float(np.mean(samples.target_close > samples.last_close)) if len(samples) else 0.5
    return max(up, 1.0 - up)


def fold_blocks(
    samples: WindowedSamples,
    folds: int = 5,
    step: int | None = None,
    dates: Sequence[str | pd.Timestamp] = (),
) -> list[tuple[int, int]]:
    """``[start, stop)`` sample positions of every test block (see the module docstring).

    Raises
    ------
    DataError
        A block would have fewer than 2 samples or leave fewer than 2 earlier ones to train on.
    """
    n = len(samples)
    if dates:
        starts = [int(samples.target_dates.searchsorted(pd.Timestamp(d))) for d in dates]
        bounds = [*starts, n]
    else:
        if folds < 1:
            raise DataError(f"walk-forward needs folds >= 1, got {folds}")
        size = step or n // (folds + 1)
        bounds = [n - (folds - j) * size for j in range(folds + 1)]
    blocks = list(itertools.pairwise(bounds))
    if not blocks or bounds[0] < 2 or any(stop - start < 2 for start, stop in blocks):
        shown = ", ".join(map(str, bounds[:4])) + (", ..." if len(bounds) > 4 else "")
        raise DataError(
            f"{n} samples are too few for {len(blocks)} walk-forward blocks (each needs >= 2 "
            f"samples, and >= 2 before the first; blocks start at {shown})"
        )
    return blocks


def walk_forward(
    estimator: BaseEstimator,
    samples: WindowedSamples,
    folds: int = 5,
    horizon: int = 1,
    *,
    step: int | None = None,
    dates: Sequence[str | pd.Timestamp] = (),
    window: Literal["expanding", "sliding"] = "expanding",
    train_size: int | None = None,
    validation: float = 0.2,
    on_fold: Callable[[int], None] | None = None,
    refit: Callable[[int, int], WindowedSamples] | None = None,
) -> pd.DataFrame:
    """Fit a clone of ``estimator`` per fold and predict the fold's test block.

    Parameters
    ----------
    estimator : BaseEstimator
        Unfitted forecaster with ``fit(X, y, validation=(Xv, yv))`` and ``predict(X)``.
    samples : WindowedSamples
        Every sample of the cell, chronological.
    folds, step, dates
        Test blocks, see :func:`fold_blocks`.
    horizon : int
        Target horizon ``h`` (purge of ``h - 1`` samples before each block).
    window : {"expanding", "sliding"}
        Training on all earlier samples or on the last ``train_size`` of them.
    train_size : int, optional
        Sliding window length in samples (default: the first fold's training size).
    validation : float
        Share of each fold's training samples kept for choices (early stopping, penalties).
    on_fold : callable, optional
        Called with the fold number after each fold.
    refit : callable, optional
        ``refit(first, stop)``: every sample again, with the features that are fitted on data
        fitted on the training samples ``first .. stop - 1`` only (see
        :meth:`~sentcast.experiments.forecast_data.CellData.refit_samples`); called once per
        fold, whose training, validation and test samples are then taken from its result.

    Returns
    -------
    pandas.DataFrame
        One row per out-of-sample prediction: ``fold, train_start, train_end, n_train,
        n_validation, chance, end_date, target_date, y_true, y_pred, last_close,
        target_close`` (``chance``: majority-direction share of the fold's training part).
    """
    blocks = fold_blocks(samples, folds, step, dates)
    history = close_history(samples)
    purge = horizon - 1
    size = train_size or blocks[0][0] - purge
    frames = []
    for j, (start, stop) in enumerate(blocks):
        end = start - purge
        begin = 0 if window == "expanding" else max(end - size, 0)
        if end - begin < 2:
            raise DataError(f"walk-forward fold {j} has {max(end - begin, 0)} training samples")
        parts = split_windows(samples.take(np.arange(begin, end)), validation=validation)
        fold = samples if refit is None else refit(begin, begin + len(parts.train))
        if fold is not samples:
            parts = split_windows(fold.take(np.arange(begin, end)), validation=validation)
        train, val = parts.train, parts.validation
        model: Any = fit_forecaster(clone(estimator), train, val, history)
        test = fold.take(np.arange(start, stop))
        frames.append(
            pd.DataFrame(
                {
                    "fold": j,
                    "train_start": train.target_dates[0],
                    "train_end": val.target_dates[-1],
                    "n_train": len(train),
                    "n_validation": len(val),
                    "chance": chance_accuracy(train),
                    "end_date": test.end_dates,
                    "target_date": test.target_dates,
                    "y_true": test.y,
                    "y_pred": predict_forecaster(model, test, history),
                    "last_close": test.last_close,
                    "target_close": test.target_close,
                }
            )
        )
        if on_fold is not None:
            on_fold(j)
    return pd.concat(frames, ignore_index=True)


def _scores(kind: str, rows: pd.DataFrame, naive: pd.DataFrame) -> dict[str, float]:
    args = (rows["last_close"].to_numpy(), rows["target_close"].to_numpy())
    y = rows["y_true"].to_numpy()
    metrics = forecast_metrics(kind, y, rows["y_pred"].to_numpy(), *args, 1.0)
    base = forecast_metrics(kind, y, naive["y_pred"].to_numpy(), *args, 1.0)
    hits, n = direction_hits(kind, y, rows["y_pred"].to_numpy(), *args)
    chance = float(np.average(rows["chance"])) if len(rows) else 0.5
    metrics["dir_pvalue"] = direction_pvalue(hits, n, chance)
    metrics["rmse_ratio_naive"] = naive_ratio(kind, metrics, base)
    return {k: metrics[k] for k in FOLD_METRICS}


def fold_scores(
    predictions: pd.DataFrame, naive: pd.DataFrame, kind: str, horizon: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-fold and pooled scores of one model's :func:`walk_forward` predictions.

    Parameters
    ----------
    predictions, naive : pandas.DataFrame
        :func:`walk_forward` output of the model and of the naive forecaster on the same
        samples and blocks.
    kind : {"price", "log_return", "direction"}
    horizon : int
        Lags ``h - 1`` of the Diebold–Mariano long-run variance.

    Returns
    -------
    folds : pandas.DataFrame
        ``fold, test_start, test_end, n_train, n_validation, n_test`` and :data:`FOLD_METRICS`.
    pooled : dict
        ``folds, n_test``, :data:`FOLD_METRICS` over every fold's predictions, ``dm_stat``,
        ``dm_pvalue``.

    Raises
    ------
    DataError
        The naive predictions are not of the same samples.
    """
    keys = ["fold", "end_date"]
    if not predictions[keys].reset_index(drop=True).equals(naive[keys].reset_index(drop=True)):
        raise DataError("backtest predictions and naive predictions cover different samples")
    rows = []
    for fold, part in predictions.groupby("fold", sort=True):
        base = naive[naive["fold"] == fold]
        rows.append(
            {
                "fold": fold,
                "test_start": part["target_date"].iloc[0],
                "test_end": part["target_date"].iloc[-1],
                "n_train": int(part["n_train"].iloc[0]),
                "n_validation": int(part["n_validation"].iloc[0]),
                "n_test": len(part),
                **_scores(kind, part, base),
            }
        )
    y = predictions["y_true"].to_numpy()
    dm = diebold_mariano(
        predictions["y_pred"].to_numpy() - y, naive["y_pred"].to_numpy() - y, horizon
    )
    pooled = {
        "folds": len(rows),
        "n_test": len(predictions),
        **_scores(kind, predictions, naive),
        "dm_stat": dm.statistic,
        "dm_pvalue": dm.pvalue,
    }
    return pd.DataFrame(rows), pooled
