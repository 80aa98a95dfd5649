from __future__ import annotations

import numpy as np
import pytest

from sentcast.evaluation.regression import (
    direction_hits,
    forecast_metrics,
    implied_price,
    naive_ratio,
)


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
    assert np.isnan(m["mae"]) and np.isnan(m["mae_usd"]) and np.isnan(m["mape"])


def test_scaled_errors_use_the_training_range_or_none() -> None:
    last, true, pred = np.full(2, 100.0), np.array([104.0, 96.0]), np.array([101.0, 100.0])
    ranged = forecast_metrics("price", true, pred, last, true, target_range=4.0)
    assert ranged["mae"] == pytest.approx(3.5 / 4.0)
    assert ranged["rmse"] == pytest.approx(np.sqrt((9 + 16) / 2) / 4.0)
    narrow = forecast_metrics("price", true, pred, last, true, target_range=0.5)
    assert narrow["mae"] == pytest.approx(3.5 / 0.5)
    flat = forecast_metrics("price", true, pred, last, true, target_range=0.0)
    assert flat["mae"] == pytest.approx(3.5) and flat["rmse"] == pytest.approx(flat["rmse_usd"])


def test_direction_hits_count_only_samples_that_predict_a_move() -> None:
    last = np.full(4, 100.0)
    target = np.array([110.0, 90.0, 105.0, 95.0])
    # up (right), up (wrong), no move (not counted), down (right)
    pred = np.array([101.0, 102.0, 100.0, 99.0])
    assert direction_hits("price", target, pred, last, target) == (2, 3)
    returns = np.log(pred / last)
    assert direction_hits("log_return", np.log(target / last), returns, last, target) == (2, 3)
    classes = np.array([1.0, 0.0, 1.0])
    assert direction_hits("direction", classes, np.array([1.0, 1.0, 1.0]), last, target) == (2, 3)
    assert np.isnan(implied_price("direction", classes, last[:3])).all()
    assert len(implied_price("direction", classes, last[:3])) == 3


def test_naive_ratio_per_target_kind() -> None:
    assert naive_ratio("price", {"rmse_usd": 2.0}, {"rmse_usd": 4.0}) == 0.5
    assert naive_ratio("price", {"rmse_usd": 0.25}, {"rmse_usd": 0.5}) == 0.5
    assert np.isnan(naive_ratio("price", {"rmse_usd": 2.0}, {"rmse_usd": 0.0}))
    # direction: error rate over the naive error rate
    ratio = naive_ratio("direction", {"dir_acc": 0.75}, {"dir_acc": 0.5})
    assert ratio == pytest.approx(0.5)
    assert naive_ratio("direction", {"dir_acc": 0.75}, {"dir_acc": 1.0}) == pytest.approx(
        0.25 / 1e-12
    )
