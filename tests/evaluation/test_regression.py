from __future__ import annotations

import numpy as np
import pytest

from sentcast.evaluation.regression import forecast_metrics, implied_price


def test_price_metrics_in_scaled_units_usd_and_percent() -> None:
    last = np.array([100.0, 100.0, 100.0, 100.0])
    true = np.array([110.0, 90.0, 100.0, 120.0])
    pred = np.array([105.0, 95.0, 101.0, 110.0])
    m = forecast_metrics("price", true, pred, last, true, target_range=50.0)
    errors = pred - true
    assert m["rmse_usd"] == pytest.approx(np.sqrt(np.mean(errors**2)))
    assert m["rmse"] == pytest.approx(m["rmse_usd"] / 50.0)
    assert m["mae_usd"] == pytest.approx(np.mean(np.abs(errors)))
    assert m["mape"] == pytest.approx(100 * np.mean(np.abs(errors) / true))
    # predicted moves: up/up, down/down, up/flat (wrong), up/up
    assert m["dir_acc"] == pytest.approx(0.75)
    naive = forecast_metrics("price", true, last, last, true, target_range=50.0)
    assert np.isnan(naive["dir_acc"])  # "no change" predicts no direction


def test_log_return_predictions_are_priced_from_the_last_close() -> None:
    last = np.array([100.0, 200.0])
    assert np.allclose(implied_price("log_return", np.log([1.1, 0.5]), last), [110.0, 100.0])
    true_close = np.array([110.0, 100.0])
    m = forecast_metrics(
        "log_return", np.log([1.1, 0.5]), np.log([1.1, 0.5]), last, true_close, 1.0
    )
    assert m["rmse_usd"] == pytest.approx(0.0)
    assert m["dir_acc"] == 1.0


def test_direction_reports_accuracy_only() -> None:
    m = forecast_metrics(
        "direction", np.array([1.0, 0.0]), np.array([1.0, 1.0]), np.ones(2), np.ones(2), 1.0
    )
    assert m["dir_acc"] == 0.5
    assert np.isnan(m["rmse"]) and np.isnan(m["rmse_usd"])
