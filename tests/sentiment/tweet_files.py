"""A generated tweet CSV and a scorer with hand-picked scores for the scoring engine tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa

#: The columns of ``--scored`` (then ``label``, float64, when the job has labels).
SCORED_SCHEMA = [
    ("time", pa.timestamp("ns", tz="UTC")),
    ("text", pa.string()),
    ("neg", pa.float64()),
    ("neu", pa.float64()),
    ("pos", pa.float64()),
    ("compound", pa.float64()),
]

WORDS = ["good", "bad", "great", "awful", "bitcoin", "moon", "crash", "love", "hate", "dump"]


def write_tweets(path: Path, n: int = 600, seed: int = 0) -> Path:
    """``n`` tweets over 9 days, with one empty text and one bad date among them."""
    rng = np.random.default_rng(seed)
    texts = [" ".join(rng.choice(WORDS, 4)) for _ in range(n)]
    dates = [f"2020-01-{1 + i % 9:02d} {i % 24:02d}:00" for i in range(n)]
    texts[7], dates[11] = "", "not a date"
    pd.DataFrame({"date": dates, "text": texts}).to_csv(path, index=False)
    return path


class FixedScorer:
    """Scores (neg, neu, pos, compound) looked up in :attr:`SCORES`; any other text is empty
    after cleaning (a row of NaN). No cleaning pipeline, so results are checked by hand."""

    name = "fixed"
    SCORES: ClassVar[dict[str, tuple[float, float, float, float]]] = {
        "good": (0.0, 0.25, 0.75, 0.5),
        "bad": (0.5, 0.5, 0.0, -0.25),
        "meh": (0.125, 0.75, 0.125, 0.0),
    }

    def __init__(self) -> None:
        self.seen: list[str] = []

    def score(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        nan = (np.nan,) * 4
        return np.array([self.SCORES.get(t, nan) for t in texts], dtype=np.float64).reshape(-1, 4)
