from __future__ import annotations

import numpy as np

from sentcast.evaluation.stats import diebold_mariano


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


def test_constant_differential_gives_nan() -> None:
    e = np.ones(10)
    assert np.isnan(diebold_mariano(e, e).statistic)


def test_horizon_uses_autocovariances() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.normal(0, 1, 200), rng.normal(0, 1.2, 200)
    assert diebold_mariano(a, b, horizon=1).statistic != diebold_mariano(a, b, horizon=3).statistic
