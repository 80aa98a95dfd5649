"""The feature-importance section of ``tables.md``: ablation (the model trained with and
without a group, Diebold–Mariano tested) next to group permutation, a plain sentence where the
two disagree, then the permutation detail (groups, collinear clusters, lone columns).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sentcast.reporting.forecast_format import (
    display_label,
    dm_marker,
    markdown_table,
    mean_std,
    model_label,
)


def _spread(row: Any) -> str:
    """``"0.0123 ± 0.0040 (n 6)"``, with ``, 0 in interval`` when the interval includes 0."""
    sd = "" if np.isnan(row["std"]) else f" ± {row['std']:.4f}"
    zero = ", 0 in interval" if row["includes_zero"] else ""
    return f"{row['mean']:.4f}{sd} (n {int(row['n'])}{zero})"


def _ablation_verdict(rows: pd.DataFrame) -> str:
    marker = dm_marker(rows)
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
                model_label(str(model)),
                str(int(sub["n"].iloc[0])),
                mean_std(100 * sub["rmse_change"], 1) + " %",
                _dm_counts(sub),
                verdict,
                _spread(perm) if perm is not None else "–",
            ]
        )
        sentence = _disagreement(shown, verdict, perm)
        if sentence:
            sentences.append(f"- {model_label(str(model))}, {shown} ({pair}): {sentence}")
    header = [
        "Group", "Without → with", "Model", "n", "RMSE change with the group (mean ± std "
        "over seeds)", "Seeds with DM p < 0.05", "Ablation", "Permutation of the group",
    ]  # fmt: skip
    agree = ["Permutation and ablation agree wherever both are computed."]
    return [*markdown_table(header, rows), "", *(sentences or agree), ""]


def _permutation_table(summary: pd.DataFrame, names: Mapping[str, str]) -> list[str]:
    rows = [
        [
            str(r["feature_set"]),
            model_label(str(r["model"])),
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
        *markdown_table(header, rows),
        "",
    ]
