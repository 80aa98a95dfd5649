from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from sentcast.evaluation.stats import diebold_mariano, direction_pvalue


def test_clearly_better_forecast_is_significant_and_negative() -> None:
    rng = np.random.default_rng(0)
    good, bad = rng.normal(0, 1, 300), rng.normal(0, 2, 300)
    result = diebold_mariano(good, bad)
    assert result.statistic < 0 and result.pvalue < 0.01
    flipped = diebold_mariano(bad, good)
    assert np.isclose(flipped.statistic, -result.statistic)


def test_equally_good_forecasts_are_not_significant() -> None:
    rng = np.random.default_rng(1)
    pvalues = [
        diebold_mariano(rng.normal(size=200), rng.normal(size=200)).pvalue for _ in range(50)
    ]
    # under the null, p-values are roughly uniform: few fall below 0.05
    assert np.mean(np.array(pvalues) < 0.05) <= 0.15


@pytest.mark.parametrize("offset", [0.0, 1.0])
def test_constant_differential_gives_nan(offset: float) -> None:
    e = np.ones(10)
    result = diebold_mariano(e + offset, e)  # loss differential 0 or 3 on every sample
    assert np.isnan(result.statistic) and np.isnan(result.pvalue) and result.n == 10


def test_fewer_than_three_samples_give_nan() -> None:
    a, b = np.array([0.5, -1.2, 0.3]), np.array([1.0, -0.8, 1.4])
    assert np.isnan(diebold_mariano(a[:2], b[:2]).statistic)
    three = diebold_mariano(a, b)
    assert np.isfinite(three.statistic) and three.n == 3
    for n in (0, 1, 2):  # an empty test part too: NaN, no ZeroDivisionError
        few = diebold_mariano(a[:n], b[:n])
        assert np.isnan(few.statistic) and np.isnan(few.pvalue) and few.n == n


def test_the_test_does_not_depend_on_the_errors_unit() -> None:
    # errors in USD or in millions of USD (or log returns of 1e-6): the same statistic and
    # p-value; the rounding tolerance is relative to the losses, not absolute
    rng = np.random.default_rng(3)
    a, b = rng.normal(0, 1.0, 120), rng.normal(0, 1.1, 120)
    reference = diebold_mariano(a, b)
    for unit in (1e-6, 1e6):
        scaled = diebold_mariano(a * unit, b * unit)
        assert scaled.statistic == pytest.approx(reference.statistic, rel=1e-9)
        assert scaled.pvalue == pytest.approx(reference.pvalue, rel=1e-9)


def test_horizon_uses_autocovariances() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.normal(0, 1, 200), rng.normal(0, 1.2, 200)
    assert diebold_mariano(a, b, horizon=1).statistic != diebold_mariano(a, b, horizon=3).statistic


# Loss differentials of these errors, worked by hand in exact fractions below (R's
# forecast::dm.test formula): mean -0.53333, long-run variance of the mean over lags 0..2
# 0.0671171, HLN factor sqrt((n + 1 - 2h + h(h - 1)/n) / n), Student t with n - 1 = 11 df.
ERRORS_A = [0.5, -1.2, 0.3, 2.0, -0.7, 1.1, -0.4, 0.9, -1.5, 0.2, 0.8, -0.3]
ERRORS_B = [1.0, -0.8, 1.4, 1.5, -1.9, 0.6, -1.2, 1.7, -0.9, 1.3, 0.1, -1.1]


def _reference_statistic(horizon: int) -> float:
    d = [
        Fraction(str(a)) ** 2 - Fraction(str(b)) ** 2
        for a, b in zip(ERRORS_A, ERRORS_B, strict=True)
    ]
    n = len(d)
    mean = sum(d) / n
    gamma = [
        sum((d[t] - mean) * (d[t - k] - mean) for t in range(k, n)) / n for k in range(horizon)
    ]
    variance = (gamma[0] + 2 * sum(gamma[1:])) / n
    factor = Fraction(n + 1 - 2 * horizon, n) + Fraction(horizon * (horizon - 1), n * n)
    return float(mean) / math.sqrt(variance) * math.sqrt(factor)


def test_statistic_and_pvalue_match_a_hand_computed_reference() -> None:
    result = diebold_mariano(np.array(ERRORS_A), np.array(ERRORS_B), horizon=3)
    assert result.statistic == pytest.approx(_reference_statistic(3), rel=1e-12)
    assert result.statistic == pytest.approx(-1.62750394, abs=1e-8)
    assert result.pvalue == pytest.approx(0.13190821, abs=1e-8)
    assert result.n == len(ERRORS_A)
    one_step = diebold_mariano(np.array(ERRORS_A), np.array(ERRORS_B))  # default horizon 1
    assert one_step.statistic == pytest.approx(_reference_statistic(1), rel=1e-12)


def test_binomial_direction_test() -> None:
    # 60 hits of 100 against chance 0.5: P(X >= 60) for X ~ Binomial(100, 0.5)
    expected = sum(math.comb(100, k) for k in range(60, 101)) / 2**100
    assert direction_pvalue(60, 100) == pytest.approx(expected)
    assert direction_pvalue(60, 100, chance=0.6) > 0.5  # no better than the majority share
    assert np.isnan(direction_pvalue(0, 0))


def test_forecasts_equal_up_to_rounding_give_nan_and_a_real_difference_does_not() -> None:
    rng = np.random.default_rng(5)
    errors = rng.normal(0, 300, 200)
    same = (errors + errors + errors) / 3  # a mean of identical forecasts: rounding only
    assert np.isnan(diebold_mariano(same, errors).pvalue)
    slightly = errors + rng.normal(0, 1e-3, 200)  # small, but real
    assert np.isfinite(diebold_mariano(slightly, errors).pvalue)
