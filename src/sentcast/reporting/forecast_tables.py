"""``tables.md`` of a forecasting run.

The headline of every section is the **test** part: scored once, after every choice (early
stopping, ridge penalty, the best cell) was made on validation. Per horizon and window: the
test RMSE ratio to naive (USD) with Diebold–Mariano markers and the test direction accuracy
with a binomial test; then the study's train / validation table (scaled RMSE, mean ± std over
seeds, naive row) as a secondary "study view". With several horizons an overview table
compares them; with a walk-forward backtest its pooled and per-fold scores (USD) follow. Every
table states its samples per part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

MODEL_LABELS = {
    "lstm": "LSTM",
    "gru": "GRU",
    "cnn-lstm": "CNN-LSTM",
    "ridge": "Ridge",
    "rf": "RF",
    "naive": "Naive",
    "majority": "Majority",
    "ets": "AutoETS",
    "arima": "AutoARIMA",
    "theta": "Theta",
    "rwd": "RW+drift",
    "lstm-ens": "LSTM ens.",
    "gru-ens": "GRU ens.",
    "cnn-lstm-ens": "CNN-LSTM ens.",
}
_BASELINES = ("naive", "majority")


def _label(model: str) -> str:
    return MODEL_LABELS.get(model, model)


def mean_std(values: pd.Series, digits: int = 4) -> str:
    """``"0.0123 ± 0.0004"`` (just the mean for a single value, ``–`` when empty)."""
    values = values.dropna()
    if values.empty:
        return "–"
    if len(values) == 1:
        return f"{values.iloc[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


def _dm_marker(rows: pd.DataFrame) -> str:
    significant = rows["dm_pvalue"] < 0.05
    if len(rows) and (significant & (rows["dm_stat"] < 0)).all():
        return " (better*)"
    if len(rows) and (significant & (rows["dm_stat"] > 0)).all():
        return " (worse*)"
    return ""


def _number(value: Any, spec: str) -> str:
    """``value`` formatted with ``spec``, ``–`` for NaN."""
    return "–" if np.isnan(float(value)) else format(float(value), spec)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows)]


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
            ratio_cells.append(mean_std(rows["rmse_ratio_naive"], 3) + _dm_marker(rows))
            p = rows["dir_pvalue"].dropna()
            acc_cells.append(
                mean_std(rows["dir_acc"], 3) + (f" (p {p.max():.2g})" if not p.empty else "")
            )
            if not rows.empty and rows["rmse_ratio_naive"].mean() < 1:
                beats.append(f"{_label(m)} on {fs}")
        ratios.append(ratio_cells)
        accuracy.append(acc_cells)
    naive = part[part["model"] == "naive"]
    header = ["Feature set", *(_label(m) for m in models)]
    lines += _table(header, ratios)
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
        *_table(header, accuracy),
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
                    _label(m),
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
        *_table(header, rows),
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
        header += [f"{_label(m)} train", f"{_label(m)} val"]
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
    return [*lines, *_table(header, rows), ""]


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
        cells = [str(window), str(fs), _label(str(model))]
        for h in horizons:
            at = sub[sub["horizon"] == h]
            cells.append(mean_std(at["rmse_ratio_naive"], 3) + _dm_marker(at))
        rows.append(cells)
    return [
        f"## Across horizons ({split} RMSE / naive RMSE, mean ± std over seeds)",
        "",
        *_table(header, rows),
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
            _label(str(model)),
            str(h),
            str(int(sub["n"].iloc[0])),
            mean_std(sub["rmse_ratio_naive"], 3) + _dm_marker(sub),
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
        *_table(header, rows),
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
                _label(model),
                str(cell.feature_set),
                mean_std(sub["rmse_ratio_naive"], 3) + _dm_marker(sub),
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
        *_table(header, rows),
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
                _label(str(r["model"])),
                _number(r["rmse_usd"], ".2f"),
                _number(r["mae_usd"], ".2f"),
                _number(r["mape"], ".2f"),
                _number(r["dir_acc"], ".3f")
                + ("" if np.isnan(r["dir_pvalue"]) else f" (p {r['dir_pvalue']:.2g})"),
                _number(r["rmse_ratio_naive"], ".3f"),
                _number(r["dm_stat"], ".2f"),
                _number(r["dm_pvalue"], ".3g"),
            ]
            for r in group.to_dict("records")
        ]
        lines += [*_table(header, rows), ""]
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
                [str(fs), _label(str(model))]
                + [f"{r.rmse_usd:.2f} ({r.rmse_ratio_naive:.3f})" for r in part.itertuples()]
            )
        lines += ["Per fold: RMSE USD (ratio to naive)", "", *_table(header, rows), ""]
    return lines


def display_set(feature_set: str, names: Mapping[str, str]) -> str:
    """A feature-set name with every group replaced by its display name (``[data.names]``):
    ``BTC+Sentiment`` with ``{"BTC": "ETH-USD"}`` is ``ETH-USD+Sentiment``."""
    return "+".join(names.get(group, group) for group in feature_set.split("+"))


def _shown_sets(frame: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """``frame`` with its ``feature_set`` column in display names (a copy; files keep slots)."""
    if not names or "feature_set" not in frame:
        return frame
    return frame.assign(feature_set=frame["feature_set"].map(lambda s: display_set(str(s), names)))


def display_label(label: str, group: str, names: Mapping[str, str]) -> str:
    """``label`` with its leading group name replaced by the group's display name."""
    if group in names and label.startswith(group):
        return names[group] + label[len(group) :]
    return label


def _spread(row: Any) -> str:
    """``"0.0123 ± 0.0040 (n 6)"``, with ``, 0 in interval`` when the interval includes 0."""
    sd = "" if np.isnan(row["std"]) else f" ± {row['std']:.4f}"
    zero = ", 0 in interval" if row["includes_zero"] else ""
    return f"{row['mean']:.4f}{sd} (n {int(row['n'])}{zero})"


def _ablation_verdict(rows: pd.DataFrame) -> str:
    marker = _dm_marker(rows)
    return {" (better*)": "helps*", " (worse*)": "hurts*"}.get(marker, "no significant difference")


def _dm_counts(rows: pd.DataFrame) -> str:
    """``"better 1, worse 1 of 2"``: seeds whose Diebold–Mariano p < 0.05, by direction."""
    significant = rows["dm_pvalue"] < 0.05
    better = int((significant & (rows["dm_stat"] < 0)).sum())
    worse = int((significant & (rows["dm_stat"] > 0)).sum())
    return f"better {better}, worse {worse} of {len(rows)}"


#: What permutation and ablation say when they disagree: (permutation, ablation) -> sentence
#: about ``{g}``. Permutation is ``used`` (interval above 0), ``harmful`` (below 0) or
#: ``unclear`` (interval includes 0).
_DISAGREEMENTS = {
    ("used", "no significant difference"): "permuting {g} raises the error beyond its spread, "
    "but the model trained without {g} is not significantly worse: the network uses {g}, yet "
    "the other inputs carry what it needs. The ablation says what the source adds.",
    ("used", "hurts*"): "the network relies on {g} (permutation), yet the model trained "
    "without {g} is significantly better: {g} makes this model worse.",
    ("unclear", "helps*"): "the model with {g} is significantly better, but permuting {g} "
    "does not raise the error beyond its spread: the gain comes from a different fit, not "
    "from {g}'s values on the test days.",
    ("unclear", "hurts*"): "the model with {g} is significantly worse, while permuting {g} "
    "changes its error by no more than the spread: {g} costs accuracy through the fit (other "
    "days, a noisier training), not through its values on the test days.",
    ("harmful", "no significant difference"): "permuting {g} lowers the error beyond its "
    "spread, yet removing {g} makes no significant difference: what the network learnt from "
    "{g} does not hold on the test days.",
    ("harmful", "helps*"): "the model with {g} is significantly better, yet permuting {g} "
    "lowers its error: the gain comes from the fit, not from {g}'s values on the test days.",
}


def _disagreement(group: str, verdict: str, perm: Any) -> str | None:
    """A plain sentence when permutation and ablation tell different stories, else None."""
    if perm is None:
        return None
    state = "unclear" if perm["includes_zero"] else "used" if perm["mean"] > 0 else "harmful"
    sentence = _DISAGREEMENTS.get((state, verdict))
    return sentence.format(g=group) if sentence else None


def importance_tables(
    summary: pd.DataFrame | None,
    ablation: pd.DataFrame,
    split: str,
    names: Mapping[str, str],
) -> list[str]:
    """The importance section: ablation next to group permutation, then the permutation detail.

    Parameters
    ----------
    summary : pandas.DataFrame or None
        Permutation summary per (horizon, window, feature set, model)
        (:func:`sentcast.evaluation.importance.summarize_importance`); None without importance.
    ablation : pandas.DataFrame
        ``ablation.csv`` rows (group, without, with, window, horizon, model, seed, n,
        rmse_change, dm_stat, dm_pvalue).
    split : str
        The part both are computed on.
    names : mapping
        Display name per group (``[data.names]``).
    """
    if (summary is None or summary.empty) and ablation.empty:
        return []
    target = names.get("BTC", "BTC")
    lines = [
        f"## Feature importance ({split} part; target {target})",
        "",
        "Ablation is the honest importance of a source: the model trained with a group against "
        "the same model trained without it (same seed, horizon and window), Diebold–Mariano on "
        f"the {split} part's squared errors over the target days both forecast; `helps*` / "
        "`hurts*`: p < 0.05 for every seed. Permutation (networks only) is the RMSE increase "
        "(scaled units) when the group's inputs are shuffled across test samples: mean ± std "
        "over seeds and repeats; `0 in interval` when mean ± 2 std includes 0. Nearly collinear "
        "columns (|Spearman| ≥ 0.9 on the training part) are permuted together; only a column "
        "alone in its cluster has its own number (a group that is one cluster has only its "
        "group row).",
        "",
    ]
    keys = pd.concat(
        [f[["horizon", "window"]] for f in (summary, ablation) if f is not None and not f.empty]
    ).drop_duplicates()
    for horizon, window in keys.sort_values(["horizon", "window"]).itertuples(index=False):
        lines.append(f"### Horizon {horizon}, window {window} days")
        lines.append("")
        at = (
            summary[(summary["horizon"] == horizon) & (summary["window"] == window)]
            if summary is not None
            else None
        )
        lines += _ablation_table(ablation, at, int(horizon), int(window), names)
        if at is not None and not at.empty:
            lines += _permutation_table(at, names)
    return lines


def _ablation_table(
    ablation: pd.DataFrame,
    summary: pd.DataFrame | None,
    horizon: int,
    window: int,
    names: Mapping[str, str],
) -> list[str]:
    if ablation.empty:
        return []
    part = ablation[(ablation["horizon"] == horizon) & (ablation["window"] == window)]
    rows, sentences = [], []
    for (group, without, larger, model), sub in part.groupby(
        ["group", "without", "with", "model"], sort=False
    ):
        shown = display_label(str(group), str(group), names)
        verdict = _ablation_verdict(sub)
        perm = None
        if summary is not None and not summary.empty:
            hit = summary[
                (summary["feature_set"] == larger)
                & (summary["model"] == model)
                & (summary["level"] == "group")
                & (summary["group"] == group)
            ]
            perm = hit.iloc[0] if not hit.empty else None
        pair = f"{without} → {larger}"
        rows.append(
            [
                shown,
                pair,
                _label(str(model)),
                str(int(sub["n"].iloc[0])),
                mean_std(100 * sub["rmse_change"], 1) + " %",
                _dm_counts(sub),
                verdict,
                _spread(perm) if perm is not None else "–",
            ]
        )
        sentence = _disagreement(shown, verdict, perm)
        if sentence:
            sentences.append(f"- {_label(str(model))}, {shown} ({pair}): {sentence}")
    header = [
        "Group", "Without → with", "Model", "n", "RMSE change with the group (mean ± std "
        "over seeds)", "Seeds with DM p < 0.05", "Ablation", "Permutation of the group",
    ]  # fmt: skip
    agree = ["Permutation and ablation agree wherever both are computed."]
    return [*_table(header, rows), "", *(sentences or agree), ""]


def _permutation_table(summary: pd.DataFrame, names: Mapping[str, str]) -> list[str]:
    rows = [
        [
            str(r["feature_set"]),
            _label(str(r["model"])),
            str(r["level"]),
            display_label(str(r["feature"]), str(r["group"]), names),
            _spread(r),
        ]
        for _, r in summary.iterrows()
    ]
    header = ["Feature set", "Model", "Level", "Permuted together", "RMSE increase (mean ± std)"]
    return [
        "Permutation importance by feature set (networks; groups first, then collinear "
        "clusters and lone columns):",
        "",
        *_table(header, rows),
        "",
    ]


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
    results = _shown_sets(results, names)
    if tuned:
        results = results.assign(
            model=[
                f"{_label(m)} (tuned)" if m.removesuffix("-ens") in tuned else m
                for m in results["model"]
            ]
        )
    feature_sets = [display_set(fs, names) for fs in feature_sets]
    if backtest is not None:
        backtest = (_shown_sets(backtest[0], names), _shown_sets(backtest[1], names))
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
