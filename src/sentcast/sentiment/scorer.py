"""The scorer interface: anything that turns texts into (neg, neu, pos, compound) rows.

:class:`~sentcast.sentiment.vader.VaderScorer` is the default. A trained text classifier can be
plugged in later (``--scorer MODEL_DIR``) by implementing the same two members.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

SCORE_COLUMNS: tuple[str, ...] = ("neg", "neu", "pos", "compound")
"""Column order of every scorer's output."""


@runtime_checkable
class Scorer(Protocol):
    """Scores raw texts; must be picklable so that worker processes can use a copy.

    Attributes
    ----------
    name : str
        Short name written into summaries and the resume key (e.g. ``"vader"``).
    """

    name: str

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """Float64 array of shape ``(len(texts), 4)`` in :data:`SCORE_COLUMNS` order.

        A row is all NaN when the text has no content left after the scorer's own cleaning;
        callers count such rows as rejected ("empty after cleaning").
        """
        ...
