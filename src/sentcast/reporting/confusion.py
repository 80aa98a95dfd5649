"""Confusion matrix as a PNG heat map (counts annotated when there are few classes).

Cells are shaded by the share of their true class (row), so a small class's errors show as
clearly as a large one's; each annotated cell carries its count with thousands separators and,
up to :data:`SHARE_MAX_CLASSES` classes, that share in %. Text is white on dark cells.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sentcast.reporting.figures import save_figure

#: Up to this many classes the cells carry their counts and the axes their labels.
ANNOTATE_MAX_CLASSES = 20
#: Up to this many classes an annotated cell also shows its share of the true class.
SHARE_MAX_CLASSES = 6


def plot_confusion(table: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Draw ``table`` (true rows x predicted columns, see
    :func:`sentcast.evaluation.classification.confusion_table`) to ``path``."""
    n = len(table)
    counts = table.to_numpy()
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    size = min(4 + 0.45 * n, 14)
    fig = Figure(figsize=(size, size * 0.85))
    ax = fig.add_subplot()
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
    if n <= ANNOTATE_MAX_CLASSES:
        ticks = range(n)
        ax.set_xticks(ticks, [str(c) for c in table.columns], rotation=45, ha="right")
        ax.set_yticks(ticks, [str(c) for c in table.index])
        fontsize = 13 if n <= 3 else 11 if n <= SHARE_MAX_CLASSES else 8
        for i in range(n):
            for j in range(n):
                text = f"{int(counts[i, j]):,}"
                if n <= SHARE_MAX_CLASSES:
                    text += f"\n{shares[i, j]:.0%}"
                colour = "white" if shares[i, j] > 0.5 else "black"
                ax.text(j, i, text, ha="center", va="center", color=colour, fontsize=fontsize)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or f"confusion matrix ({n} classes)")
    return save_figure(fig, path, dpi=100)
