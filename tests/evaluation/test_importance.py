from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sentcast.evaluation.importance import (
    ablation_pairs,
    ablation_test,
    correlation_clusters,
    permutation_importance,
    summarize_importance,
)
from sentcast.features.windows import WindowedSamples, make_windows
from sentcast.models.baselines import RidgeForecaster
from tests.features.synthetic import market_frame

A_PRICES = ["A_Open", "A_High", "A_Low", "A_Close"]
BTC = [f"BTC_{f}" for f in ("Open", "High", "Low", "Close", "Adj_Close", "Volume")]
GROUPS = {"BTC": BTC, "A": [*A_PRICES, "A_Volume"], "Copy": ["Copy_Close"]}


def _planted_frame(n: int = 500, seed: int = 0) -> pd.DataFrame:
    """BTC moves tomorrow by 5x a lead that only ``A_Close - A_Open`` shows today.

    Asset A's four prices follow its own random-walk level, so they are nearly collinear;
    ``Copy_Close`` is the BTC close plus noise.
    """
    rng = np.random.default_rng(seed)
    index = pd.date_range("2020-01-01", periods=n, freq="D", name="date")
    lead = rng.normal(size=n)
    close = 1000.0 + np.cumsum(np.r_[0.0, 5.0 * lead[:-1]] + rng.normal(size=n))
    level = 50.0 + np.cumsum(3.0 * rng.normal(size=n))
    frame = market_frame("BTC", index, close)
    frame["A_Open"] = level
    frame["A_High"] = level + 2.0 + np.abs(rng.normal(size=n))
    frame["A_Low"] = level - 2.0 - np.abs(rng.normal(size=n))
    frame["A_Close"] = level + lead
    frame["A_Volume"] = rng.uniform(1e5, 2e5, size=n)
    frame["Copy_Close"] = close + rng.normal(scale=20.0, size=n)
    return frame


def _windows(frame: pd.DataFrame, groups: dict[str, list[str]]) -> WindowedSamples:
    return make_windows(frame, [c for cols in groups.values() for c in cols], window=3)


def _fit(samples: WindowedSamples, train: slice) -> RidgeForecaster:
    return RidgeForecaster(alpha=1.0).fit(samples.X[train], samples.y[train])


def _predictions(model: RidgeForecaster, samples: WindowedSamples, test: slice) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "split": "test",
            "target_date": samples.target_dates[test],
            "y_true": samples.y[test],
            "y_pred": model.predict(samples.X[test]),
        }
    )


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, WindowedSamples]:
    frame = _planted_frame()
    return frame, _windows(frame, GROUPS)


def test_collinear_prices_form_one_cluster_and_other_columns_stay_alone(
    planted: tuple[pd.DataFrame, WindowedSamples],
) -> None:
    _, samples = planted
    features = [c for cols in GROUPS.values() for c in cols]
    clusters = correlation_clusters(samples.X[:300, -1, :], features, GROUPS)
    by_group = {}
    for group, members in clusters:
        by_group.setdefault(group, []).append(members)
    assert A_PRICES in by_group["A"] and ["A_Volume"] in by_group["A"]
    assert by_group["Copy"] == [["Copy_Close"]]


def test_planted_lead_is_found_by_grouping_and_a_noisy_price_copy_ranks_below_it(
    planted: tuple[pd.DataFrame, WindowedSamples],
) -> None:
    _, samples = planted
    train, test = slice(0, 300), slice(300, None)
    features = [c for cols in GROUPS.values() for c in cols]
    model = _fit(samples, train)
    clusters = correlation_clusters(samples.X[train][:, -1, :], features, GROUPS)
    rows = pd.concat(
        [
            permutation_importance(
                model.predict, samples.X[test], samples.y[test], features, GROUPS, clusters, 4, s
            )
            for s in (0, 1)
        ]
    )
    summary = summarize_importance(rows).set_index("feature")
    cluster = "A: Open, High, Low, Close"
    assert summary.loc[cluster, "level"] == "cluster" and summary.loc[cluster, "n"] == 8
    for found in ("A", cluster):
        assert not summary.loc[found, "includes_zero"]
        assert summary.loc[found, "mean"] > 3 * max(summary.loc["Copy", "mean"], 0.0)
    # shuffling the cluster jointly keeps its inputs possible: no inflation beyond the group
    assert summary.loc[cluster, "mean"] < 1.5 * summary.loc["A", "mean"]
    # collinear columns get no number of their own; a lone column does
    assert not set(A_PRICES) & set(summary.index)
    assert summary.loc["A_Volume", "level"] == "feature"


def test_ablation_finds_the_planted_lead(planted: tuple[pd.DataFrame, WindowedSamples]) -> None:
    frame, samples = planted
    train, test = slice(0, 300), slice(300, None)
    without = _windows(frame, {"BTC": BTC, "Copy": ["Copy_Close"]})
    result = ablation_test(
        _predictions(_fit(samples, train), samples, test),
        _predictions(_fit(without, train), without, test),
        horizon=1,
    )
    assert result["n"] == len(samples.y[test])
    assert result["rmse_change"] < -0.3
    assert result["dm_stat"] < 0 and result["dm_pvalue"] < 0.01


def test_ablation_of_a_noise_column_is_not_significant(
    planted: tuple[pd.DataFrame, WindowedSamples],
) -> None:
    frame, _ = planted
    frame = frame.assign(Noise_x=np.random.default_rng(5).normal(size=len(frame)))
    train, test = slice(0, 300), slice(300, None)
    with_noise = _windows(frame, {"BTC": BTC, "Noise": ["Noise_x"]})
    without = _windows(frame, {"BTC": BTC})
    result = ablation_test(
        _predictions(_fit(with_noise, train), with_noise, test),
        _predictions(_fit(without, train), without, test),
        horizon=1,
    )
    assert result["dm_pvalue"] > 0.05


def test_summary_marks_an_interval_that_includes_zero() -> None:
    rows = pd.DataFrame(
        {
            "level": "group",
            "group": ["G"] * 3 + ["H"] * 3 + ["K"],
            "feature": ["G"] * 3 + ["H"] * 3 + ["K"],
            "importance": [0.9, 1.0, 1.1, -0.2, 0.1, 0.4, 5.0],
        }
    )
    summary = summarize_importance(rows).set_index("feature")
    assert list(summary.index) == ["K", "G", "H"]  # largest mean first
    assert not summary.loc["G", "includes_zero"]
    assert summary.loc["H", "includes_zero"]
    assert summary.loc["K", "includes_zero"]  # one outcome: no spread, no evidence
    assert summary.loc["G", "std"] == pytest.approx(0.1)


def test_ablation_pairs_differ_by_exactly_one_group() -> None:
    pairs = ablation_pairs(["BTC", "BTC+USD", "BTC+Sentiment", "BTC+USD+Sentiment"])
    assert sorted(pairs) == [
        ("Sentiment", "BTC", "BTC+Sentiment"),
        ("Sentiment", "BTC+USD", "BTC+USD+Sentiment"),
        ("USD", "BTC", "BTC+USD"),
        ("USD", "BTC+Sentiment", "BTC+USD+Sentiment"),
    ]
