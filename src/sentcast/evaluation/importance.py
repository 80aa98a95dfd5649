"""Feature importance that cannot mislead: grouped permutation with its spread, and ablation.

**Permutation.** scikit-learn's ``permutation_importance`` needs 2-D inputs; here inputs are
permuted as whole trajectories of window inputs ``(N, T, F)``: sample ``i`` receives the
``T``-day history of the permuted columns from sample ``π(i)``, which breaks their link with
the target while keeping their distribution. Nearly collinear columns (an asset's Open, High,
Low and Close) are never permuted one at a time: that makes impossible inputs (Low above High)
and the error rises for reasons that say nothing about what the model uses. Following
scikit-learn's guide *Permutation Importance with Multicollinear or Correlated Features*, the
columns of each group are clustered hierarchically on their Spearman correlations over the
training period (complete linkage on ``1 - |rho|``, so every pair inside a cluster has
``|rho| >= min_correlation``); a cluster of several columns is permuted jointly, and only a
column alone in its cluster gets a number of its own. Every group (asset or daily table) is
permuted jointly as well. Each permutation is one row, so :func:`summarize_importance` gives
the mean, the spread and an interval over seeds and repeats.

**Ablation.** The honest importance of a source: the grid trains feature set ``A`` and
``A+G``; :func:`ablation_test` compares their errors on the same target days with a
Diebold–Mariano test (squared errors).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from sentcast.evaluation.stats import diebold_mariano
from sentcast.features.sets import parse_feature_set

Predictor = Callable[[np.ndarray], np.ndarray]
#: Permutation levels, in report order: whole groups, collinear clusters, lone columns.
LEVELS = ("group", "cluster", "feature")
#: Columns whose training-period Spearman correlation reaches this (in absolute value) are
#: permuted together.
MIN_CORRELATION = 0.9
#: Half-width of the importance interval in standard deviations of the outcomes.
INTERVAL_SDS = 2.0

Cluster = tuple[str, list[str]]


def _rmse(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(pred, dtype=float) - y) ** 2)))


def correlation_clusters(
    values: np.ndarray,
    features: Sequence[str],
    groups: Mapping[str, Sequence[str]],
    min_correlation: float = MIN_CORRELATION,
) -> list[Cluster]:
    """Clusters of nearly collinear columns within each group.

    Parameters
    ----------
    values : numpy.ndarray
        ``(days, F)`` training-period values of the ``F`` features (e.g. the last day of
        every training window).
    features : sequence of str
        Names of the ``F`` columns.
    groups : mapping
        Group name -> its column names; clusters never cross groups.
    min_correlation : float
        Columns join a cluster when their absolute Spearman correlation with every member
        reaches this value. A constant column correlates with nothing and stays alone.

    Returns
    -------
    list of (str, list of str)
        ``(group, member columns)`` per cluster, groups in the given order.
    """
    index = {f: i for i, f in enumerate(features)}
    clusters: list[Cluster] = []
    for group, columns in groups.items():
        if len(columns) == 1:
            clusters.append((group, list(columns)))
            continue
        block = pd.DataFrame(np.asarray(values, dtype=float)[:, [index[c] for c in columns]])
        rho = np.nan_to_num(block.corr(method="spearman").to_numpy(), nan=0.0)
        distance = np.clip(1.0 - np.abs((rho + rho.T) / 2), 0.0, None)
        np.fill_diagonal(distance, 0.0)  # a constant column is 1 from itself; squareform checks
        tree = linkage(squareform(distance), method="complete")
        labels = fcluster(tree, 1.0 - min_correlation, criterion="distance")
        for label in dict.fromkeys(labels):
            clusters.append(
                (group, [c for c, lab in zip(columns, labels, strict=True) if lab == label])
            )
    return clusters


def cluster_label(group: str, members: Sequence[str]) -> str:
    """``"BTC: Open, High, Low"`` for a cluster, the column's name for a lone column."""
    if len(members) == 1:
        return members[0]
    return f"{group}: " + ", ".join(m.removeprefix(f"{group}_") for m in members)


def _targets(
    groups: Mapping[str, Sequence[str]], clusters: Sequence[Cluster]
) -> Iterator[tuple[str, str, str, list[str]]]:
    """``(level, group, label, members)`` of every permutation target."""
    for group, columns in groups.items():
        yield "group", group, group, list(columns)
    for group, members in clusters:
        if list(members) != list(groups[group]):  # a one-cluster group is its group row
            level = "cluster" if len(members) > 1 else "feature"
            yield level, group, cluster_label(group, members), list(members)


def permutation_importance(
    predict: Predictor,
    X: np.ndarray,
    y: np.ndarray,
    features: Sequence[str],
    groups: Mapping[str, Sequence[str]],
    clusters: Sequence[Cluster] | None = None,
    repeats: int = 3,
    seed: int = 0,
) -> pd.DataFrame:
    """RMSE increase when each group, collinear cluster and lone column is permuted.

    Parameters
    ----------
    predict : callable
        Maps windows to predictions in the units of ``y``.
    X, y : numpy.ndarray
        Windows ``(N, T, F)`` and targets of the scored part (the headline test part).
    features : sequence of str
        Names of the ``F`` features.
    groups : mapping
        Group name -> its feature names.
    clusters : sequence of (str, list of str), optional
        From :func:`correlation_clusters`; default: every column alone (no collinearity).
    repeats : int
        Permutations per target.
    seed : int
        Seed of the permutations.

    Returns
    -------
    pandas.DataFrame
        One row per permutation: ``feature`` (group name, cluster label or column),
        ``group``, ``level`` (see :data:`LEVELS`), ``members`` (``;``-joined columns),
        ``repeat`` and ``importance`` (RMSE increase in the units of ``y``).
    """
    if clusters is None:
        clusters = [(g, [c]) for g, cols in groups.items() for c in cols]
    rng = np.random.default_rng(seed)
    y = np.asarray(y, dtype=float)
    base = _rmse(y, predict(X))
    index = {f: i for i, f in enumerate(features)}
    rows = []
    for level, group, label, members in _targets(groups, clusters):
        columns = [index[m] for m in members]
        for repeat in range(repeats):
            order = rng.permutation(len(X))
            shuffled = X.copy()
            shuffled[:, :, columns] = X[order][:, :, columns]
            rows.append(
                {
                    "feature": label,
                    "group": group,
                    "level": level,
                    "members": ";".join(members),
                    "repeat": repeat,
                    "importance": _rmse(y, predict(shuffled)) - base,
                }
            )
    return pd.DataFrame(rows)


def summarize_importance(rows: pd.DataFrame, keys: Sequence[str] = ()) -> pd.DataFrame:
    """Mean, spread and interval of permutation outcomes per target (and per ``keys``).

    Parameters
    ----------
    rows : pandas.DataFrame
        Rows of :func:`permutation_importance` (of one or many cells: seeds, models, sets).
    keys : sequence of str
        Extra columns to summarize by, e.g. ``("horizon", "window", "feature_set")``.

    Returns
    -------
    pandas.DataFrame
        ``keys``, ``level, group, feature, n, mean, std`` (over every seed and repeat;
        NaN for one outcome), ``lower, upper`` (mean ± :data:`INTERVAL_SDS` std: where most
        single runs fall) and ``includes_zero`` (true when the interval holds 0, or when one
        outcome gives no spread). Keys in order of appearance, then level (groups first),
        then mean, largest first.
    """
    by = [*keys, "level", "group", "feature"]
    stats = rows.groupby(by, sort=False)["importance"].agg(["size", "mean", "std"]).reset_index()
    stats = stats.rename(columns={"size": "n"})
    half = INTERVAL_SDS * stats["std"]
    stats["lower"], stats["upper"] = stats["mean"] - half, stats["mean"] + half
    stats["includes_zero"] = ~((stats["lower"] > 0) | (stats["upper"] < 0))
    order = ["_key", "_level", "mean"]
    stats["_key"] = stats.groupby(list(keys), sort=False).ngroup() if keys else 0
    stats["_level"] = stats["level"].map(LEVELS.index)
    # pandas sorts by several columns with a stable lexsort: ties keep their order
    stats = stats.sort_values(order, ascending=[True, True, False])
    return stats.drop(columns=order[:2]).reset_index(drop=True)


def ablation_pairs(feature_sets: Sequence[str]) -> list[tuple[str, str, str]]:
    """``(group, without, with)`` for every two sets that differ by exactly one group."""
    parsed = {fs: frozenset(parse_feature_set(fs)) for fs in feature_sets}
    pairs = []
    for larger, big in parsed.items():
        for smaller, small in parsed.items():
            if small < big and len(big - small) == 1:
                pairs.append((next(iter(big - small)), smaller, larger))
    return pairs


def ablation_test(
    with_group: pd.DataFrame, without: pd.DataFrame, horizon: int, split: str = "test"
) -> dict[str, float]:
    """Diebold–Mariano test of the model with a group against the model without it.

    Parameters
    ----------
    with_group, without : pandas.DataFrame
        Predictions of the two cells (columns ``split, target_date, y_true, y_pred``).
    horizon : int
        Forecast horizon (lags of the long-run variance).
    split : str
        The part compared; only the target days both cells forecast are used (a set with a
        shorter source covers fewer days).

    Returns
    -------
    dict
        ``n``, ``rmse_with``, ``rmse_without``, ``rmse_change`` (``rmse_with / rmse_without -
        1``: negative when the group helps), ``dm_stat`` (negative: the model with the group
        has the smaller squared error) and ``dm_pvalue`` (two-sided); NaN but ``n`` when
        fewer than 3 target days are common.
    """
    errors = []
    for part in (with_group, without):
        rows = part[part["split"] == split]
        error = (rows["y_pred"] - rows["y_true"]).to_numpy(dtype=float)
        errors.append(pd.Series(error, index=pd.Index(rows["target_date"])))
    common = errors[0].index.intersection(errors[1].index)
    nan = float("nan")
    if len(common) < 3:  # too few common days for a test (e.g. sets on disjoint periods)
        keys = ("rmse_with", "rmse_without", "rmse_change", "dm_stat", "dm_pvalue")
        return {"n": float(len(common)), **dict.fromkeys(keys, nan)}
    a, b = (e.loc[common].to_numpy(dtype=float) for e in errors)
    dm = diebold_mariano(a, b, horizon)
    rmse_a, rmse_b = float(np.sqrt(np.mean(a**2))), float(np.sqrt(np.mean(b**2)))
    return {
        "n": float(len(common)),
        "rmse_with": rmse_a,
        "rmse_without": rmse_b,
        "rmse_change": rmse_a / rmse_b - 1 if rmse_b > 0 else nan,
        "dm_stat": dm.statistic,
        "dm_pvalue": dm.pvalue,
    }
