"""Conformal prediction intervals for point forecasts, and their coverage, width and score.

Non-conformity score of a price forecast: the relative absolute error
``s = |y - y_hat| / last_close``, so that an interval ``y_hat ± q * last_close`` widens with the
price level. The calibration scores come from a part that no fit has seen (the validation part,
used only for choices); the intervals are then scored on the test part.

``split_conformal``
    one quantile of the calibration scores for every test sample (exchangeable scores);
``adaptive_conformal``
    the sequential variant for drifting series: at test step ``t`` the quantile of the
    calibration scores plus the test scores whose targets were already observed
    (index ``<= t - horizon``), optionally only the last ``window`` of them.

The quantile is the standard finite-sample one, as in MAPIE 1.6: the ``k``-th smallest of ``n``
scores with ``k = ceil((n + 1) * level)`` (the ``k/n`` empirical quantile), infinite when
``k > n``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sentcast.errors import DataError, UserInputError

#: Tolerance on ``(n + 1) * level`` so that e.g. ``20 * 0.95`` counts as exactly 19.
_EPS = 1e-9


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise UserInputError(f"interval level must be between 0 and 1 (exclusive), got {level}")


def _vector(values: np.ndarray, what: str) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    if not np.isfinite(array).all():
        raise DataError(f"{what}: {int((~np.isfinite(array)).sum())} non-finite value(s)")
    return array


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    """Split-conformal quantile of ``scores`` at ``level`` (see the module docstring).

    Parameters
    ----------
    scores : array-like of shape (n,)
        Non-conformity scores of the calibration samples (finite).
    level : float
        Nominal coverage in (0, 1), e.g. 0.8 or 0.95.

    Returns
    -------
    float
        The ``ceil((n + 1) * level)``-th smallest score; ``inf`` when ``n`` is too small for the
        level (fewer than ``level / (1 - level)`` scores).

    Raises
    ------
    UserInputError
        ``level`` outside (0, 1).
    DataError
        A non-finite score.
    """
    _check_level(level)
    values = _vector(scores, "conformity scores")
    n = len(values)
    k = math.ceil((n + 1) * level - _EPS)
    if k > n:
        return math.inf
    return float(np.partition(values, k - 1)[k - 1])


def relative_scores(y_true: np.ndarray, pred: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Non-conformity scores ``|y - y_hat| / scale`` (``scale``: each sample's last close)."""
    y, p, s = (_vector(v, name) for v, name in ((y_true, "y"), (pred, "pred"), (scale, "scale")))
    if not len(y) == len(p) == len(s):
        raise UserInputError(f"lengths differ: y {len(y)}, pred {len(p)}, scale {len(s)}")
    if (s <= 0).any():
        raise DataError("scale must be > 0 (a last close of 0 or less)")
    return np.abs(y - p) / s


def split_conformal(
    cal_scores: np.ndarray, pred: np.ndarray, scale: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Split-conformal interval ``pred ± q * scale`` with ``q = conformal_quantile(cal_scores)``.

    Parameters
    ----------
    cal_scores : array-like of shape (n_cal,)
        Calibration scores, e.g. :func:`relative_scores` on the validation part.
    pred, scale : array-like of shape (n,)
        Point forecasts and each sample's scale (its last close).
    level : float
        Nominal coverage in (0, 1).

    Returns
    -------
    lower, upper : numpy.ndarray of shape (n,)
    """
    p, s = _vector(pred, "pred"), _vector(scale, "scale")
    if len(p) != len(s):
        raise UserInputError(f"lengths differ: pred {len(p)}, scale {len(s)}")
    q = conformal_quantile(cal_scores, level)
    return p - q * s, p + q * s


def adaptive_conformal(
    cal_scores: np.ndarray,
    pred: np.ndarray,
    y_true: np.ndarray,
    scale: np.ndarray,
    level: float,
    horizon: int,
    window: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sequential conformal intervals that learn from test targets once they are observed.

    At test step ``t`` the quantile is taken over the calibration scores followed by the test
    scores of samples ``j <= t - horizon`` (their targets are known when sample ``t`` is
    forecast); with ``window`` only the last ``window`` of that chronological sequence.
    ``y_true[t:]`` never affects an interval before step ``t + horizon``.

    Parameters
    ----------
    cal_scores : array-like of shape (n_cal,)
        Calibration scores, in chronological order.
    pred, y_true, scale : array-like of shape (n,)
        Test forecasts, targets and scales (last closes), in chronological order.
    level : float
        Nominal coverage in (0, 1).
    horizon : int
        Rows between a sample's last input day and its target day (>= 1).
    window : int, optional
        Use only the most recent ``window`` scores (>= 1); default: all of them.

    Returns
    -------
    lower, upper : numpy.ndarray of shape (n,)
    """
    if horizon < 1:
        raise UserInputError(f"horizon must be >= 1, got {horizon}")
    if window is not None and window < 1:
        raise UserInputError(f"window must be >= 1, got {window}")
    cal = _vector(cal_scores, "conformity scores")
    test = relative_scores(y_true, pred, scale)
    p, s = np.asarray(pred, dtype=float), np.asarray(scale, dtype=float)
    history = np.concatenate([cal, test])
    q = np.empty(len(test))
    for t in range(len(test)):
        end = len(cal) + max(t - horizon + 1, 0)
        start = 0 if window is None else max(end - window, 0)
        q[t] = conformal_quantile(history[start:end], level)
    return p - q * s, p + q * s


def interval_metrics(
    y: np.ndarray, lower: np.ndarray, upper: np.ndarray, level: float
) -> dict[str, float]:
    """Empirical coverage, mean width and mean interval score of ``[lower, upper]``.

    The interval (Winkler, Gneiting-Raftery) score of a central ``level`` interval with
    ``alpha = 1 - level`` is ``(u - l) + 2 / alpha * (l - y) 1{y < l} + 2 / alpha * (y - u)
    1{y > u}``: lower is better; it rewards narrow intervals and penalises misses.

    Returns
    -------
    dict
        ``coverage`` (fraction in [0, 1]), ``width`` and ``interval_score`` (means, in the units
        of ``y``).
    """
    _check_level(level)
    y_, lo = _vector(y, "y"), np.asarray(lower, dtype=float).ravel()
    hi = np.asarray(upper, dtype=float).ravel()
    if not len(y_) == len(lo) == len(hi) or not len(y_):
        raise UserInputError(
            f"lengths differ or empty: y {len(y_)}, lower {len(lo)}, upper {len(hi)}"
        )
    alpha = 1.0 - level
    below, above = y_ < lo, y_ > hi
    width = hi - lo
    miss = np.where(below, lo - y_, 0.0) + np.where(above, y_ - hi, 0.0)
    score = width + 2.0 / alpha * miss
    return {
        "coverage": float(np.mean(~(below | above))),
        "width": float(np.mean(width)),
        "interval_score": float(np.mean(score)),
    }


#: Nominal levels of the intervals written to ``results.csv`` (columns ``cov80``, ``cov95``...).
LEVELS = (0.8, 0.95)
#: The conformal methods :func:`usd_intervals` knows.
METHODS = ("split", "adaptive")


def usd_intervals(
    calibration: pd.DataFrame,
    test: pd.DataFrame,
    kind: str,
    method: str = "adaptive",
    window: int | None = None,
    levels: tuple[float, ...] = LEVELS,
) -> pd.DataFrame:
    """Conformal intervals of the test forecasts, in USD, at every level.

    Parameters
    ----------
    calibration, test : pandas.DataFrame
        Chronological predictions with ``y_true, y_pred, last_close`` (and ``horizon``):
        the calibration part (validation) and the scored part (test).
    kind : {"price", "log_return"}
        Target kind. Price scores are ``|y - y_hat| / last_close``; log-return scores are
        ``|y - y_hat|`` and the bounds become prices ``last_close * exp(bound)``.
    method : {"split", "adaptive"}
        :func:`split_conformal` or :func:`adaptive_conformal`.
    window : int, optional
        Adaptive only: the most recent scores used.
    levels : tuple of float

    Returns
    -------
    pandas.DataFrame
        ``lower{pct}``, ``upper{pct}`` per level (e.g. ``lower80``), aligned with ``test``.

    Raises
    ------
    UserInputError
        An unknown ``method``.
    """
    if method not in METHODS:
        raise UserInputError(f"interval method must be one of {METHODS}, got {method!r}")
    horizon = int(test["horizon"].iloc[0]) if "horizon" in test else 1
    relative = kind == "price"
    cal_scale = calibration["last_close"].to_numpy() if relative else np.ones(len(calibration))
    scale = test["last_close"].to_numpy() if relative else np.ones(len(test))
    cal = relative_scores(
        calibration["y_true"].to_numpy(dtype=float),
        calibration["y_pred"].to_numpy(dtype=float),
        cal_scale,
    )
    pred, y = test["y_pred"].to_numpy(dtype=float), test["y_true"].to_numpy(dtype=float)
    out = {}
    for level in levels:
        if method == "split":
            lower, upper = split_conformal(cal, pred, scale, level)
        else:
            lower, upper = adaptive_conformal(cal, pred, y, scale, level, horizon, window)
        if not relative:
            close = test["last_close"].to_numpy(dtype=float)
            lower, upper = close * np.exp(lower), close * np.exp(upper)
        pct = round(level * 100)
        out[f"lower{pct}"], out[f"upper{pct}"] = lower, upper
    return pd.DataFrame(out, index=test.index)


def usd_interval_metrics(
    target_close: np.ndarray, bounds: pd.DataFrame, levels: tuple[float, ...] = LEVELS
) -> dict[str, float]:
    """``cov{pct}``, ``width{pct}_usd``, ``iscore{pct}_usd`` of :func:`usd_intervals` output."""
    metrics = {}
    for level in levels:
        pct = round(level * 100)
        lower = bounds[f"lower{pct}"].to_numpy(dtype=float)
        upper = bounds[f"upper{pct}"].to_numpy(dtype=float)
        m = interval_metrics(target_close, lower, upper, level)
        metrics[f"cov{pct}"] = m["coverage"]
        metrics[f"width{pct}_usd"] = m["width"]
        metrics[f"iscore{pct}_usd"] = m["interval_score"]
    return metrics
