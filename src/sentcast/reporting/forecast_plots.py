"""PNG plots of a forecasting run (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sentcast.reporting.figures import save_figure

#: Y-axis label per target kind.
TARGET_LABELS = {
    "price": "BTC close (USD)",
    "log_return": "BTC log return",
    "direction": "direction (1 = up)",
}


def plot_predictions(
    predictions: pd.DataFrame, title: str, path: str | Path, target_kind: str = "price"
) -> Path:
    """Ground truth vs train and validation predictions over time (the study's Figure 7).

    Parameters
    ----------
    predictions : pandas.DataFrame
        Columns ``split, target_date, y_true, y_pred`` (as written per cell); with
        ``lower80``/``upper80``/``lower95``/``upper95`` (price targets), the test part's
        conformal intervals are drawn as bands.
    title : str
    path : str or Path
        Output PNG.
    target_kind : {"price", "log_return", "direction"}
        What ``y_true`` / ``y_pred`` hold (labels the y axis).
    """
    fig = Figure(figsize=(11, 4.5))
    ax = fig.subplots()
    ordered = predictions.sort_values("target_date")
    ax.plot(ordered["target_date"], ordered["y_true"], color="black", lw=1, label="ground truth")
    colours = {"train": "tab:blue", "validation": "tab:orange", "test": "tab:green"}
    for level, alpha in (("95", 0.15), ("80", 0.3)):
        if target_kind == "price" and f"lower{level}" in ordered:
            band = ordered.dropna(subset=[f"lower{level}"])
            ax.fill_between(
                band["target_date"],
                band[f"lower{level}"],
                band[f"upper{level}"],
                color="tab:green",
                alpha=alpha,
                lw=0,
                label=f"{level} % conformal interval",
            )
    for split, part in ordered.groupby("split", sort=False):
        ax.plot(
            part["target_date"],
            part["y_pred"],
            lw=1,
            color=colours.get(str(split)),
            label=f"{split} prediction",
        )
    ax.set_title(title)
    ax.set_xlabel("target day")
    ax.set_ylabel(TARGET_LABELS.get(target_kind, target_kind))
    ax.legend()
    return save_figure(fig, path)


def plot_importance(importance: pd.DataFrame, title: str, path: str | Path) -> Path:
    """Horizontal bars of permutation importance per feature and per group (mean over rows)."""
    groups = importance[importance["feature"] == "(group)"]
    features = importance[importance["feature"] != "(group)"]
    by_feature = features.groupby("feature")["importance"].mean().sort_values()
    by_group = groups.groupby("group")["importance"].mean().sort_values()
    fig = Figure(figsize=(11, max(3.0, 0.28 * len(by_feature) + 1)))
    ax1, ax2 = fig.subplots(1, 2, width_ratios=(3, 2))
    ax1.barh(by_feature.index, by_feature.to_numpy(), color="tab:blue")
    ax1.set_title("per feature")
    ax1.set_xlabel("RMSE increase")
    ax2.barh(by_group.index, by_group.to_numpy(), color="tab:orange")
    ax2.set_title("per group")
    ax2.set_xlabel("RMSE increase")
    fig.suptitle(title)
    return save_figure(fig, path)
