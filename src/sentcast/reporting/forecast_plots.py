"""PNG plots of a forecasting run (matplotlib, no display needed)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sentcast.reporting.figures import save_figure
from sentcast.reporting.forecast_format import display_label

#: Y-axis label per target kind.
TARGET_LABELS = {
    "price": "{asset} close (USD)",
    "log_return": "{asset} log return",
    "direction": "{asset} direction (1 = up)",
}


def plot_predictions(
    predictions: pd.DataFrame,
    title: str,
    path: str | Path,
    target_kind: str = "price",
    *,
    label: str = "",
    others: Mapping[str, pd.DataFrame] | None = None,
    naive: pd.DataFrame | None = None,
    zoom: str | None = None,
    asset: str = "BTC",
) -> Path:
    """Ground truth vs predictions over time (the study's Figure 7), optionally zoomed on one
    part with other models and the naive forecast drawn alongside.

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
    label : str, optional
        Legend name of ``predictions`` (drawn as one line); without it, one line per part.
    others : mapping of str to pandas.DataFrame, optional
        More models' predictions (same columns) by legend name, drawn as lines.
    naive : pandas.DataFrame, optional
        The naive forecast's predictions, drawn dashed.
    zoom : str, optional
        Draw only the rows of this part (e.g. ``"test"``, the headline part).
    asset : str
        The target asset's display name (``[data.names]``), e.g. ``ETH-USD``.
    """

    def part(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.sort_values("target_date")
        return frame[frame["split"] == zoom] if zoom is not None else frame

    fig = Figure(figsize=(11, 4.5))
    ax = fig.subplots()
    ordered = part(predictions)
    ax.plot(ordered["target_date"], ordered["y_true"], color="black", lw=1.2, label="ground truth")
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
                label=f"{level} % conformal interval" + (f" ({label})" if label else ""),
            )
    if naive is not None:
        base = part(naive)
        ax.plot(base["target_date"], base["y_pred"], color="grey", lw=1, ls="--", label="naive")
    if label:
        ax.plot(ordered["target_date"], ordered["y_pred"], lw=1.2, color="tab:green", label=label)
    else:
        colours = {"train": "tab:blue", "validation": "tab:orange", "test": "tab:green"}
        for split, rows in ordered.groupby("split", sort=False):
            ax.plot(
                rows["target_date"],
                rows["y_pred"],
                lw=1,
                color=colours.get(str(split)),
                label=f"{split} prediction",
            )
    for (name, frame), colour in zip(
        (others or {}).items(), ("tab:red", "tab:purple"), strict=False
    ):
        rows = part(frame)
        ax.plot(rows["target_date"], rows["y_pred"], lw=1, color=colour, label=name)
    ax.set_title(title)
    ax.set_xlabel("target day" + (f" ({zoom} part)" if zoom else ""))
    ax.set_ylabel(TARGET_LABELS.get(target_kind, target_kind).format(asset=asset))
    ax.legend(fontsize=8)
    fig.autofmt_xdate()
    return save_figure(fig, path)


def plot_importance(
    summary: pd.DataFrame, title: str, path: str | Path, names: Mapping[str, str] | None = None
) -> Path:
    """Permutation importance with its spread: groups (left), then collinear clusters and lone
    columns (right).

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`sentcast.evaluation.importance.summarize_importance` rows of one plot.
    title : str
        Should name the target asset.
    path : str or Path
        Output PNG.
    names : mapping, optional
        Display name per group (``[data.names]``), used in the bar labels.

    Bars show the mean; whiskers the interval (mean ± 2 std over seeds and repeats); a grey,
    hatched bar is one whose interval includes zero (no evidence the model uses it).
    """
    names = names or {}
    groups = summary[summary["level"] == "group"]
    parts = summary[summary["level"] != "group"]
    fig = Figure(figsize=(12, max(3.0, 0.32 * max(len(groups), len(parts)) + 1.5)))
    axes = fig.subplots(1, 2, width_ratios=(2, 3))
    for ax, rows, what in (
        (axes[0], groups, "per group"),
        (axes[1], parts, "per cluster / column"),
    ):
        rows = rows.sort_values("mean")
        labels = [
            display_label(str(f), str(g), names)
            for f, g in zip(rows["feature"], rows["group"], strict=True)
        ]
        unclear = rows["includes_zero"].to_numpy(dtype=bool)
        bars = ax.barh(
            labels,
            rows["mean"].to_numpy(),
            xerr=(rows["mean"] - rows["lower"]).fillna(0.0).to_numpy(),
            color=["lightgrey" if u else "tab:blue" for u in unclear],
            edgecolor="black",
            lw=0.5,
        )
        for bar, u in zip(bars, unclear, strict=True):
            bar.set_hatch("//" if u else "")
        ax.axvline(0.0, color="black", lw=0.8)
        ax.set_title(what + (" (hatched: interval includes 0)" if unclear.any() else ""))
        ax.set_xlabel("RMSE increase (scaled units)")
    fig.suptitle(title)
    return save_figure(fig, path)
