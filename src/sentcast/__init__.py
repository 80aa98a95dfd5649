"""sentcast: sentiment-driven forecasting and text classification with LSTM-family models.

The package is organised as one subpackage per pipeline stage; data flows one way:
``data -> text -> sentiment -> features -> models -> evaluation -> experiments -> reporting``.
The common path is importable from the top level (loaded on first use, so ``import sentcast``
stays fast)::

    from sentcast import load_panel, make_windows, split_windows, SequenceForecaster
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Top-level name -> the module that defines it.
_EXPORTS = {
    "load_panel": "sentcast.data.market",
    "read_daily_series": "sentcast.data.daily_series",
    "join_daily": "sentcast.features.join",
    "feature_columns": "sentcast.features.sets",
    "make_windows": "sentcast.features.windows",
    "split_windows": "sentcast.features.windows",
    "SequenceForecaster": "sentcast.models.forecast",
    "NaiveForecaster": "sentcast.models.baselines",
    "RidgeForecaster": "sentcast.models.flat_baselines",
    "ForestForecaster": "sentcast.models.flat_baselines",
    "TrainingConfig": "sentcast.models.training",
    "load_estimator": "sentcast.models.persistence",
    "forecast_metrics": "sentcast.evaluation.regression",
    "VaderScorer": "sentcast.sentiment.vader",
    "run_experiment": "sentcast.experiments.runner",
    "write_report": "sentcast.reporting.report",
    "shared_data_dir": "sentcast.paths",
    "NotFittedError": "sentcast.models.forecast",
    "UserInputError": "sentcast.errors",
    "DataError": "sentcast.errors",
}
__all__ = [
    "DataError",
    "ForestForecaster",
    "NaiveForecaster",
    "NotFittedError",
    "RidgeForecaster",
    "SequenceForecaster",
    "TrainingConfig",
    "UserInputError",
    "VaderScorer",
    "__version__",
    "feature_columns",
    "forecast_metrics",
    "join_daily",
    "load_estimator",
    "load_panel",
    "make_windows",
    "read_daily_series",
    "run_experiment",
    "shared_data_dir",
    "split_windows",
    "write_report",
]

if TYPE_CHECKING:
    from sentcast.data.daily_series import read_daily_series
    from sentcast.data.market import load_panel
    from sentcast.errors import DataError, UserInputError
    from sentcast.evaluation.regression import forecast_metrics
    from sentcast.experiments.runner import run_experiment
    from sentcast.features.join import join_daily
    from sentcast.features.sets import feature_columns
    from sentcast.features.windows import make_windows, split_windows
    from sentcast.models.baselines import NaiveForecaster
    from sentcast.models.flat_baselines import ForestForecaster, RidgeForecaster
    from sentcast.models.forecast import NotFittedError, SequenceForecaster
    from sentcast.models.persistence import load_estimator
    from sentcast.models.training import TrainingConfig
    from sentcast.paths import shared_data_dir
    from sentcast.reporting.report import write_report
    from sentcast.sentiment.vader import VaderScorer


def __getattr__(name: str) -> Any:
    """Import a top-level export from its module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sentcast' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
