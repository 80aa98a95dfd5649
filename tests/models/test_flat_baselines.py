"""Majority, ridge and forest baselines on flattened windows
(``sentcast.models.flat_baselines``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sentcast.errors import UserInputError
from sentcast.features.sets import feature_columns
from sentcast.features.windows import make_windows, split_windows
from sentcast.models.flat_baselines import ForestForecaster, MajorityForecaster, RidgeForecaster
from sentcast.models.persistence import load_estimator
from tests.features.synthetic import synthetic_panel
from tests.models.test_baselines import FEATURES


@pytest.mark.parametrize("model", [RidgeForecaster(alpha=0.1), ForestForecaster(n_estimators=20)])
def test_flat_baselines_learn_and_round_trip(model: Any, tmp_path: Path) -> None:
    # sentiment leads the BTC return by a day: a learned baseline must beat persistence
    frame = synthetic_panel(160, beta=0.03)
    features = feature_columns("BTC+Sentiment", list(frame.columns))
    model.set_params(close_index=features.index("BTC_Close"))
    parts = split_windows(make_windows(frame, features, 5), validation=0.25)
    fitted = model.fit(parts.train.X, parts.train.y)
    pred = fitted.predict(parts.validation.X)
    naive_rmse = np.sqrt(np.mean((parts.validation.last_close - parts.validation.y) ** 2))
    assert np.sqrt(np.mean((pred - parts.validation.y) ** 2)) < 0.9 * naive_rmse
    fitted.save(tmp_path / "b")
    assert np.array_equal(load_estimator(tmp_path / "b").predict(parts.validation.X), pred)


def test_forest_is_seeded() -> None:
    parts = make_windows(synthetic_panel(60), FEATURES, 5)
    preds = [
        ForestForecaster(n_estimators=10, seed=s).fit(parts.X, parts.y).predict(parts.X)
        for s in (1, 1, 2)
    ]
    assert np.array_equal(preds[0], preds[1])
    assert not np.array_equal(preds[0], preds[2])


@pytest.mark.parametrize("input_norm", ["window", "global"])
def test_relative_baselines_correct_the_persistence_forecast(input_norm: str) -> None:
    frame = synthetic_panel(120)
    parts = split_windows(make_windows(frame, FEATURES, 5), validation=0.2)
    val, train = parts.validation, parts.train
    shrunk = RidgeForecaster(alpha=1e9, input_norm=input_norm).fit(train.X, train.y)
    # with an overwhelming penalty only the mean change is left: naive times a constant
    # (window: the mean log change) or plus a constant (global: the mean change in USD)
    if input_norm == "window":
        change = np.log(shrunk.predict(val.X) / val.last_close)
        expected = np.mean(np.log(train.y / train.last_close))
    else:
        change = shrunk.predict(val.X) - val.last_close
        expected = np.mean(train.y - train.last_close)
    np.testing.assert_allclose(change, expected, rtol=1e-4, atol=1e-9)
    absolute = RidgeForecaster(alpha=1e9, relative=False, input_norm=input_norm)
    assert np.allclose(absolute.fit(train.X, train.y).predict(val.X), train.y.mean())


def test_close_index_outside_the_features_is_a_user_error() -> None:
    parts = make_windows(synthetic_panel(30), ["BTC_Close"], 3)
    with pytest.raises(UserInputError, match="close_index 3"):
        RidgeForecaster().fit(parts.X, parts.y)


@pytest.mark.parametrize(("beta", "chosen"), [(0.0, 1e6), (0.03, 0.01)])
def test_ridge_cv_chooses_alpha_on_training_windows(beta: float, chosen: float) -> None:
    # no signal: the overwhelming penalty (persistence plus a constant) wins; a sentiment
    # lead: the light penalty that learns it wins
    frame = synthetic_panel(160, beta=beta)
    features = feature_columns("BTC+Sentiment", list(frame.columns))
    parts = make_windows(frame, features, 5)
    model = RidgeForecaster(alphas=(0.01, 1e6), close_index=features.index("BTC_Close"))
    model.fit(parts.X, parts.y)
    assert model.alpha_ == model.model_[-1].alpha_ == chosen
    assert model.predict(parts.X).shape == (len(parts),)


def test_ridge_chooses_alpha_on_validation_and_fits_on_training_only() -> None:
    parts = split_windows(make_windows(synthetic_panel(160), FEATURES, 5), validation=0.25)
    train, val = parts.train, parts.validation
    alphas = (0.01, 1.0, 1e6)
    model = RidgeForecaster(alphas=alphas).fit(train.X, train.y, validation=(val.X, val.y))
    errors = {
        a: np.mean((RidgeForecaster(alpha=a).fit(train.X, train.y).predict(val.X) - val.y) ** 2)
        for a in alphas
    }
    assert model.alpha_ == min(errors, key=errors.__getitem__)
    refit = RidgeForecaster(alpha=model.alpha_).fit(train.X, train.y)
    assert np.allclose(model.predict(val.X), refit.predict(val.X))


def test_majority_baseline_predicts_the_training_majority_class() -> None:
    data = make_windows(synthetic_panel(60), FEATURES, 5, kind="direction")
    majority = float(data.y.mean() >= 0.5)
    model = MajorityForecaster().fit(data.X, data.y)
    assert set(model.predict(data.X)) == {majority}
    with pytest.raises(UserInputError, match="direction targets"):
        MajorityForecaster("price").fit(data.X, data.y)


@pytest.mark.parametrize("cls", [RidgeForecaster, ForestForecaster])
def test_window_baselines_follow_a_price_level_they_never_saw(cls: Any) -> None:
    """Window-relative inputs and target: the same market at ten times the price (volumes
    too) gets forecasts ten times higher (up to the small offset that keeps zero volumes
    finite)."""
    parts = split_windows(make_windows(synthetic_panel(160), FEATURES, 5), validation=0.2)
    train, val = parts.train, parts.validation
    window = cls(input_norm="window").fit(train.X, train.y)
    np.testing.assert_allclose(window.predict(val.X * 10), 10 * window.predict(val.X), rtol=2e-3)


@pytest.mark.parametrize("cls", [RidgeForecaster, ForestForecaster])
def test_a_folder_saved_before_input_norm_reads_raw_windows(cls: Any, tmp_path: Path) -> None:
    import json

    parts = make_windows(synthetic_panel(60), FEATURES, 3)
    old = cls(input_norm="global").fit(parts.X, parts.y)
    old.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    del config["params"]["input_norm"]
    (tmp_path / "m" / "config.json").write_text(json.dumps(config))
    again = load_estimator(tmp_path / "m")
    assert again.input_norm == "global"
    np.testing.assert_array_equal(again.predict(parts.X), old.predict(parts.X))


def test_a_window_baseline_folder_missing_its_scaler_is_a_data_error(tmp_path: Path) -> None:
    from sentcast.errors import DataError

    parts = make_windows(synthetic_panel(60), FEATURES, 3)
    RidgeForecaster().fit(parts.X, parts.y).save(tmp_path / "m")
    (tmp_path / "m" / "arrays.npz").unlink()
    with pytest.raises((DataError, UserInputError)):
        load_estimator(tmp_path / "m")
