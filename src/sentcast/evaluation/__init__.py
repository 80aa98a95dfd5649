"""Evaluation of forecasts: error metrics, Diebold–Mariano test, walk-forward backtest,
permutation feature importance."""

from sentcast.evaluation.backtest import walk_forward
from sentcast.evaluation.importance import permutation_importance
from sentcast.evaluation.regression import forecast_metrics, implied_price
from sentcast.evaluation.stats import DieboldMariano, diebold_mariano

__all__ = [
    "DieboldMariano",
    "diebold_mariano",
    "forecast_metrics",
    "implied_price",
    "permutation_importance",
    "walk_forward",
]
