"""How much a cleaning preset changes VADER's scores: per-text and class-level differences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sentcast.errors import DataError
from sentcast.sentiment.batch import BatchScorer
from sentcast.sentiment.daily import POSITIVE_THRESHOLD
from sentcast.sentiment.vader import VaderScorer
from sentcast.text.preprocess import TextPipeline


@dataclass(frozen=True)
class PresetComparison:
    """VADER compound scores of the same texts under two cleaning presets.

    Attributes
    ----------
    a, b : str
        Preset names.
    texts : list of str
        Texts scored under both (texts empty after either cleaning are left out).
    compound_a, compound_b : numpy.ndarray
        Compound scores.
    """

    a: str
    b: str
    texts: list[str]
    compound_a: np.ndarray
    compound_b: np.ndarray

    @property
    def classes_a(self) -> np.ndarray:
        """-1 / 0 / 1 class of each text under preset ``a`` (±0.05 thresholds)."""
        return _classes(self.compound_a)

    @property
    def classes_b(self) -> np.ndarray:
        """-1 / 0 / 1 class of each text under preset ``b``."""
        return _classes(self.compound_b)

    def summary(self, examples: int = 3) -> str:
        """Mean scores, mean absolute change, class agreement and the largest changes."""
        diff = np.abs(self.compound_a - self.compound_b)
        same_class = float(np.mean(self.classes_a == self.classes_b))
        flips = float(np.mean(self.classes_a * self.classes_b == -1))
        lines = [
            f"texts compared: {len(self.texts):,}",
            f"mean compound: {self.a} {self.compound_a.mean():+.4f}, "
            f"{self.b} {self.compound_b.mean():+.4f}",
            f"mean |compound difference|: {diff.mean():.4f}; changed: {np.mean(diff > 0):.1%}",
            f"same class (pos/neu/neg at ±{POSITIVE_THRESHOLD}): {same_class:.1%}; "
            f"positive<->negative flips: {flips:.1%}",
        ]
        for i in np.argsort(-diff, kind="stable")[:examples]:
            lines.append(
                f"  {self.compound_a[i]:+.4f} -> {self.compound_b[i]:+.4f}  {self.texts[i]!r}"
            )
        return "\n".join(lines)


def _classes(compound: np.ndarray) -> np.ndarray:
    return np.where(
        compound >= POSITIVE_THRESHOLD, 1, np.where(compound <= -POSITIVE_THRESHOLD, -1, 0)
    )


def compare_presets(
    texts: Sequence[str], a: str = "vader", b: str = "study", workers: int | None = 1
) -> PresetComparison:
    """Score ``texts`` with VADER after cleaning presets ``a`` and ``b``.

    Raises
    ------
    ValueError
        If a preset name is unknown.
    DataError
        If no text has content left under both presets.
    """
    scores = []
    for name in (a, b):
        with BatchScorer(VaderScorer(TextPipeline.preset(name)), workers) as batch:
            scores.append(batch.score(list(texts))[:, -1])
    both = ~np.isnan(scores[0]) & ~np.isnan(scores[1])
    kept = [t for t, ok in zip(texts, both, strict=True) if ok]
    if not kept:
        raise DataError(
            f"no text to compare: {len(texts)} text(s), none with content after {a!r} and {b!r}"
        )
    return PresetComparison(a, b, kept, scores[0][both], scores[1][both])
