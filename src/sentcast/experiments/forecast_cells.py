"""One cell of the forecasting grid: build the estimator, fit it, score every split."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sentcast.config.forecast import ForecastExperiment
from sentcast.config.forecast_evaluation import IntervalConfig
from sentcast.evaluation.backtest import chance_accuracy
from sentcast.evaluation.intervals import LEVELS, usd_interval_metrics, usd_intervals
from sentcast.evaluation.regression import direction_hits, forecast_metrics, naive_ratio
from sentcast.evaluation.stats import diebold_mariano, direction_pvalue
from sentcast.experiments.forecast_data import CellData
from sentcast.models.baselines import NaiveForecaster
from sentcast.models.flat_baselines import ForestForecaster, MajorityForecaster, RidgeForecaster
from sentcast.models.forecast import NETWORKS, SequenceForecaster
from sentcast.models.statistical import (
    STATISTICAL,
    StatisticalForecaster,
    fit_forecaster,
    predict_forecaster,
)

#: Interval columns of ``results.csv``: coverage, mean width and interval score (USD) of the
#: conformal intervals at 80 % and 95 %, on the test row only.
INTERVAL_COLUMNS = [
    f"{name}{round(level * 100)}{unit}"
    for level in LEVELS
    for name, unit in (("cov", ""), ("width", "_usd"), ("iscore", "_usd"))
]

#: Columns of ``results.csv`` (the RUN_DIR contract), then extra diagnostics.
RESULT_COLUMNS = [
    "window",
    "horizon",
    "feature_set",
    "n_features",
    "model",
    "seed",
    "split",
    "n",
    "rmse",
    "mae",
    "rmse_usd",
    "mae_usd",
    "mape",
    "dir_acc",
    "rmse_ratio_naive",
    "dm_stat",
    "dm_pvalue",
    "dir_pvalue",
    "epochs",
    "best_epoch",
    "alpha",
    *INTERVAL_COLUMNS,
    "fit_seconds",
]


@dataclass(frozen=True)
class Cell:
    """One (window, feature set, model, seed, horizon) combination."""

    window: int
    feature_set: str
    model: str
    seed: int
    horizon: int = 1

    @property
    def id(self) -> str:
        """File-system name, e.g. ``h1_w30_BTC+Sentiment_lstm_s0``."""
        return f"h{self.horizon}_w{self.window}_{self.feature_set}_{self.model}_s{self.seed}"

    @property
    def is_network(self) -> bool:
        """Whether the model is a PyTorch network."""
        return self.model in NETWORKS


def build_estimator(name: str, config: ForecastExperiment, seed: int, data: CellData) -> Any:
    """A fresh, unfitted estimator for model ``name`` configured from the experiment, for the
    features of ``data`` (the close's position, the market columns scaled per window)."""
    kind = config.target.kind
    close_index = data.close_index
    if name in NETWORKS:
        net = config.model.network(name)
        return SequenceForecaster(
            network=name,  # type: ignore[arg-type]
            hidden_size=net.hidden_size,
            layers=net.layers,
            dropout=net.dropout,
            channels=net.channels,
            kernel_size=net.kernel_size,
            pool_size=net.pool_size,
            scaler=config.split.scaler,
            target_kind=kind,
            input_norm=net.input_norm,
            head=net.head,
            close_index=close_index,
            window_features=data.market_features,
            train=config.train,
            seed=seed,
        )
    if name == "naive":
        return NaiveForecaster(target_kind=kind, close_index=close_index)
    if name in STATISTICAL:
        stats = config.model.statistical
        return StatisticalForecaster(
            method=name,  # type: ignore[arg-type]
            season_length=stats.season_length,
            refit_every=stats.refit_every,
            target_kind=kind,
        )
    if name == "majority":
        return MajorityForecaster(target_kind=kind)
    if name == "ridge":
        ridge = config.model.ridge
        return RidgeForecaster(
            alpha=ridge.alpha,
            alphas=tuple(ridge.alphas) or None,
            target_kind=kind,
            relative=ridge.relative,
            close_index=close_index,
            input_norm=ridge.input_norm,
        )
    rf = config.model.rf
    return ForestForecaster(
        n_estimators=rf.n_estimators,
        max_depth=rf.max_depth,
        min_samples_leaf=rf.min_samples_leaf,
        max_features=rf.max_features,
        target_kind=kind,
        relative=rf.relative,
        close_index=close_index,
        seed=seed,
        input_norm=rf.input_norm,
    )


def fit_cell(model: Any, data: CellData) -> tuple[Any, float]:
    """Fit ``model`` on the cell's training windows; the validation part serves choices only
    (early stopping, the ridge penalty), the test part is never seen."""
    start = time.perf_counter()
    fit_forecaster(model, data.split.train, data.split.validation, data.close_history)
    return model, time.perf_counter() - start


def score_cell(
    cell: Cell,
    model: Any,
    data: CellData,
    kind: str,
    seconds: float,
    intervals: IntervalConfig | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Metrics rows (one per split: train, validation, test) and the predictions of every sample.

    ``rmse_ratio_naive`` and the Diebold–Mariano test (squared errors, two-sided, long-run
    variance over the ``horizon - 1`` overlapping-target lags) compare the model with the
    ``h``-step persistence forecast on the same samples; ``dir_pvalue`` is the binomial test
    of direction accuracy against the majority-direction share of the training part. The
    predictions frame (``split, horizon, end_date, target_date, y_true, y_pred, last_close,
    target_close``) holds every part. With ``intervals`` (price and log-return targets and a
    test part), conformal intervals calibrated on the validation residuals are added to the
    test samples (``lower80`` ... ``upper95``, USD) and scored on the test row
    (:data:`INTERVAL_COLUMNS`).
    """
    predicted = {
        split: predict_forecaster(model, samples, data.close_history)
        for split, samples in data.split.splits().items()
    }
    return score_predictions(cell, predicted, data, kind, seconds, intervals, model)


def score_predictions(
    cell: Cell,
    predicted: dict[str, np.ndarray],
    data: CellData,
    kind: str,
    seconds: float,
    intervals: IntervalConfig | None = None,
    model: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`score_cell` for predictions already made (one array per split of ``data``),
    e.g. the mean of a cell's seeds; ``model`` (optional) adds its epochs and penalty."""
    naive = NaiveForecaster(target_kind=kind, close_index=data.close_index)
    naive.fit(data.split.train.X, data.split.train.y)
    chance = chance_accuracy(data.split.train)
    history = getattr(model, "history_", None)
    rows, predictions = [], []
    for split, samples in data.split.splits().items():
        pred = predicted[split]
        base = naive.predict(samples.X)
        closes = (samples.last_close, samples.target_close)
        metrics = forecast_metrics(kind, samples.y, pred, *closes, data.target_range)
        naive_metrics = forecast_metrics(kind, samples.y, base, *closes, data.target_range)
        dm = diebold_mariano(pred - samples.y, base - samples.y, data.horizon)
        rows.append(
            {
                "window": cell.window,
                "horizon": data.horizon,
                "feature_set": cell.feature_set,
                "n_features": len(data.features),
                "model": cell.model,
                "seed": cell.seed,
                "split": split,
                "n": len(samples),
                **metrics,
                "dir_pvalue": direction_pvalue(
                    *direction_hits(kind, samples.y, pred, *closes), chance
                ),
                "rmse_ratio_naive": naive_ratio(kind, metrics, naive_metrics),
                "dm_stat": dm.statistic,
                "dm_pvalue": dm.pvalue,
                "epochs": history.epochs_run if history is not None else np.nan,
                "best_epoch": history.best_epoch + 1 if history is not None else np.nan,
                "alpha": getattr(model, "alpha_", np.nan),
                "fit_seconds": seconds,
            }
        )
        predictions.append(
            pd.DataFrame(
                {
                    "split": split,
                    "horizon": data.horizon,
                    "end_date": samples.end_dates,
                    "target_date": samples.target_dates,
                    "y_true": samples.y,
                    "y_pred": pred,
                    "last_close": samples.last_close,
                    "target_close": samples.target_close,
                }
            )
        )
    frame = pd.concat(predictions, ignore_index=True)
    results = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    if intervals is not None and intervals.enabled and kind != "direction":
        frame, results = _add_intervals(frame, results, kind, intervals)
    return results, frame


def _add_intervals(
    frame: pd.DataFrame, results: pd.DataFrame, kind: str, config: IntervalConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Conformal bounds of the test samples (calibrated on validation) and their scores."""
    test = frame["split"] == "test"
    if not test.any():
        return frame, results
    window = config.window if config.method == "adaptive" else None
    bounds = usd_intervals(
        frame[frame["split"] == "validation"], frame[test], kind, config.method, window
    )
    frame = frame.join(bounds)
    metrics = usd_interval_metrics(frame.loc[test, "target_close"].to_numpy(), bounds)
    row = results.index[results["split"] == "test"]
    for name, value in metrics.items():
        results.loc[row, name] = value
    return frame, results
