"""Forecast error metrics in the study's scaled units, in USD, MAPE and direction accuracy.

``rmse`` / ``mae`` are in the target's units divided by the range (max - min) of the training
targets: for ``price`` targets these are exactly the errors of the min-max scaled close the
study reports. ``rmse_usd`` / ``mae_usd`` / ``mape`` compare the implied close with the true
close; ``dir_acc`` is the share of samples whose predicted move (implied close vs. the last
close of the window) has the sign of the true move, among the samples with a predicted move
(NaN for the naive "no change" forecast, which predicts none); for ``direction`` targets it is
the accuracy.
"""

from __future__ import annotations

import numpy as np


def implied_price(kind: str, prediction: np.ndarray, last_close: np.ndarray) -> np.ndarray:
    """Close implied by a prediction: itself (``price``), ``last * exp(r)`` (``log_return``);
    NaN for ``direction``."""
    if kind == "price":
        return np.asarray(prediction, dtype=float)
    if kind == "log_return":
        return np.asarray(last_close, dtype=float) * np.exp(prediction)
    return np.full(len(prediction), np.nan)


def forecast_metrics(
    kind: str,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    last_close: np.ndarray,
    target_close: np.ndarray,
    target_range: float,
) -> dict[str, float]:
    """``rmse, mae, rmse_usd, mae_usd, mape, dir_acc`` of one split (see module docstring).

    Parameters
    ----------
    kind : {"price", "log_return", "direction"}
    y_true, y_pred : numpy.ndarray
        Targets and predictions in the target's units.
    last_close, target_close : numpy.ndarray
        Close on the window's last day and on the target day.
    target_range : float
        ``max - min`` of the training targets (scale of ``rmse`` / ``mae``).
    """
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    true_move = np.sign(target_close - last_close)
    if kind == "direction":
        acc = float(np.mean(y_pred == y_true))
        nan = float("nan")
        return {
            "rmse": nan,
            "mae": nan,
            "rmse_usd": nan,
            "mae_usd": nan,
            "mape": nan,
            "dir_acc": acc,
        }
    err = (y_pred - y_true) / (target_range if target_range > 0 else 1.0)
    price = implied_price(kind, y_pred, last_close)
    usd = price - target_close
    moved = np.sign(price - last_close) != 0
    hits = np.sign(price - last_close)[moved] == true_move[moved]
    return {
        "rmse": float(np.sqrt(np.mean(err**2))),
        "mae": float(np.mean(np.abs(err))),
        "rmse_usd": float(np.sqrt(np.mean(usd**2))),
        "mae_usd": float(np.mean(np.abs(usd))),
        "mape": float(np.mean(np.abs(usd) / np.abs(target_close)) * 100.0),
        "dir_acc": float(np.mean(hits)) if moved.any() else float("nan"),
    }
