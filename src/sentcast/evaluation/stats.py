"""Diebold–Mariano test of equal predictive accuracy (Diebold & Mariano 1995), with the
Harvey, Leybourne & Newbold (1997) small-sample correction and Student-t p-values, and a
binomial test of direction accuracy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class DieboldMariano:
    """Result of :func:`diebold_mariano`: statistic and two-sided p-value.

    A negative statistic means the first forecast has the smaller loss.
    """

    statistic: float
    pvalue: float
    n: int


def diebold_mariano(
    errors_a: np.ndarray, errors_b: np.ndarray, horizon: int = 1, power: int = 2
) -> DieboldMariano:
    """Test whether forecasts A and B have equal expected loss ``|e|**power``.

    Parameters
    ----------
    errors_a, errors_b : numpy.ndarray
        Forecast errors of the two models on the same targets.
    horizon : int
        Forecast horizon ``h``; the long-run variance uses autocovariances up to lag ``h-1``.
    power : int
        2 for squared-error loss, 1 for absolute error.

    Returns
    -------
    DieboldMariano
        NaN statistic when the loss differential is constant, or so small against the
        losses (below 1e-9 of the largest) that it is rounding: two forecasts equal up to
        floating-point error, e.g. the mean of identical forecasts, are the same forecast.
    """
    a = np.abs(np.asarray(errors_a, dtype=float)) ** power
    b = np.abs(np.asarray(errors_b, dtype=float)) ** power
    d = a - b
    n = len(d)
    undecided = DieboldMariano(float("nan"), float("nan"), n)
    if n < 3:
        return undecided
    mean = d.mean()
    centred = d - mean
    gamma = [float(centred @ centred) / n]
    gamma += [float(centred[k:] @ centred[:-k]) / n for k in range(1, horizon)]
    variance = (gamma[0] + 2.0 * sum(gamma[1:])) / n
    scale = max(float(a.max()), float(b.max()))
    if variance <= 0 or float(np.abs(d).max()) <= 1e-9 * scale:
        return undecided
    correction = np.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    statistic = float(correction * mean / np.sqrt(variance))
    pvalue = float(2.0 * stats.t.sf(abs(statistic), df=n - 1))
    return DieboldMariano(statistic, pvalue, n)


def direction_pvalue(hits: int, n: int, chance: float = 0.5) -> float:
    """One-sided binomial test that direction accuracy ``hits / n`` exceeds ``chance``.

    ``chance`` is the accuracy of a skill-free guess, e.g. the majority-class share of the
    training targets (``scipy.stats.binomtest``, ``alternative="greater"``). NaN when ``n`` is 0.
    """
    if n == 0:
        return float("nan")
    return float(stats.binomtest(hits, n, chance, alternative="greater").pvalue)
