from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import root_mean_squared_error

from sentcast.evaluation.importance import (
    ablation_pairs,
    ablation_test,
    correlation_clusters,
    permutation_importance,
    summarize_importance,
)
from sentcast.features.windows import WindowedSamples, make_windows
from sentcast.models.flat_baselines import RidgeForecaster
from tests.evaluation.test_stats import ERRORS_A, ERRORS_B
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
    # the planted lead is additive in price levels: a ridge on raw levels reads it directly
    model = RidgeForecaster(alpha=1.0, input_norm="global")
    return model.fit(samples.X[train], samples.y[train])


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


def test_clusters_follow_the_group_order_then_first_appearance_within_a_group() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=60)
    values = np.column_stack([rng.normal(size=60), x, rng.normal(size=60), 2 * x + 1])
    groups = {"One": ["u"], "G": ["x", "y", "z"]}  # a one-column group first
    clusters = correlation_clusters(values, ["u", "x", "y", "z"], groups)
    assert clusters == [("One", ["u"]), ("G", ["x", "z"]), ("G", ["y"])]


def test_every_pair_inside_a_cluster_reaches_min_correlation_even_along_a_chain() -> None:
    rng = np.random.default_rng(4)
    a = rng.normal(size=200)
    b = a + rng.normal(scale=0.3, size=200)
    c = b + rng.normal(scale=0.3, size=200)
    values = np.column_stack([a, b, c, np.ones(200)])  # and a constant column
    features, groups = ["a", "b", "c", "k"], {"G": ["a", "b", "c", "k"]}
    rho = np.abs(spearmanr(values[:, :3]).statistic)
    # a chain: a~b and b~c reach the threshold, a~c does not (single linkage would join all)
    threshold = (rho[0, 2] + min(rho[0, 1], rho[1, 2])) / 2
    assert rho[0, 2] < threshold <= min(rho[0, 1], rho[1, 2])
    clusters = correlation_clusters(values, features, groups, threshold)
    assert ("G", ["k"]) in clusters and len(clusters) == 3
    for _, members in clusters:
        for i, j in [(features.index(m), features.index(n)) for m in members for n in members]:
            assert i == j or rho[i, j] >= threshold
    looser = correlation_clusters(values, features, groups, rho[0, 2] - 0.01)
    assert looser == [("G", ["a", "b", "c"]), ("G", ["k"])]


SMALL_FEATURES = ["G_a", "G_b", "G_c", "H_d"]
SMALL_GROUPS = {"G": ["G_a", "G_b", "G_c"], "H": ["H_d"]}


def _linear(X: np.ndarray) -> np.ndarray:
    """Uses every feature on the last day and the first feature on the first day."""
    return X[:, -1, :] @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.7 * X[:, 0, 0]


def _small_problem() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.normal(size=(10, 2, 4)), rng.normal(size=10)


def test_each_row_is_the_rmse_increase_of_one_joint_permutation_of_its_members() -> None:
    X, y = _small_problem()
    seen: list[np.ndarray] = []

    def predict(windows: np.ndarray) -> np.ndarray:
        seen.append(windows.copy())
        return _linear(windows)

    clusters = [("G", ["G_a", "G_b"]), ("G", ["G_c"]), ("H", ["H_d"])]
    rows = permutation_importance(predict, X, y, SMALL_FEATURES, SMALL_GROUPS, clusters, 2, 3)
    assert list(rows.columns) == ["feature", "group", "level", "members", "repeat", "importance"]
    targets = [
        ("G", "G", "group", "G_a;G_b;G_c"),
        ("H", "H", "group", "H_d"),
        ("G: a, b", "G", "cluster", "G_a;G_b"),
        ("G_c", "G", "feature", "G_c"),
    ]
    described = rows.drop(columns="importance").itertuples(index=False, name=None)
    assert list(described) == [(*t, r) for t in targets for r in (0, 1)]
    np.testing.assert_array_equal(seen[0], X)  # the baseline sees the windows unchanged
    rmse = [root_mean_squared_error(y, _linear(windows)) for windows in seen]
    np.testing.assert_allclose(rows["importance"], np.array(rmse[1:]) - rmse[0], rtol=1e-12)
    for shuffled, members in zip(seen[1:], rows["members"], strict=True):
        cols = [SMALL_FEATURES.index(m) for m in members.split(";")]
        rest = [i for i in range(len(SMALL_FEATURES)) if i not in cols]
        np.testing.assert_array_equal(shuffled[:, :, rest], X[:, :, rest])
        # every sample got the whole member history (all columns, all days) of one sample
        source = [
            int(np.flatnonzero((X[:, :, cols] == history).all(axis=(1, 2)))[0])
            for history in shuffled[:, :, cols]
        ]
        assert sorted(source) == list(range(len(X))) and source != list(range(len(X)))


def test_default_is_three_repeats_of_seed_zero_with_every_column_alone() -> None:
    X, y = _small_problem()
    rows = permutation_importance(_linear, X, y, SMALL_FEATURES, SMALL_GROUPS)
    alone = [(g, [c]) for g, columns in SMALL_GROUPS.items() for c in columns]
    explicit = permutation_importance(_linear, X, y, SMALL_FEATURES, SMALL_GROUPS, alone, 3, 0)
    pd.testing.assert_frame_equal(rows, explicit)
    assert list(rows["feature"].unique()) == ["G", "H", "G_a", "G_b", "G_c"]
    assert (rows.groupby("feature").size() == 3).all()
    other = permutation_importance(_linear, X, y, SMALL_FEATURES, SMALL_GROUPS, seed=1)
    assert not np.allclose(rows["importance"], other["importance"])


def test_summary_keeps_keys_in_order_of_appearance_groups_first_and_ties_in_input_order() -> None:
    rows = pd.DataFrame(
        {
            "horizon": [7, 7, 7, 1, 1],
            "level": ["feature", "group", "feature", "group", "group"],
            "group": ["G", "G", "G", "Z", "A"],
            "feature": ["G_x", "G", "G_y", "Z", "A"],
            "importance": [9.0, 1.0, 9.0, 2.0, 2.0],
        }
    )
    summary = summarize_importance(rows, ["horizon"])
    assert list(summary.columns) == [
        *("horizon", "level", "group", "feature", "n", "mean", "std"),
        *("lower", "upper", "includes_zero"),
    ]
    order = list(zip(summary["horizon"], summary["feature"], strict=True))
    assert order == [(7, "G"), (7, "G_x"), (7, "G_y"), (1, "Z"), (1, "A")]


def test_an_interval_ending_at_zero_includes_zero() -> None:
    rows = pd.DataFrame(
        {
            "level": "group",
            "group": ["P"] * 3 + ["N"] * 3,
            "feature": ["P"] * 3 + ["N"] * 3,
            "importance": [1.0, 2.0, 3.0, -3.0, -2.0, -1.0],  # mean +-2, std 1: ends at 0
        }
    )
    summary = summarize_importance(rows).set_index("feature")
    assert summary.loc["P", "lower"] == 0.0 and summary.loc["N", "upper"] == 0.0
    assert summary["includes_zero"].all()


ABLATION_KEYS = {"n", "rmse_with", "rmse_without", "rmse_change", "dm_stat", "dm_pvalue"}


def _cell(days: pd.DatetimeIndex, errors: np.ndarray, split: str = "test") -> pd.DataFrame:
    truth = np.linspace(100.0, 130.0, len(days))
    return pd.DataFrame(
        {"split": split, "target_date": days, "y_true": truth, "y_pred": truth + errors}
    )


def test_ablation_compares_the_common_days_against_a_hand_computed_reference() -> None:
    days = pd.date_range("2021-03-01", periods=16, freq="D")
    a, b = 0.1 * np.array(ERRORS_A), 0.1 * np.array(ERRORS_B)  # rmse below 1
    with_group = pd.concat(  # days 0..13, newest first, plus a validation part to ignore
        [_cell(days[:14], np.r_[5.0, -5.0, a]).iloc[::-1], _cell(days[2:14], 9 * a, "validation")]
    )
    without = _cell(days[2:], np.r_[b, 5.0, 5.0])  # days 2..15
    result = ablation_test(with_group, without, horizon=3)
    assert set(result) == ABLATION_KEYS and result["n"] == 12
    rmse_with = math.sqrt(math.fsum(e * e for e in a) / 12)
    rmse_without = math.sqrt(math.fsum(e * e for e in b) / 12)
    assert result["rmse_with"] == pytest.approx(rmse_with, rel=1e-9)
    assert result["rmse_without"] == pytest.approx(rmse_without, rel=1e-9)
    assert result["rmse_change"] == pytest.approx(rmse_with / rmse_without - 1, rel=1e-9)
    # the DM statistic is scale-free: the same as for the unscaled errors (test_stats.py)
    assert result["dm_stat"] == pytest.approx(-1.62750394, abs=1e-7)
    assert result["dm_pvalue"] == pytest.approx(0.13190821, abs=1e-7)


def test_ablation_against_a_perfect_model_has_no_rmse_change() -> None:
    days = pd.date_range("2021-03-01", periods=12, freq="D")
    result = ablation_test(_cell(days, np.array(ERRORS_A)), _cell(days, np.zeros(12)), 1)
    assert result["rmse_without"] == 0.0 and result["rmse_with"] > 0
    assert math.isnan(result["rmse_change"]) and result["dm_stat"] > 0


@pytest.mark.parametrize("common", [2, 3])
def test_ablation_needs_three_common_days(common: int) -> None:
    days = pd.date_range("2021-03-01", periods=common, freq="D")
    a, b = np.array(ERRORS_A[:common]), np.array(ERRORS_B[:common])
    result = ablation_test(_cell(days, a), _cell(days, b), 1)
    assert set(result) == ABLATION_KEYS and result["n"] == common
    tested = [math.isfinite(result[key]) for key in sorted(ABLATION_KEYS - {"n"})]
    assert tested == [common == 3] * 5
