"""The answer of a forecasting run at a glance: per (horizon, window), the best model.

The best model of a (horizon, window) is the (feature set, model) with the lowest mean
validation ratio to naive (:func:`~sentcast.reporting.forecast_tables.best_cells`: chosen on
validation, never on test); it is then scored on the headline part (test when the run has one).
A model *beats* naive when its mean headline ratio is below 1 and the Diebold–Mariano test
finds it better (p < 0.05) for every seed; it is *worse* when the test finds it worse for every
seed; otherwise there is *no significant difference*. The same verdicts feed the report's
summary table, its colours and the run's stdout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from sentcast.reporting.forecast_format import MODEL_LABELS, display_set
from sentcast.reporting.forecast_tables import best_cells, headline_split

Verdict = Literal["better", "worse", "same"]
BASELINES = ("naive", "majority")
#: The verdicts in words.
VERDICT_TEXT = {"better": "better", "worse": "worse", "same": "no significant difference"}
#: Significance level of the Diebold–Mariano verdicts.
ALPHA = 0.05


def verdict(rows: pd.DataFrame) -> Verdict:
    """``better`` / ``worse`` when DM p < 0.05 with that sign for every seed, else ``same``."""
    if rows.empty or rows["dm_pvalue"].isna().any():
        return "same"
    significant = rows["dm_pvalue"] < ALPHA
    if (significant & (rows["dm_stat"] < 0)).all():
        return "better"
    if (significant & (rows["dm_stat"] > 0)).all():
        return "worse"
    return "same"


@dataclass(frozen=True)
class Headline:
    """The best model of one (horizon, window), chosen on validation, scored on ``split``."""

    horizon: int
    window: int
    feature_set: str
    model: str
    split: str
    n: int
    ratio: float
    dm_pvalue: float
    dir_acc: float
    dir_pvalue: float
    cov80: float
    cov95: float
    verdict: Verdict
    shown_set: str = ""

    @property
    def label(self) -> str:
        """``"LSTM on BTC+Sentiment"`` (the feature set in display names, ``[data.names]``)."""
        return f"{MODEL_LABELS.get(self.model, self.model)} on {self.shown_set or self.feature_set}"

    @property
    def beats_naive(self) -> bool:
        """Mean ratio below 1 and significantly better for every seed."""
        return self.verdict == "better" and self.ratio < 1

    def sentence(self) -> str:
        """One plain sentence on this (horizon, window)."""
        where = f"at h = {self.horizon}, window {self.window}"
        score = f"{self.split} ratio {self.ratio:.3f}, DM p = {self.dm_pvalue:.2g}"
        if self.beats_naive:
            return f"{self.label} beats naive {where} ({score})."
        if self.verdict == "worse":
            return f"No model beats naive {where}; the best, {self.label}, is worse ({score})."
        return (
            f"No model beats naive {where}; the best, {self.label}, is not significantly "
            f"different ({score})."
        )


def _mean(rows: pd.DataFrame, column: str) -> float:
    if column not in rows:
        return float("nan")
    values = rows[column].dropna()
    return float(values.mean()) if not values.empty else float("nan")


def _max(rows: pd.DataFrame, column: str) -> float:
    values = rows[column].dropna()
    return float(values.max()) if not values.empty else float("nan")


def headlines(results: pd.DataFrame, names: Mapping[str, str] | None = None) -> list[Headline]:
    """One :class:`Headline` per (horizon, window) of ``results`` (``results.csv`` rows), in
    numeric order (horizon, then window: 7, 30, 90); ``names``: display name per group
    (``[data.names]``) for the labels."""
    if results.empty:
        return []
    split = headline_split(results)
    models = [m for m in dict.fromkeys(results["model"]) if m not in BASELINES]
    best = best_cells(results, models)
    scored = results[results["split"] == split]
    out = []
    for row in best.sort_values(["horizon", "window"]).to_dict("records"):
        rows = scored[
            (scored["horizon"] == row["horizon"])
            & (scored["window"] == row["window"])
            & (scored["feature_set"] == row["feature_set"])
            & (scored["model"] == row["model"])
        ]
        if rows.empty:
            continue
        out.append(
            Headline(
                horizon=int(row["horizon"]),
                window=int(row["window"]),
                feature_set=str(row["feature_set"]),
                model=str(row["model"]),
                split=split,
                n=int(rows["n"].iloc[0]),
                ratio=_mean(rows, "rmse_ratio_naive"),
                dm_pvalue=_max(rows, "dm_pvalue"),
                dir_acc=_mean(rows, "dir_acc"),
                dir_pvalue=_max(rows, "dir_pvalue"),
                cov80=_mean(rows, "cov80"),
                cov95=_mean(rows, "cov95"),
                verdict=verdict(rows),
                shown_set=display_set(str(row["feature_set"]), names or {}),
            )
        )
    return out


def overall_sentence(items: list[Headline]) -> str:
    """Whether anything beats naive, e.g. ``"no model beats naive (best: RF on BTC 1.076x at
    h = 1, window 7)"`` or ``"LSTM on BTC beats naive at h = 3, window 7 (p = 0.01)"``."""
    if not items:
        return "no finished model to compare with naive"
    winners = [h for h in items if h.beats_naive]
    if winners:
        return "; ".join(
            f"{h.label} beats naive at h = {h.horizon}, window {h.window} "
            f"({h.ratio:.3f}x, p = {h.dm_pvalue:.2g})"
            for h in winners
        )
    best = min(items, key=lambda h: np.inf if np.isnan(h.ratio) else h.ratio)
    return (
        f"no model beats naive (best: {best.label} {best.ratio:.3f}x at h = {best.horizon}, "
        f"window {best.window}, {best.split})"
    )
