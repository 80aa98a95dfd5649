"""Evaluation of forecasts: error metrics, Diebold–Mariano and binomial tests, walk-forward
backtest, grouped permutation importance and ablation."""

from sentcast.evaluation.backtest import fold_scores, walk_forward
from sentcast.evaluation.importance import (
    ablation_pairs,
    ablation_test,
    correlation_clusters,
    permutation_importance,
    summarize_importance,
)
from sentcast.evaluation.regression import forecast_metrics, implied_price, naive_ratio
from sentcast.evaluation.stats import DieboldMariano, diebold_mariano, direction_pvalue

__all__ = [
    "DieboldMariano",
    "ablation_pairs",
    "ablation_test",
    "correlation_clusters",
    "diebold_mariano",
    "direction_pvalue",
    "fold_scores",
    "forecast_metrics",
    "implied_price",
    "naive_ratio",
    "permutation_importance",
    "summarize_importance",
    "walk_forward",
]
