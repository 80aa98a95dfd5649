"""A generated tweet CSV for the scoring engine tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

WORDS = ["good", "bad", "great", "awful", "bitcoin", "moon", "crash", "love", "hate", "dump"]


def write_tweets(path: Path, n: int = 600, seed: int = 0) -> Path:
    """``n`` tweets over 9 days, with one empty text and one bad date among them."""
    rng = np.random.default_rng(seed)
    texts = [" ".join(rng.choice(WORDS, 4)) for _ in range(n)]
    dates = [f"2020-01-{1 + i % 9:02d} {i % 24:02d}:00" for i in range(n)]
    texts[7], dates[11] = "", "not a date"
    pd.DataFrame({"date": dates, "text": texts}).to_csv(path, index=False)
    return path
