"""The models a forecaster picks instead of a network: statsforecast's AutoETS, AutoARIMA,
Theta and random walk with drift, rolled forward one origin at a time.

A :class:`StatisticalForecaster` is fitted on the close series of the training part. To
forecast from an origin day ``t`` it uses the closes up to ``t`` only: the fitted model's state
is updated over them (statsforecast's ``forward``: same parameters, filtered again over the
longer series) and its parameters are fitted again every ``refit_every`` days after the
training part, on the closes known at that day. No target is seen before its day, whatever
the order in which origins are asked for, and the forecasts do not depend on which other
origins are asked for in the same call (refits are anchored to the end of the training
series, not to the call). The random walk with drift has no state beyond its drift: it is
estimated from the closes up to each origin.

Networks and the other baselines read windows ``X``; these models read the whole close
history. :func:`fit_forecaster` and :func:`predict_forecaster` call either kind the same way
from windowed samples, so the experiment grid and the walk-forward backtest treat both alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from sentcast.errors import DataError, UserInputError
from sentcast.features.windows import WindowedSamples
from sentcast.models.forecast import ForecasterMixin

Method = Literal["ets", "arima", "theta", "rwd"]
#: Fewest closes a forecast is made from; an origin with fewer (only the first days of the
#: training part, whose rows are in-sample anyway) gets the last close, the naive forecast.
MIN_HISTORY = 10
#: Baseline names in configs and tables, and what each is.
STATISTICAL: dict[str, str] = {
    "ets": "AutoETS",
    "arima": "AutoARIMA",
    "theta": "Theta",
    "rwd": "random walk with drift",
}


def _model(method: str, season_length: int) -> Any:
    """A fresh statsforecast model (imported here: statsforecast loads in about a second)."""
    from statsforecast.models import AutoARIMA, AutoETS, RandomWalkWithDrift, Theta

    if method == "ets":
        return AutoETS(season_length=season_length)
    if method == "arima":
        return AutoARIMA(season_length=season_length)
    if method == "theta":
        return Theta(season_length=season_length)
    if method == "rwd":
        return RandomWalkWithDrift()
    raise UserInputError(
        f"statistical model must be one of {', '.join(STATISTICAL)}, got {method!r}"
    )


class StatisticalForecaster(ForecasterMixin, BaseEstimator):
    """A statsforecast model of the close, rolled forward origin by origin.

    Parameters
    ----------
    method : {"ets", "arima", "theta", "rwd"}
        AutoETS, AutoARIMA, Theta or random walk with drift.
    season_length : int
        Season of the automatic models (1: none; daily prices have no useful season).
    refit_every : int
        Days after the training part between two fits of the parameters; in between, the
        state is updated with each new close.
    target_kind : {"price", "log_return", "direction"}
        Forecasts of the close are returned in the target's units.
    """

    #: Reads the close history, not windows (see :func:`fit_forecaster`).
    uses_history = True

    def __init__(
        self,
        method: Method = "ets",
        season_length: int = 1,
        refit_every: int = 20,
        target_kind: str = "price",
    ) -> None:
        self.method = method
        self.season_length = season_length
        self.refit_every = refit_every
        self.target_kind = target_kind

    def fit(self, history: pd.Series) -> StatisticalForecaster:
        """Fit the model on ``history``, the closes of the training part indexed by day.

        Returns
        -------
        self
        """
        if self.refit_every < 1 or self.season_length < 1:
            raise UserInputError("refit_every and season_length must be >= 1")
        values = _checked(history)
        if len(values) < MIN_HISTORY:
            raise DataError(
                f"a statistical model needs at least {MIN_HISTORY} closes, got {len(values)}"
            )
        self.model_ = self._fitted(values)
        self.fit_end_ = pd.Timestamp(history.index[-1])
        self._remember_params()
        return self

    def _fitted(self, values: np.ndarray) -> Any:
        model = _model(self.method, self.season_length)
        return model if self.method == "rwd" else model.fit(values)

    def _forecast(self, model: Any, values: np.ndarray, horizon: int) -> float:
        if self.method == "rwd":
            mean = model.forecast(y=values, h=horizon)["mean"]
        else:
            mean = model.forward(y=values, h=horizon)["mean"]
        return float(mean[horizon - 1])

    def predict_origins(
        self, history: pd.Series, origins: pd.DatetimeIndex, horizon: int
    ) -> np.ndarray:
        """Forecast ``horizon`` days ahead of every origin, from the closes up to it only.

        Parameters
        ----------
        history : pandas.Series
            Closes indexed by day, covering every origin (later days are never read for an
            origin).
        origins : pandas.DatetimeIndex
            Days the forecasts are made on.
        horizon : int
            Steps (rows of ``history``) ahead.

        Returns
        -------
        numpy.ndarray
            One forecast per origin in the target's units.
        """
        self._check_fitted()
        values = _checked(history)
        index = pd.DatetimeIndex(history.index)
        where = index.get_indexer(origins)
        if (where < 0).any():
            raise DataError("an origin is not a day of the close history")
        fit_end = int(index.searchsorted(self.fit_end_, side="right")) - 1
        models: dict[int, Any] = {fit_end: self.model_}
        out = np.empty(len(origins))
        for i, p in enumerate(where.tolist()):
            if p + 1 < MIN_HISTORY:  # the first days of the training part: persistence
                out[i] = values[p]
                continue
            anchor = fit_end
            if p > fit_end:
                anchor = fit_end + (p - fit_end) // self.refit_every * self.refit_every
            if anchor not in models:
                models[anchor] = self._fitted(values[: anchor + 1])
            out[i] = self._forecast(models[anchor], values[: p + 1], horizon)
        return self._in_target_units(out, values[where])

    def _in_target_units(self, close: np.ndarray, last: np.ndarray) -> np.ndarray:
        if self.target_kind == "price":
            return close
        if self.target_kind == "log_return":
            ratio: np.ndarray = np.log(np.maximum(close, 1e-12) / last)
            return ratio
        return (close > last).astype(float)

    def save(self, path: str | Path, metadata: dict[str, Any] | None = None) -> Path:
        """Not supported: refit from the data (fitting takes about a second)."""
        raise UserInputError(f"{self.method}: statistical baselines are refitted, not saved")


def _checked(history: pd.Series) -> np.ndarray:
    values = history.to_numpy(dtype=float)
    if not np.isfinite(values).all() or not history.index.is_monotonic_increasing:
        raise DataError("the close history must be finite and in date order")
    return values


def close_history(samples: WindowedSamples) -> pd.Series:
    """The close on every day a sample ends on or aims at, indexed by day (chronological)."""
    days = pd.DatetimeIndex(np.concatenate([samples.end_dates, samples.target_dates]))
    closes = np.concatenate([samples.last_close, samples.target_close])
    series = pd.Series(closes, index=days)
    series = series[~series.index.duplicated()].sort_index()
    return series


def fit_forecaster(
    model: Any,
    train: WindowedSamples,
    validation: WindowedSamples | None,
    history: pd.Series | None = None,
) -> Any:
    """Fit ``model`` on the training samples; returns it.

    Window models get ``fit(X, y, validation=(Xv, yv))`` (the validation part serves their
    choices). History models (``uses_history``) are fitted on the closes of ``history`` up
    to the last training target day: the same information, as one series.
    """
    if getattr(model, "uses_history", False):
        if history is None:
            raise UserInputError(f"{type(model).__name__} needs the close history")
        return model.fit(history[history.index <= train.target_dates[-1]])
    val = None if validation is None else (validation.X, validation.y)
    return model.fit(train.X, train.y, validation=val)


def predict_forecaster(
    model: Any, samples: WindowedSamples, history: pd.Series | None = None
) -> np.ndarray:
    """Predictions of ``model`` for ``samples``: from their windows, or (history models) from
    the closes up to each sample's last day."""
    if getattr(model, "uses_history", False):
        if history is None:
            raise UserInputError(f"{type(model).__name__} needs the close history")
        horizon = _horizon(samples, history)
        result: np.ndarray = model.predict_origins(history, samples.end_dates, horizon)
        return result
    prediction: np.ndarray = model.predict(samples.X)
    return prediction


def _horizon(samples: WindowedSamples, history: pd.Series) -> int:
    if len(samples) == 0:
        return 1
    index = pd.DatetimeIndex(history.index)
    steps = index.get_indexer(samples.target_dates) - index.get_indexer(samples.end_dates)
    if (steps < 1).any() or len(set(steps.tolist())) != 1:
        raise DataError("samples aim at different horizons in the close history")
    return int(steps[0])
