"""Writing matplotlib figures to PNG without pyplot's global state (no display needed)."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure


def save_figure(fig: Figure, path: str | Path, dpi: int = 110) -> Path:
    """Lay out ``fig`` tightly and write it to ``path`` (parent folders created)."""
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi)
    return out
