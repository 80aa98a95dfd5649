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


def direction_hits(
    kind: str,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    last_close: np.ndarray,
    target_close: np.ndarray,
) -> tuple[int, int]:
    """``(hits, n)``: correct directions among the ``n`` samples that predict one.

    ``direction`` targets: every sample predicts one (its class). Otherwise the predicted move
    is the implied close against the last close; "no change" predicts none.
    """
    y_pred = np.asarray(y_pred, dtype=float)
    if kind == "direction":
        return int(np.sum(y_pred == np.asarray(y_true, dtype=float))), len(y_pred)
    predicted = np.sign(implied_price(kind, y_pred, last_close) - last_close)
    moved = predicted != 0
    true_move = np.sign(np.asarray(target_close, dtype=float) - last_close)
    return int(np.sum(predicted[moved] == true_move[moved])), int(moved.sum())


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
    hits, n = direction_hits(kind, y_true, y_pred, last_close, target_close)
    acc = hits / n if n else float("nan")
    if kind == "direction":
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
    usd = implied_price(kind, y_pred, last_close) - target_close
    return {
        "rmse": float(np.sqrt(np.mean(err**2))),
        "mae": float(np.mean(np.abs(err))),
        "rmse_usd": float(np.sqrt(np.mean(usd**2))),
        "mae_usd": float(np.mean(np.abs(usd))),
        "mape": float(np.mean(np.abs(usd) / np.abs(target_close)) * 100.0),
        "dir_acc": acc,
    }


def naive_ratio(kind: str, metrics: dict[str, float], naive: dict[str, float]) -> float:
    """Model error / naive error on the same samples: RMSE in USD, or for ``direction`` the
    error rate (``1 - dir_acc``); below 1 means better than naive."""
    if kind == "direction":
        return (1 - metrics["dir_acc"]) / max(1 - naive["dir_acc"], 1e-12)
    return metrics["rmse_usd"] / naive["rmse_usd"] if naive["rmse_usd"] > 0 else float("nan")
