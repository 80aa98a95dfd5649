from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sentcast.errors import DataError, UserInputError
from sentcast.features.sets import feature_columns
from sentcast.features.windows import SplitWindows, make_windows, split_windows
from sentcast.models.forecast import SCALER_ARRAYS, SequenceForecaster, make_scaler
from sentcast.models.persistence import ARRAYS_FILE, load_estimator
from sentcast.models.training import TrainingConfig
from tests.features.synthetic import synthetic_panel

FAST = TrainingConfig(epochs=4, batch_size=32, learning_rate=0.01, patience=2, device="cpu")
#: The study's formulation: one scaler on raw levels, the level itself as output.
STUDY: dict[str, Any] = {"input_norm": "global", "head": "level"}


def _split(n: int = 90, window: int = 6, kind: str = "price") -> SplitWindows:
    frame = synthetic_panel(n, seed=1)
    features = feature_columns("BTC+Sentiment", list(frame.columns))
    return split_windows(make_windows(frame, features, window, kind=kind), validation=0.25)  # type: ignore[arg-type]


@pytest.mark.parametrize("network", ["lstm", "gru", "cnn-lstm"])
def test_fit_predict_shapes_and_units(network: str) -> None:
    parts = _split()
    model = SequenceForecaster(network=network, hidden_size=8, channels=4, train=FAST)  # type: ignore[arg-type]
    assert (
        model.fit(parts.train.X, parts.train.y, (parts.validation.X, parts.validation.y)) is model
    )
    pred = model.predict(parts.validation.X)
    assert pred.shape == (len(parts.validation),)
    # predictions are in USD, i.e. near the close level, not in scaled [0, 1] units
    assert np.all(pred > 100)
    assert 1 <= model.history_.epochs_run <= FAST.epochs


def test_seeded_fit_reproduces_exactly_and_seed_matters() -> None:
    parts = _split()
    runs = []
    for seed in (3, 3, 4):
        model = SequenceForecaster(hidden_size=8, train=FAST, seed=seed, **STUDY)
        model.fit(parts.train.X, parts.train.y, (parts.validation.X, parts.validation.y))
        runs.append((model.predict(parts.validation.X), model.history_.val_loss))
    assert np.array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]
    assert not np.array_equal(runs[0][0], runs[2][0])


def test_scalers_and_training_predictions_ignore_validation_period_inputs() -> None:
    frame = synthetic_panel(90, seed=2)
    features = feature_columns("BTC+USD+Sentiment", list(frame.columns))
    before = split_windows(make_windows(frame, features, 6), validation=0.25)
    changed = frame.copy()
    changed.loc[changed.index > before.boundaries[0], features] *= 5.0
    after = split_windows(make_windows(changed, features, 6), validation=0.25)
    models = [
        SequenceForecaster(hidden_size=8, train=FAST, **STUDY).fit(parts.train.X, parts.train.y)
        for parts in (before, after)
    ]
    assert np.array_equal(models[0].x_scaler_.data_max_, models[1].x_scaler_.data_max_)
    assert np.array_equal(models[0].y_scaler_.data_min_, models[1].y_scaler_.data_min_)
    assert np.array_equal(models[0].predict(before.train.X), models[1].predict(after.train.X))
    # the validation inputs did change, and so do the predictions made from them
    assert not np.allclose(
        models[0].predict(before.validation.X), models[1].predict(after.validation.X)
    )


@pytest.mark.parametrize("scaler", ["minmax", "standard"])
def test_scalers_fitted_with_validation_see_only_the_training_windows(scaler: str) -> None:
    # The path every grid cell takes: fit(..., validation=...). Validation values far outside
    # the training range would move any scaler that saw them.
    parts = _split()
    train, val = parts.train, parts.validation
    one_epoch = FAST.model_copy(update={"epochs": 1})
    model = SequenceForecaster(hidden_size=4, scaler=scaler, train=one_epoch, **STUDY)  # type: ignore[arg-type]
    model.fit(train.X, train.y, validation=(val.X * 5.0, val.y * 5.0))
    f = train.X.shape[2]
    x_ref = make_scaler(scaler).fit(train.X.reshape(-1, f))
    y_ref = make_scaler(scaler).fit(train.y.reshape(-1, 1))
    for attr in SCALER_ARRAYS[scaler]:
        np.testing.assert_array_equal(getattr(model.x_scaler_, attr), getattr(x_ref, attr))
        np.testing.assert_array_equal(getattr(model.y_scaler_, attr), getattr(y_ref, attr))


@pytest.mark.parametrize(
    ("scaler", "kind", "arrays"),
    [
        ("minmax", "price", {"x.min_", "x.scale_", "y.min_", "y.data_range_"}),
        ("standard", "price", {"x.mean_", "x.var_", "x.scale_", "y.mean_"}),
        ("standard", "direction", {"x.mean_", "x.var_", "x.scale_"}),  # no target scaler
    ],
)
def test_save_load_round_trip(tmp_path: Path, scaler: str, kind: str, arrays: set[str]) -> None:
    parts = _split(kind=kind)
    model = SequenceForecaster(
        network="cnn-lstm",
        hidden_size=8,
        channels=4,
        scaler=scaler,  # type: ignore[arg-type]
        target_kind=kind,
        train=FAST,
        seed=5,
        **STUDY,
    )
    model.fit(parts.train.X, parts.train.y)
    model.save(tmp_path / "m", metadata={"features": parts.train.features})
    with np.load(tmp_path / "m" / ARRAYS_FILE, allow_pickle=False) as npz:
        assert arrays <= set(npz.files) and all(name[0] in "xy" for name in npz.files)
        assert ("y.scale_" in npz.files) == (kind != "direction")
    loaded = load_estimator(tmp_path / "m")
    assert isinstance(loaded, SequenceForecaster)
    assert loaded.get_params()["train"] == FAST
    assert loaded.metadata_["features"] == parts.train.features
    assert np.array_equal(loaded.predict(parts.validation.X), model.predict(parts.validation.X))


def test_direction_target_predicts_classes() -> None:
    parts = _split(kind="direction")
    model = SequenceForecaster(hidden_size=8, target_kind="direction", train=FAST)
    pred = model.fit(parts.train.X, parts.train.y).predict(parts.validation.X)
    assert set(np.unique(pred)) <= {0.0, 1.0}


def test_bad_inputs_are_user_errors() -> None:
    parts = _split()
    with pytest.raises(UserInputError, match="shape"):
        SequenceForecaster(train=FAST).fit(parts.train.X[:, :, 0], parts.train.y)
    model = SequenceForecaster(hidden_size=4, train=FAST).fit(parts.train.X, parts.train.y)
    with pytest.raises(UserInputError, match="features"):
        model.predict(parts.validation.X[:, :, :3])
    with pytest.raises(UserInputError, match="network"):
        SequenceForecaster(network="tcn", train=FAST).fit(parts.train.X, parts.train.y)  # type: ignore[arg-type]


def test_set_params_after_fit_then_save_then_load(tmp_path: Path) -> None:
    parts = _split()
    model = SequenceForecaster(hidden_size=8, train=FAST).fit(parts.train.X, parts.train.y)
    pred = model.predict(parts.validation.X)
    model.set_params(hidden_size=16)  # a new setting for the next fit, not the fitted weights
    model.save(tmp_path / "m")
    again = load_estimator(tmp_path / "m")
    assert again.hidden_size == 8
    assert np.array_equal(again.predict(parts.validation.X), pred)
    assert np.isfinite(again.score(parts.validation.X, parts.validation.y))


def test_unfitted_network_raises_not_fitted() -> None:
    from sentcast import NotFittedError

    with pytest.raises(NotFittedError, match="SequenceForecaster is not fitted yet"):
        SequenceForecaster().predict(np.zeros((2, 3, 4)))


def _trending_walk(n: int = 700, seed: int = 0) -> np.ndarray:
    """A random walk in log price that rallies 5.6-fold between its training part (the first
    55 %) and its test part (the last 30 %)."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, 0.02, n)
    start = int(0.55 * n)
    steps[start : start + 25] = np.log(5.6) / 25 + rng.normal(0.0, 0.005, 25)
    return 100 * np.exp(np.cumsum(steps))


def _walk_parts(close: np.ndarray, window: int = 7) -> SplitWindows:
    frame = pd.DataFrame(
        {"BTC_Close": close, "BTC_Volume": 1e6 * (1 + 0.1 * np.sin(np.arange(len(close))))},
        index=pd.date_range("2015-01-01", periods=len(close), freq="D", name="date"),
    )
    samples = make_windows(frame, ["BTC_Volume", "BTC_Close"], window)
    return split_windows(samples, validation=0.15, test=0.3)


def _ratio_to_naive(model: SequenceForecaster, parts: SplitWindows) -> float:
    assert parts.test is not None
    test = parts.test
    pred = model.fit(parts.train.X, parts.train.y, (parts.validation.X, parts.validation.y))
    err = pred.predict(test.X) - test.y
    naive = test.last_close - test.y
    return float(np.sqrt(np.mean(err**2)) / np.sqrt(np.mean(naive**2)))


@pytest.mark.slow
def test_window_formulation_stays_near_naive_far_outside_the_training_range() -> None:
    close = _trending_walk()
    parts = _walk_parts(close)
    assert parts.test is not None
    # the test part trades at 3-4 x the highest training close
    top = parts.train.last_close.max()
    assert 3 * top < parts.test.last_close.min() < parts.test.last_close.max() < 4.5 * top
    train = TrainingConfig(epochs=15, batch_size=32, learning_rate=0.003, patience=5)
    for network in ("lstm", "cnn-lstm"):
        new = SequenceForecaster(network=network, hidden_size=16, close_index=1, train=train)  # type: ignore[arg-type]
        old = SequenceForecaster(network=network, hidden_size=16, train=train, **STUDY)  # type: ignore[arg-type]
        assert _ratio_to_naive(new, parts) <= 1.05
        assert _ratio_to_naive(old, parts) > 1.5  # the study's formulation must extrapolate


def test_untrained_residual_network_is_exactly_naive_and_early_stopping_may_keep_it() -> None:
    parts = _walk_parts(_trending_walk(300, seed=1))
    no_epoch = TrainingConfig(epochs=2, batch_size=32, learning_rate=0.01, patience=1)
    model = SequenceForecaster(hidden_size=8, close_index=1, train=no_epoch)
    val = parts.validation
    # validation closes that never move: naive is perfect there, no epoch can beat it
    model.fit(parts.train.X, parts.train.y, (val.X, val.last_close))
    assert model.history_.best_epoch == -1
    assert model.history_.initial_val_loss is not None
    assert np.allclose(model.predict(parts.validation.X), parts.validation.last_close)
    level = SequenceForecaster(hidden_size=8, train=no_epoch, **STUDY)
    level.fit(parts.train.X, parts.train.y, (val.X, val.last_close))
    assert level.history_.best_epoch >= 0  # without score_initial an epoch is always kept


def test_window_model_saves_and_loads_and_old_folders_read_as_the_study(tmp_path: Path) -> None:
    parts = _walk_parts(_trending_walk(300, seed=2))
    model = SequenceForecaster(hidden_size=8, close_index=1, window_features=(0, 1), train=FAST)
    model.fit(parts.train.X, parts.train.y)
    model.save(tmp_path / "m")
    loaded = load_estimator(tmp_path / "m")
    assert loaded.window_features == (0, 1)
    assert np.array_equal(loaded.predict(parts.validation.X), model.predict(parts.validation.X))
    study = SequenceForecaster(hidden_size=8, train=FAST, **STUDY).fit(parts.train.X, parts.train.y)
    study.save(tmp_path / "old")
    config = tmp_path / "old" / "config.json"
    raw = json.loads(config.read_text())
    for key in ("input_norm", "head", "close_index", "window_features"):
        del raw["params"][key]  # a folder written before these parameters existed
    config.write_text(json.dumps(raw))
    old = load_estimator(tmp_path / "old")
    assert (old.input_norm, old.head) == ("global", "level")
    assert np.array_equal(old.predict(parts.validation.X), study.predict(parts.validation.X))


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("y.residual_scale", np.array([-1.0]), "residual_scale"),
        ("y.residual_log", np.array([0.5]), "residual_log"),
        ("x.offset", np.array([1.0, np.nan]), "offset"),
    ],
)
def test_a_window_model_folder_with_a_bad_array_is_refused(
    tmp_path: Path, name: str, value: np.ndarray, message: str
) -> None:
    parts = _walk_parts(_trending_walk(200, seed=3))
    model = SequenceForecaster(hidden_size=4, close_index=1, train=FAST)
    model.fit(parts.train.X, parts.train.y).save(tmp_path / "m")
    path = tmp_path / "m" / ARRAYS_FILE
    with np.load(path, allow_pickle=False) as npz:
        arrays = dict(npz)
    arrays[name] = value
    np.savez(path, **arrays)
    with pytest.raises(DataError, match=message):
        load_estimator(tmp_path / "m")
