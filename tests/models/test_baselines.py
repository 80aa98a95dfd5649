"""The naive baseline and the saving every baseline shares (``sentcast.models.baselines``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sentcast.errors import UserInputError
from sentcast.features.windows import make_windows
from sentcast.models.baselines import NaiveForecaster
from sentcast.models.flat_baselines import RidgeForecaster
from sentcast.models.persistence import load_estimator
from tests.features.synthetic import synthetic_panel

FEATURES = ["BTC_Open", "BTC_High", "BTC_Low", "BTC_Close", "BTC_Adj_Close", "BTC_Volume"]


def test_naive_forecasts_per_target_kind() -> None:
    frame = synthetic_panel(40)
    price = make_windows(frame, FEATURES, 5)
    naive = NaiveForecaster().fit(price.X, price.y)
    assert np.array_equal(naive.predict(price.X), price.last_close)
    ret = make_windows(frame, FEATURES, 5, kind="log_return")
    assert not NaiveForecaster("log_return").fit(ret.X, ret.y).predict(ret.X).any()
    direction = make_windows(frame, FEATURES, 5, kind="direction")
    pred = NaiveForecaster("direction").fit(direction.X, direction.y).predict(direction.X)
    close = direction.X[:, :, 3]
    assert np.array_equal(pred, (close[:, -1] > close[:, -2]).astype(float))
    one_day = make_windows(frame, FEATURES, 1, kind="direction")
    majority = float(one_day.y.mean() >= 0.5)
    assert set(NaiveForecaster("direction").fit(one_day.X, one_day.y).predict(one_day.X)) == {
        majority
    }


def test_naive_finds_the_close_column_by_name(tmp_path: Path) -> None:
    features = ["BTC_Close", "BTC_Volume", "BTC_Open"]  # the close is first, not at 3
    parts = make_windows(synthetic_panel(30), features, 4)
    naive = NaiveForecaster().fit(parts.X, parts.y, feature_names=features)
    assert naive.close_index_ == 0
    assert np.array_equal(naive.predict(parts.X), parts.last_close)
    naive.save(tmp_path / "n")
    assert np.array_equal(load_estimator(tmp_path / "n").predict(parts.X), parts.last_close)
    with pytest.raises(UserInputError, match="no close column 'BTC_Close'"):
        NaiveForecaster().fit(parts.X, parts.y, feature_names=["a", "b", "c"])
    with pytest.raises(UserInputError, match="pass feature_names= to fit"):
        NaiveForecaster().fit(parts.X, parts.y)


@pytest.mark.parametrize("model", [NaiveForecaster(), RidgeForecaster()])
def test_unfitted_baselines_raise_not_fitted(model: NaiveForecaster, tmp_path: Path) -> None:
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError

    from sentcast import NotFittedError

    parts = make_windows(synthetic_panel(30), FEATURES, 3)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.predict(parts.X)
    with pytest.raises(SklearnNotFittedError):
        model.save(tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_score_is_r2_and_naive_scores_near_one_on_prices() -> None:
    parts = make_windows(synthetic_panel(60), FEATURES, 3)
    naive = NaiveForecaster().fit(parts.X, parts.y)
    pred = naive.predict(parts.X)
    r2 = 1 - np.sum((parts.y - pred) ** 2) / np.sum((parts.y - parts.y.mean()) ** 2)
    assert naive.score(parts.X, parts.y) == pytest.approx(r2)
    direction = make_windows(synthetic_panel(60), FEATURES, 3, kind="direction")
    model = NaiveForecaster("direction").fit(direction.X, direction.y)
    accuracy = np.mean(model.predict(direction.X) == direction.y)
    assert model.score(direction.X, direction.y) == pytest.approx(accuracy)
