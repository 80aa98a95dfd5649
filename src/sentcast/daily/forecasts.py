"""Forecasts of one day: the chosen model, naive and the statistical baselines, each with
conformal intervals, keyed by a data vintage.

The origin of a forecast is the newest day of the data known on the run day (under the
trading calendar, a Saturday run forecasts from Friday). Its **vintage** is a hash of the
model version and of every value the forecast read (the window, or the close history of a
statistical model): a re-run on the same data makes the same key, so storing it again is a
no-op, and a revised or extended input makes a new vintage beside the old one.

Intervals: the conformity scores are the validation part's (chosen model and naive; as in
``experiment run``) followed by the series' own realised forecasts made after it, the last
``evaluation.intervals.window`` of them (``adaptive``; ``split``: validation only). The
statistical baselines have no validation predictions here (one state update per day would
cost minutes per training): they count all their realised forecasts since the validation
part of the job's first version (which they follow), and their intervals start once enough
are realised (4 for 80 %, 19 for 95 %; ``split``: never), NaN before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import numpy as np
import pandas as pd

from sentcast.daily.config import DailyConfig
from sentcast.daily.models import ModelVersion
from sentcast.daily.store import LATEST_FORECASTS, Store
from sentcast.evaluation.intervals import LEVELS, usd_intervals
from sentcast.experiments.forecast_data import feature_set_rows
from sentcast.features.windows import CLOSE
from sentcast.models.baselines import NaiveForecaster
from sentcast.models.statistical import StatisticalForecaster

INTERVAL_COLUMNS = [
    f"{side}{round(level * 100)}" for level in LEVELS for side in ("lower", "upper")
]


def _vintage(*parts: Any) -> str:
    digest = hashlib.blake2b(digest_size=8)
    for part in parts:
        data = part.tobytes() if isinstance(part, np.ndarray) else str(part).encode()
        digest.update(data)
        digest.update(b"\x00")
    return digest.hexdigest()


class _RolledForecaster(StatisticalForecaster):
    """A :class:`StatisticalForecaster` that keeps its refits across calls: a replay asks
    for one origin a day, and each call would otherwise fit the model again at its refit
    day. A refit is reused only for the very same closes (keyed by their bytes)."""

    def _fitted(self, values: np.ndarray) -> Any:
        cache: dict[str, Any] = self.__dict__.setdefault("_refits", {})
        key = _vintage(values)
        if key not in cache:
            cache[key] = super()._fitted(values)
        return cache[key]


def _statistical(mv: ModelVersion, method: str, history: pd.Series, config: DailyConfig) -> Any:
    """The version's baseline ``method``, fitted on the closes up to its training end."""
    if method not in mv.statistical:
        stats = config.experiment.model.statistical
        model = _RolledForecaster(
            method=method,  # type: ignore[arg-type]
            season_length=stats.season_length,
            refit_every=stats.refit_every,
            target_kind=config.experiment.target.kind,
        )
        mv.statistical[method] = model.fit(history[history.index <= mv.fit_end])
    return mv.statistical[method]


def point_forecasts(
    config: DailyConfig, mv: ModelVersion, base: ModelVersion, frame: pd.DataFrame
) -> tuple[pd.Timestamp, pd.DataFrame]:
    """Point forecasts from the newest day of ``frame`` (the data known on the run day):
    ``mv``'s and naive from its windows, the statistical baselines from the closes of
    ``base`` (the job's first version: its feature set's days, from its window's end).

    Returns
    -------
    origin : pandas.Timestamp
    forecasts : pandas.DataFrame
        ``series, role, model, y_pred, last_close, vintage`` (one row per series).
    """
    cell, kind = mv.cell, config.experiment.target.kind
    days = frame.loc[feature_set_rows(frame, cell.feature_set)]
    origin = pd.Timestamp(days.index[-1])
    X = days[mv.features].to_numpy(dtype=float)[-cell.window :][np.newaxis]
    last_close = float(days[CLOSE].iloc[-1])
    naive = NaiveForecaster(target_kind=kind, close_index=mv.features.index(CLOSE))
    naive.fit(X, np.zeros(1))
    key = (cell.horizon, f"{origin:%Y-%m-%d}")
    rows = [
        ("chosen", "chosen", cell.model, mv.estimator.predict(X)[0], _vintage(mv.version, *key, X)),
        ("naive", "naive", "naive", naive.predict(X)[0], _vintage("naive", *key, last_close)),
    ]
    base_days = frame.loc[feature_set_rows(frame, base.cell.feature_set)]
    history = base_days[CLOSE].iloc[base.cell.window - 1 :]
    history = history[history.index <= origin]
    for method in config.daily.baselines:
        model = _statistical(base, method, history, config)
        pred = model.predict_origins(history, pd.DatetimeIndex([origin]), cell.horizon)[0]
        values = history.to_numpy(dtype=float)
        rows.append(
            (method, "baseline", method, pred, _vintage(base.version, method, *key, values))
        )
    out = pd.DataFrame(rows, columns=["series", "role", "model", "y_pred", "vintage"])
    out["y_pred"] = out["y_pred"].astype(float)
    out["last_close"] = last_close
    return origin, out


def realised_record(store: Store, horizon: int, after: pd.Timestamp, day: dt.date) -> pd.DataFrame:
    """Forecasts at ``horizon`` realised by ``day``, with origin after ``after``, oldest first:
    ``series, end_date, y_pred, last_close, actual_usd``."""
    return store.frame(
        f"""SELECT f.series, f.origin_day AS end_date, f.y_pred, f.last_close, o.actual_usd
        FROM ({LATEST_FORECASTS}) f JOIN outcomes o USING (series, horizon, origin_day, vintage)
        WHERE f.horizon = ? AND f.origin_day > ? AND o.target_day <= ?
        ORDER BY f.series, f.origin_day""",
        [horizon, after.date(), day],
    )


def with_intervals(
    config: DailyConfig,
    mv: ModelVersion,
    base: ModelVersion,
    store: Store,
    forecasts: pd.DataFrame,
    day: dt.date,
) -> pd.DataFrame:
    """``forecasts`` with ``forecast_usd`` and the conformal bounds (USD) of every row.

    The chosen model and naive count their realised forecasts after ``mv``'s validation part
    (its scores come first); the baselines, which follow ``base``, all theirs since ``base``'s.
    """
    kind = config.experiment.target.kind
    settings = config.experiment.evaluation.intervals
    out = forecasts.copy()
    pred, last = out["y_pred"].to_numpy(), out["last_close"].to_numpy()
    out["forecast_usd"] = pred if kind == "price" else last * np.exp(pred)
    for column in INTERVAL_COLUMNS:
        out[column] = np.nan
    if not settings.enabled:
        return out
    since = {"chosen": mv.validation_end, "naive": mv.validation_end}
    after = min(mv.validation_end, base.validation_end)
    record = realised_record(store, mv.cell.horizon, after, day)
    actual, close = record["actual_usd"].to_numpy(float), record["last_close"].to_numpy(float)
    record["y_true"] = actual if kind == "price" else np.log(actual / close)
    for i, row in out.iterrows():
        cal = mv.calibration[mv.calibration["series"] == row["series"]]
        cal = cal[["end_date", "y_true", "y_pred", "last_close"]]
        if settings.method == "adaptive":
            after = since.get(str(row["series"]), base.validation_end)
            live = record[(record["series"] == row["series"]) & (record["end_date"] > after)]
            if len(live):
                parts = [cal, live[cal.columns]] if len(cal) else [live[cal.columns]]
                cal = pd.concat(parts, ignore_index=True)
            if settings.window is not None:
                cal = cal.tail(settings.window)
        if cal.empty:
            continue
        test = pd.DataFrame(
            {"y_true": [np.nan], "y_pred": [row["y_pred"]], "last_close": [row["last_close"]]}
        )
        bounds = usd_intervals(cal, test.fillna(0.0), kind, "split")
        for column in INTERVAL_COLUMNS:
            out.loc[i, column] = float(bounds[column].iloc[0])
    return out.replace([np.inf, -np.inf], np.nan)


def forecast_day(
    config: DailyConfig,
    mv: ModelVersion,
    base: ModelVersion,
    store: Store,
    frame: pd.DataFrame,
    day: dt.date,
) -> tuple[pd.DataFrame, int]:
    """Forecast from the newest day of ``frame`` and store what is new (one transaction).

    Returns
    -------
    forecasts : pandas.DataFrame
        The rows of this run, stored or already there.
    inserted : int
        Rows new to the store.
    """
    origin, points = point_forecasts(config, mv, base, frame)
    exists = store.frame(
        "SELECT series, vintage FROM forecasts WHERE horizon = ? AND origin_day = ?",
        [mv.cell.horizon, origin.date()],
    )
    known = set(zip(exists["series"], exists["vintage"], strict=True))
    fresh = points[
        [(s, v) not in known for s, v in zip(points["series"], points["vintage"], strict=True)]
    ]
    rows = with_intervals(config, mv, base, store, fresh, day) if len(fresh) else fresh
    rows = rows.assign(
        horizon=mv.cell.horizon,
        origin_day=origin.date(),
        model_version=mv.version,
        run_day=day,
        data_end=pd.Timestamp(frame.index[-1]).date(),
        created_at=pd.Timestamp.now(tz="UTC").tz_localize(None),
    )
    if "model" in rows:
        rows.loc[rows["role"] == "chosen", "model"] = mv.cell.id
    with store.transaction():
        inserted = store.insert("forecasts", rows) if len(rows) else 0
    return rows, inserted
