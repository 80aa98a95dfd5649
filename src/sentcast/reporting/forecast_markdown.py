"""``tables.md`` of a forecasting run.

The headline of every section is the **test** part: scored once, after every choice (early
stopping, ridge penalty, the best cell) was made on validation. Per horizon and window: the
test RMSE ratio to naive (USD) with Diebold–Mariano markers and the test direction accuracy
with a binomial test; then the study's train / validation table (scaled RMSE, mean ± std over
seeds, naive row) as a secondary "study view". With several horizons an overview table
compares them; with a walk-forward backtest its pooled and per-fold scores (USD) follow; with
importance files, the importance section ends it. Every table states its samples per part.
The tables are :mod:`sentcast.reporting.forecast_tables` and
:mod:`sentcast.reporting.importance_tables`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from sentcast.reporting.forecast_format import display_set, model_label, shown_sets
from sentcast.reporting.forecast_tables import (
    backtest_tables,
    feature_set_summary,
    headline_split,
    horizon_overview,
    model_overview,
    window_tables,
)
from sentcast.reporting.importance_tables import importance_tables


def results_markdown(
    results: pd.DataFrame,
    feature_sets: Sequence[str],
    sentiment_source: str | None,
    description: str,
    backtest: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    importance: tuple[pd.DataFrame | None, pd.DataFrame] | None = None,
    names: Mapping[str, str] | None = None,
    tuned: Sequence[str] = (),
) -> str:
    """The whole ``tables.md`` text.

    Parameters
    ----------
    results : pandas.DataFrame
        ``results.csv`` rows.
    feature_sets : sequence of str
        Row order.
    sentiment_source : str or None
        Stated under the title (every table's sentiment features come from it).
    description : str
        One line on data range, calendar, target and split.
    backtest : (pandas.DataFrame, pandas.DataFrame), optional
        ``backtest.csv`` (per fold) and ``backtest_pooled.csv`` rows.
    importance : (pandas.DataFrame or None, pandas.DataFrame), optional
        Permutation summary and ablation rows (see :func:`importance_tables`).
    names : mapping, optional
        Display name per group (``[data.names]``), e.g. ``{"BTC": "ETH-USD"}``.
    tuned : sequence of str, optional
        Networks tuned on validation (``[tuning]``): their rows are labelled "(tuned)".
    """
    names = names or {}
    results = shown_sets(results, names)
    if tuned:
        results = results.assign(
            model=[
                f"{model_label(m)} (tuned)" if m.removesuffix("-ens") in tuned else m
                for m in results["model"]
            ]
        )
    feature_sets = [display_set(fs, names) for fs in feature_sets]
    if backtest is not None:
        backtest = (shown_sets(backtest[0], names), shown_sets(backtest[1], names))
    source = sentiment_source or "none (no Sentiment feature set)"
    # seed -1 marks the seed ensembles (every seed), not a seed of its own
    seeds = sorted(s for s in results["seed"].unique() if s >= 0) if not results.empty else []
    has_ensembles = not results.empty and bool((results["seed"] < 0).any())
    ensembles = " (and each network's seed ensemble)" if has_ensembles else ""
    lines = [
        "# Forecasting results",
        "",
        f"Sentiment source: **{source}**.",
        "",
        f"{description} Seeds: {', '.join(map(str, seeds))}{ensembles}.",
        "",
    ]
    if results.empty:
        lines.append("No finished cell.")
        return "\n".join(lines) + "\n"
    split = headline_split(results)
    lines += [
        f"Headline: the **{split}** part. Every choice (early stopping, ridge penalty, best "
        "cell) is made on validation; "
        + ("the test part is scored once." if split == "test" else "there is no test part."),
        "",
    ]
    keys = results[["horizon", "window"]].drop_duplicates().sort_values(["horizon", "window"])
    for horizon, window in keys.itertuples(index=False):
        lines += window_tables(results, int(horizon), int(window), feature_sets, source)
    if results["horizon"].nunique() > 1:
        lines += horizon_overview(results, split)
    if results["feature_set"].nunique() > 1 or results["horizon"].nunique() > 1:
        lines += model_overview(results)
        lines += feature_set_summary(results, split)
    if backtest is not None:
        lines += backtest_tables(*backtest)
    if importance is not None:
        lines += importance_tables(*importance, split, names)
    return "\n".join(lines).rstrip() + "\n"
