"""Tweet sentiment: VADER scoring at scale, streaming ingestion and daily aggregation."""

from sentcast.sentiment.batch import BatchScorer, score_texts
from sentcast.sentiment.scorer import SCORE_COLUMNS, Scorer
from sentcast.sentiment.vader import FastVaderAnalyzer, VaderScorer

__all__ = [
    "SCORE_COLUMNS",
    "BatchScorer",
    "FastVaderAnalyzer",
    "Scorer",
    "VaderScorer",
    "score_texts",
]
