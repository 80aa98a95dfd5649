"""Confusion matrix as a PNG heat map (counts annotated when there are few classes)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sentcast.reporting.figures import save_figure

#: Up to this many classes the cells carry their counts and the axes their labels.
ANNOTATE_MAX_CLASSES = 20


def plot_confusion(table: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Draw ``table`` (true rows x predicted columns, see
    :func:`sentcast.evaluation.classification.confusion_table`) to ``path``."""
    n = len(table)
    size = min(4 + 0.45 * n, 14)
    fig = Figure(figsize=(size, size * 0.85))
    ax = fig.add_subplot()
    image = ax.imshow(table.to_numpy(), cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    if n <= ANNOTATE_MAX_CLASSES:
        ticks = range(n)
        ax.set_xticks(ticks, [str(c) for c in table.columns], rotation=45, ha="right")
        ax.set_yticks(ticks, [str(c) for c in table.index])
        counts = table.to_numpy()
        peak = counts.max()
        for i in range(n):
            for j in range(n):
                value = int(counts[i, j])
                colour = "white" if value > peak / 2 else "black"
                ax.text(j, i, str(value), ha="center", va="center", color=colour, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or f"confusion matrix ({n} classes)")
    return save_figure(fig, path, dpi=100)
