from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sentcast.errors import DataError, UserInputError
from sentcast.features.windows import make_windows, split_windows
from sentcast.models.statistical import (
    StatisticalForecaster,
    close_history,
    fit_forecaster,
    predict_forecaster,
)


def _closes(n: int = 160, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    values = 100 * np.exp(np.cumsum(rng.normal(0.002, 0.02, n)))
    return pd.Series(values, index=pd.date_range("2020-01-01", periods=n, freq="D"))


@pytest.mark.parametrize("method", ["ets", "arima", "theta", "rwd"])
def test_a_forecast_reads_no_close_after_its_origin(method: str) -> None:
    closes = _closes()
    model = StatisticalForecaster(method=method, refit_every=15).fit(closes.iloc[:100])  # type: ignore[arg-type]
    origins = closes.index[100:140]
    before = model.predict_origins(closes, origins, horizon=2)
    changed = closes.copy()
    changed.iloc[141:] *= 3.0  # every day after the last origin's target
    changed.iloc[130:] *= 1.5  # from an origin on: forecasts before it may not move
    after = model.predict_origins(changed, origins, horizon=2)
    assert np.array_equal(before[:30], after[:30])
    assert not np.array_equal(before[30:], after[30:])
    assert np.isfinite(before).all()


def test_forecasts_do_not_depend_on_which_origins_are_asked() -> None:
    closes = _closes(seed=1)
    model = StatisticalForecaster(method="ets", refit_every=10).fit(closes.iloc[:90])
    every = model.predict_origins(closes, closes.index[90:150], horizon=1)
    late = model.predict_origins(closes, closes.index[120:150], horizon=1)
    assert np.array_equal(every[30:], late)


def test_random_walk_with_drift_is_last_close_plus_mean_step() -> None:
    closes = _closes(seed=2)
    model = StatisticalForecaster(method="rwd").fit(closes.iloc[:50])
    got = model.predict_origins(closes, closes.index[[60, 80]], horizon=3)
    for value, p in zip(got, (60, 80), strict=True):
        drift = (closes.iloc[p] - closes.iloc[0]) / p
        assert value == pytest.approx(closes.iloc[p] + 3 * drift)


def test_target_units_and_errors() -> None:
    closes = _closes(seed=3)
    origins = closes.index[100:110]
    price = StatisticalForecaster(method="theta").fit(closes.iloc[:100])
    ret = StatisticalForecaster(method="theta", target_kind="log_return").fit(closes.iloc[:100])
    p = price.predict_origins(closes, origins, 1)
    r = ret.predict_origins(closes, origins, 1)
    assert np.allclose(r, np.log(p / closes.loc[origins].to_numpy()))
    with pytest.raises(DataError, match="not a day"):
        price.predict_origins(closes, pd.DatetimeIndex(["1999-01-01"]), 1)
    with pytest.raises(UserInputError, match="one of"):
        StatisticalForecaster(method="prophet").fit(closes)  # type: ignore[arg-type]
    with pytest.raises(UserInputError, match="refitted, not saved"):
        price.save("unused")


def test_windowed_samples_drive_a_statistical_model_like_a_network() -> None:
    closes = _closes(n=120, seed=4)
    frame = pd.DataFrame({"BTC_Close": closes}).rename_axis("date")
    samples = make_windows(frame, ["BTC_Close"], window=5, horizon=2)
    parts = split_windows(samples, validation=0.25, test=0.25)
    history = close_history(samples)
    assert history.index.is_monotonic_increasing
    assert history.loc[samples.end_dates].to_numpy() == pytest.approx(samples.last_close)
    model = fit_forecaster(
        StatisticalForecaster(method="ets"), parts.train, parts.validation, history
    )
    assert model.fit_end_ == parts.train.target_dates[-1]
    assert parts.test is not None
    pred = predict_forecaster(model, parts.test, history)
    expected = model.predict_origins(history, parts.test.end_dates, 2)
    assert np.array_equal(pred, expected)
    with pytest.raises(UserInputError, match="close history"):
        predict_forecaster(model, parts.test)


@pytest.mark.parametrize("method", ["ets", "arima", "theta", "rwd"])
def test_every_origin_of_the_training_part_gets_a_forecast(method: str) -> None:
    closes = _closes(n=60, seed=5)
    model = StatisticalForecaster(method=method).fit(closes.iloc[:40])  # type: ignore[arg-type]
    pred = model.predict_origins(closes, closes.index[:50], horizon=1)
    assert np.isfinite(pred).all()
    # too short a history for a model: the first origins get the last close
    assert np.array_equal(pred[:9], closes.to_numpy()[:9])
    with pytest.raises(DataError, match="at least 10 closes"):
        StatisticalForecaster(method=method).fit(closes.iloc[:9])  # type: ignore[arg-type]
