"""The result tables of a forecasting run (``tables.md``, assembled by
:mod:`sentcast.reporting.forecast_markdown`).

Per horizon and window: the headline part's RMSE ratio to naive (USD) with Diebold–Mariano
markers, its direction accuracy with a binomial test and the conformal intervals, then the
study's train / validation table (scaled RMSE, mean ± std over seeds, naive row) as a secondary
"study view". Across horizons, feature sets and models: overview tables, each model at the
feature set chosen on validation (:func:`best_cells`). With a walk-forward backtest: its pooled
and per-fold scores (USD). Every table states its samples per part.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sentcast.reporting.forecast_format import (
    dm_marker,
    format_number,
    markdown_table,
    mean_std,
    model_label,
)

_BASELINES = ("naive", "majority")


def headline_split(results: pd.DataFrame) -> str:
    """``"test"`` when the run has a test part, else ``"validation"``."""
    return "test" if (results["split"] == "test").any() else "validation"


def _part_sizes(data: pd.DataFrame) -> str:
    sizes = data.groupby("split", sort=False)["n"].first()
    return ", ".join(f"{split} {int(n)}" for split, n in sizes.items())


def headline_tables(
    data: pd.DataFrame, feature_sets: Sequence[str], models: Sequence[str], split: str
) -> list[str]:
    """Ratio-to-naive and direction-accuracy tables of one (horizon, window) on ``split``."""
    part = data[data["split"] == split]
    n = int(part["n"].iloc[0]) if not part.empty else 0
    biased = "" if split == "test" else " (no test part: selection-biased)"
    lines = [
        f"**Headline: {split} part{biased}**, n = {n}. RMSE / naive RMSE (USD; error rate / "
        "naive error rate for direction targets), mean ± std over seeds; `better*` / `worse*`: "
        "Diebold–Mariano p < 0.05 for every seed.",
        "",
    ]
    ratios, accuracy, beats = [], [], []
    for fs in feature_sets:
        sub = part[part["feature_set"] == fs]
        if sub.empty:
            continue
        ratio_cells, acc_cells = [fs], [fs]
        for m in models:
            rows = sub[sub["model"] == m]
            ratio_cells.append(mean_std(rows["rmse_ratio_naive"], 3) + dm_marker(rows))
            p = rows["dir_pvalue"].dropna()
            acc_cells.append(
                mean_std(rows["dir_acc"], 3) + (f" (p {p.max():.2g})" if not p.empty else "")
            )
            if not rows.empty and rows["rmse_ratio_naive"].mean() < 1:
                beats.append(f"{model_label(m)} on {fs}")
        ratios.append(ratio_cells)
        accuracy.append(acc_cells)
    naive = part[part["model"] == "naive"]
    header = ["Feature set", *(model_label(m) for m in models)]
    lines += markdown_table(header, ratios)
    if not naive.empty:
        lines += [
            "",
            f"Naive ({split}, h-step persistence): RMSE {mean_std(naive['rmse_usd'], 2)} USD, "
            f"MAE {mean_std(naive['mae_usd'], 2)} USD, direction accuracy "
            f"{mean_std(naive['dir_acc'], 3)}.",
        ]
    majority = part[part["model"] == "majority"]
    if not majority.empty:
        lines.append(f"Majority class: direction accuracy {mean_std(majority['dir_acc'], 3)}.")
    lines += [
        "",
        f"Mean {split} ratio to naive below 1: {', '.join(beats)}."
        if beats
        else f"No model beats the naive forecast on {split} (mean ratio over seeds).",
        "",
        f"Direction accuracy on {split}, mean ± std over seeds (p: largest one-sided binomial "
        "p-value over seeds against the majority-direction share of the training part)",
        "",
        *markdown_table(header, accuracy),
        "",
    ]
    return lines + _interval_table(part, feature_sets, models, split)


def _interval_table(
    part: pd.DataFrame, feature_sets: Sequence[str], models: Sequence[str], split: str
) -> list[str]:
    """Coverage and mean width (USD) of the conformal intervals, when the run has them."""
    if "cov80" not in part or part["cov80"].isna().all():
        return []
    rows = []
    for fs in feature_sets:
        for m in ["naive", *models]:
            # naive uses the target's own series only: one row, under its own feature set
            naive = m == "naive"
            sub = part[(part["model"] == m) & ((part["feature_set"] == fs) | naive)]
            if sub.empty or sub["cov80"].isna().all() or (naive and fs != feature_sets[0]):
                continue
            rows.append(
                [
                    f"{sub['feature_set'].iloc[0]} (naive)" if naive else fs,
                    model_label(m),
                    mean_std(sub["cov80"], 3),
                    mean_std(sub["width80_usd"], 0),
                    mean_std(sub["cov95"], 3),
                    mean_std(sub["width95_usd"], 0),
                    mean_std(sub["iscore95_usd"], 0),
                ]
            )
    header = [
        "Feature set", "Model", "Coverage 80 %", "Width 80 % (USD)", "Coverage 95 %",
        "Width 95 % (USD)", "Interval score 95 % (USD)",
    ]  # fmt: skip
    return [
        f"Conformal prediction intervals on {split} (calibrated on validation residuals "
        "relative to the last close; nominal 0.80 and 0.95; mean ± std over seeds)",
        "",
        *markdown_table(header, rows),
        "",
    ]


def study_table(
    data: pd.DataFrame, feature_sets: Sequence[str], models: Sequence[str], source: str
) -> list[str]:
    """The study's train / validation table of one (horizon, window): RMSE in scaled units
    (direction accuracy for ``direction`` targets, which have no RMSE)."""
    metric = "rmse" if data["rmse"].notna().any() else "dir_acc"
    what = (
        "RMSE (min-max scaled units of the training range)"
        if metric == "rmse"
        else "direction accuracy"
    )
    header = ["Feature set", "n"]
    for m in models:
        header += [f"{model_label(m)} train", f"{model_label(m)} val"]
    sizes = data[data["split"].isin(["train", "validation"])]
    lines = [
        f"Study view: {what} on train and validation ({_part_sizes(sizes)} samples). "
        f"Sentiment: {source}.",
        "",
    ]
    rows = []
    for fs in feature_sets:
        sub = data[data["feature_set"] == fs]
        if sub.empty:
            continue
        cells = [fs, str(int(sub["n_features"].iloc[0]))]
        for m in models:
            for split in ("train", "validation"):
                part = sub[(sub["model"] == m) & (sub["split"] == split)]
                cells.append(mean_std(part[metric]))
        rows.append(cells)
    naive = data[data["model"] == "naive"]
    if not naive.empty:
        naive_train = mean_std(naive.loc[naive["split"] == "train", metric])
        naive_val = mean_std(naive.loc[naive["split"] == "validation", metric])
        rows.append(
            [
                "Naive (persistence; same for every column)",
                "1",
                *[naive_train, naive_val] * len(models),
            ]
        )
    return [*lines, *markdown_table(header, rows), ""]


def window_tables(
    results: pd.DataFrame,
    horizon: int,
    window: int,
    feature_sets: Sequence[str],
    source: str,
) -> list[str]:
    """Markdown lines of one (horizon, window) section: headline, then the study view."""
    data = results[(results["window"] == window) & (results["horizon"] == horizon)]
    models = [m for m in dict.fromkeys(data["model"]) if m not in _BASELINES]
    lines = [
        f"## Horizon {horizon}, window {window} days",
        "",
        f"Samples per part: {_part_sizes(data)}.",
        "",
    ]
    lines += headline_tables(data, feature_sets, models, headline_split(results))
    return lines + study_table(data, feature_sets, models, source)


def horizon_overview(results: pd.DataFrame, split: str) -> list[str]:
    """Ratio to naive on ``split`` per (window, feature set, model) across horizons."""
    part = results[(results["split"] == split) & ~results["model"].isin(_BASELINES)]
    horizons = sorted(part["horizon"].unique())
    n = part.groupby("horizon")["n"].first()
    header = ["Window", "Feature set", "Model", *(f"h = {h} (n {int(n[h])})" for h in horizons)]
    rows = []
    for (window, fs, model), sub in part.groupby(["window", "feature_set", "model"], sort=False):
        cells = [str(window), str(fs), model_label(str(model))]
        for h in horizons:
            at = sub[sub["horizon"] == h]
            cells.append(mean_std(at["rmse_ratio_naive"], 3) + dm_marker(at))
        rows.append(cells)
    return [
        f"## Across horizons ({split} RMSE / naive RMSE, mean ± std over seeds)",
        "",
        *markdown_table(header, rows),
        "",
    ]


def feature_set_summary(results: pd.DataFrame, split: str) -> list[str]:
    """One row per (feature set, model, horizon) on ``split``: which signal helps, where.

    Ratio to naive (mean over seeds), the largest Diebold–Mariano p over seeds, direction
    accuracy and the 80 % / 95 % interval coverage (when the run has intervals).
    """
    part = results[(results["split"] == split) & (results["model"] != "majority")]
    has_cov = "cov80" in part and part["cov80"].notna().any()
    header = ["Feature set", "Model", "h", "n", "RMSE / naive", "DM p (max)", "Direction acc."]
    header += ["Coverage 80 %", "Coverage 95 %"] if has_cov else []
    rows = []
    keys = part[["feature_set", "model", "horizon"]].drop_duplicates()
    for fs, model, h in keys.itertuples(index=False):
        sub = part[(part["feature_set"] == fs) & (part["model"] == model) & (part["horizon"] == h)]
        p = sub["dm_pvalue"].dropna()
        cells = [
            str(fs),
            model_label(str(model)),
            str(h),
            str(int(sub["n"].iloc[0])),
            mean_std(sub["rmse_ratio_naive"], 3) + dm_marker(sub),
            f"{p.max():.3g}" if not p.empty else "–",
            mean_std(sub["dir_acc"], 3),
        ]
        if has_cov:
            cells += [mean_std(sub["cov80"], 3), mean_std(sub["cov95"], 3)]
        rows.append(cells)
    return [
        f"## Summary: feature set × horizon ({split} part)",
        "",
        "Each feature set is compared with its own naive forecast on the same samples (sets "
        "that need a source with a shorter history cover fewer days).",
        "",
        *markdown_table(header, rows),
        "",
    ]


def model_overview(results: pd.DataFrame) -> list[str]:
    """Each model at the feature set chosen on validation, scored on test, per (horizon, window).

    The feature set of every model is the one with the lowest mean validation ratio to naive,
    so the test column is an honest estimate of "this model, tuned as a user would".
    """
    if headline_split(results) != "test":
        return []
    models = [m for m in results["model"].unique() if m not in ("naive", "majority")]
    test = results[results["split"] == "test"]
    has_cov = "cov80" in test and test["cov80"].notna().any()
    header = ["h", "Window", "Model", "Feature set (chosen on validation)", "Test RMSE / naive"]
    header += ["DM p (max)", "Direction acc."] + (["Coverage 80 / 95 %"] if has_cov else [])
    rows = []
    for model in models:
        for cell in best_cells(results, [model]).itertuples(index=False):
            sub = test[
                (test["horizon"] == cell.horizon)
                & (test["window"] == cell.window)
                & (test["model"] == model)
                & (test["feature_set"] == cell.feature_set)
            ]
            p = sub["dm_pvalue"].dropna()
            cells = [
                str(cell.horizon),
                str(cell.window),
                model_label(model),
                str(cell.feature_set),
                mean_std(sub["rmse_ratio_naive"], 3) + dm_marker(sub),
                f"{p.max():.3g}" if not p.empty else "–",
                mean_std(sub["dir_acc"], 3),
            ]
            if has_cov:
                cells.append(f"{sub['cov80'].mean():.3f} / {sub['cov95'].mean():.3f}")
            rows.append(cells)
    rows.sort(key=lambda r: (int(r[0]), int(r[1])))
    return [
        "## Each model at its validation-chosen feature set (test part)",
        "",
        *markdown_table(header, rows),
        "",
    ]


def backtest_tables(folds: pd.DataFrame, pooled: pd.DataFrame) -> list[str]:
    """Walk-forward sections: pooled scores with Diebold–Mariano, then per-fold scores (USD)."""
    lines = [
        "## Walk-forward backtest",
        "",
        "Every fold refits every model on its own training samples (choices on the fold's "
        "validation share); errors in USD, comparable across folds. Pooled: over every "
        "fold's out-of-sample predictions, Diebold–Mariano against naive.",
        "",
    ]
    for (horizon, window), group in pooled.groupby(["horizon", "window"], sort=True):
        n = int(group["n_test"].iloc[0])
        lines += [
            f"### Horizon {horizon}, window {window} days: {int(group['folds'].iloc[0])} folds, "
            f"{n} out-of-sample predictions",
            "",
        ]
        header = ["Feature set", "Model", "RMSE USD", "MAE USD", "MAPE %", "Dir acc (p)"]
        header += ["Ratio to naive", "DM stat", "DM p"]
        rows = [
            [
                str(r["feature_set"]),
                model_label(str(r["model"])),
                format_number(r["rmse_usd"], ".2f"),
                format_number(r["mae_usd"], ".2f"),
                format_number(r["mape"], ".2f"),
                format_number(r["dir_acc"], ".3f")
                + ("" if np.isnan(r["dir_pvalue"]) else f" (p {r['dir_pvalue']:.2g})"),
                format_number(r["rmse_ratio_naive"], ".3f"),
                format_number(r["dm_stat"], ".2f"),
                format_number(r["dm_pvalue"], ".3g"),
            ]
            for r in group.to_dict("records")
        ]
        lines += [*markdown_table(header, rows), ""]
        sub = folds[(folds["horizon"] == horizon) & (folds["window"] == window)]
        spans = sub.drop_duplicates("fold")
        first, last = (
            pd.to_datetime(spans[c]).dt.strftime("%Y-%m-%d") for c in ("test_start", "test_end")
        )
        header = ["Feature set", "Model"] + [
            f"fold {fold}: {a}..{b} (train {n_train}, test {n_test})"
            for fold, a, b, n_train, n_test in zip(
                spans["fold"], first, last, spans["n_train"], spans["n_test"], strict=True
            )
        ]
        rows = []
        for (fs, model), part in sub.groupby(["feature_set", "model"], sort=False):
            rows.append(
                [str(fs), model_label(str(model))]
                + [f"{r.rmse_usd:.2f} ({r.rmse_ratio_naive:.3f})" for r in part.itertuples()]
            )
        lines += ["Per fold: RMSE USD (ratio to naive)", "", *markdown_table(header, rows), ""]
    return lines


def best_cells(results: pd.DataFrame, models: Sequence[str]) -> pd.DataFrame:
    """Per (horizon, window), the (feature set, model) among ``models`` with the lowest mean
    validation ratio to naive (the choice never looks at the test part)."""
    columns = ["horizon", "window", "feature_set", "model", "rmse_ratio_naive"]
    val = results[(results["split"] == "validation") & results["model"].isin(list(models))]
    val = val.dropna(subset=["rmse_ratio_naive"])
    if val.empty:
        return pd.DataFrame(columns=columns)
    means = val.groupby(columns[:4], as_index=False)["rmse_ratio_naive"].mean()
    idx = means.groupby(["horizon", "window"])["rmse_ratio_naive"].idxmin()
    return pd.DataFrame(means.loc[np.asarray(idx), columns]).reset_index(drop=True)
