"""``tables.md`` of a forecasting run, shaped like the study's Tables 1-3.

One section per window: RMSE (scaled by the training range, the study's units) on train and
validation for each model and feature set, mean ± std over seeds, with the naive row; then the
validation RMSE ratio to naive with Diebold–Mariano markers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

MODEL_LABELS = {
    "lstm": "LSTM",
    "gru": "GRU",
    "cnn_lstm": "CNN-LSTM",
    "ridge": "Ridge",
    "rf": "RF",
    "naive": "Naive",
}


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


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def window_tables(
    results: pd.DataFrame, window: int, feature_sets: Sequence[str], source: str
) -> list[str]:
    """Markdown lines of the two tables of one window (``source``: the sentiment source)."""
    data = results[results["window"] == window]
    models = [m for m in dict.fromkeys(data["model"]) if m != "naive"]
    header = ["Feature set", "n"]
    for m in models:
        header += [f"{_label(m)} train", f"{_label(m)} val"]
    lines = [
        f"## Window {window} days",
        "",
        f"RMSE (min-max scaled units of the training range). Sentiment: {source}.",
        "",
    ]
    lines += [_row(header), _row(["---"] * len(header))]
    for fs in feature_sets:
        sub = data[data["feature_set"] == fs]
        if sub.empty:
            continue
        cells = [fs, str(int(sub["n_features"].iloc[0]))]
        for m in models:
            for split in ("train", "validation"):
                part = sub[(sub["model"] == m) & (sub["split"] == split)]
                cells.append(mean_std(part["rmse"]))
        lines.append(_row(cells))
    naive = data[data["model"] == "naive"]
    if not naive.empty:
        naive_train = mean_std(naive.loc[naive["split"] == "train", "rmse"])
        naive_val = mean_std(naive.loc[naive["split"] == "validation", "rmse"])
        lines.append(
            _row(
                [
                    "Naive (persistence; same for every column)",
                    "1",
                    *[naive_train, naive_val] * len(models),
                ]
            )
        )
    lines += [
        "",
        "Validation RMSE / naive RMSE (USD), mean ± std over seeds; "
        "`better*` / `worse*`: Diebold–Mariano p < 0.05 for every seed",
        "",
    ]
    header = ["Feature set", *(_label(m) for m in models)]
    lines += [_row(header), _row(["---"] * len(header))]
    val = data[data["split"] == "validation"]
    beats = []
    for fs in feature_sets:
        sub = val[val["feature_set"] == fs]
        if sub.empty:
            continue
        cells = [fs]
        for m in models:
            part = sub[sub["model"] == m]
            cells.append(mean_std(part["rmse_ratio_naive"], 3) + _dm_marker(part))
            if not part.empty and part["rmse_ratio_naive"].mean() < 1:
                beats.append(f"{_label(m)} on {fs}")
        lines.append(_row(cells))
    lines.append("")
    if beats:
        lines.append(f"Mean validation RMSE below naive: {', '.join(beats)}.")
    else:
        lines.append("No model beats the naive forecast on validation RMSE (mean over seeds).")
    lines.append("")
    return lines


def results_markdown(
    results: pd.DataFrame,
    feature_sets: Sequence[str],
    sentiment_source: str | None,
    description: str,
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
        One line on data range, calendar and target.
    """
    source = sentiment_source or "none (no Sentiment feature set)"
    seeds = sorted(results["seed"].unique()) if not results.empty else []
    lines = [
        "# Forecasting results",
        "",
        f"Sentiment source: **{source}**.",
        "",
        f"{description} Seeds: {', '.join(map(str, seeds))}.",
        "",
    ]
    for window in sorted(results["window"].unique()):
        lines += window_tables(results, int(window), feature_sets, source)
    if results.empty:
        lines.append("No finished cell.")
    return "\n".join(lines).rstrip() + "\n"


def best_cells(results: pd.DataFrame, models: Sequence[str]) -> pd.DataFrame:
    """Per window, the (feature set, model) with the lowest mean validation RMSE among
    ``models``."""
    val = results[(results["split"] == "validation") & results["model"].isin(list(models))]
    if val.empty:
        return pd.DataFrame(columns=["window", "feature_set", "model", "rmse"])
    means = val.groupby(["window", "feature_set", "model"], as_index=False)["rmse"].mean()
    idx = means.groupby("window")["rmse"].idxmin()
    return pd.DataFrame(means.loc[np.asarray(idx)]).reset_index(drop=True)
