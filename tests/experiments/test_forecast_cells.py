"""Nothing of the validation or test period reaches what is fitted; validation reaches only
the choices (chosen epoch, ridge penalty), and the test part reaches nothing at all."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import torch

from sentcast.config.forecast import SplitConfig, TargetConfig
from sentcast.errors import ConfigError
from sentcast.experiments.forecast_cells import fit_cell
from sentcast.experiments.forecast_data import CellData, prepare_cell
from sentcast.models.flat_baselines import RidgeForecaster
from sentcast.models.forecast import SequenceForecaster
from sentcast.models.training import TrainingConfig
from tests.features.synthetic import synthetic_panel

TRAIN = TrainingConfig(epochs=15, batch_size=32, learning_rate=0.01, patience=3, device="cpu")
PRICES = ["BTC_Open", "BTC_High", "BTC_Low", "BTC_Close", "BTC_Adj_Close"]


@dataclass
class Fitted:
    data: CellData
    lstm: SequenceForecaster
    ridge: RidgeForecaster


def _fit(frame: pd.DataFrame) -> Fitted:
    data = prepare_cell(frame, "BTC+Sentiment", 5, 2, TargetConfig(), SplitConfig())
    lstm, _ = fit_cell(SequenceForecaster(hidden_size=8, train=TRAIN, seed=0), data)
    ridge = RidgeForecaster(alphas=(0.1, 10.0, 1e3, 1e5), close_index=data.close_index)
    ridge, _ = fit_cell(ridge, data)
    return Fitted(data, lstm, ridge)


def _same_weights(a: SequenceForecaster, b: SequenceForecaster) -> bool:
    sa, sb = a.module_.state_dict(), b.module_.state_dict()
    return all(torch.equal(sa[k], sb[k]) for k in sa)


def _same_scalers(a: SequenceForecaster, b: SequenceForecaster) -> bool:
    xa, xb = a.x_scaler_.scaler_, b.x_scaler_.scaler_  # inside the per-window step
    return (
        np.array_equal(xa.data_min_, xb.data_min_)
        and np.array_equal(xa.data_max_, xb.data_max_)
        and np.array_equal(a.x_scaler_.offset_, b.x_scaler_.offset_)
        and np.array_equal(a.x_scaler_.window_mask_, b.x_scaler_.window_mask_)
        and a.y_residual_.scale_ == b.y_residual_.scale_
    )


@pytest.fixture(scope="module")
def original() -> tuple[pd.DataFrame, Fitted]:
    frame = synthetic_panel(300, seed=3)
    return frame, _fit(frame)


def test_test_period_prices_change_nothing_fitted_or_chosen(
    original: tuple[pd.DataFrame, Fitted],
) -> None:
    frame, before = original
    _, last_validation_target = before.data.split.boundaries
    changed = frame.copy()
    changed.loc[changed.index > last_validation_target, PRICES] *= 10.0
    after = _fit(changed)
    assert not np.allclose(after.data.split.test.y, before.data.split.test.y)  # type: ignore[union-attr]
    assert _same_weights(before.lstm, after.lstm)
    assert _same_scalers(before.lstm, after.lstm)
    assert before.lstm.history_.best_epoch == after.lstm.history_.best_epoch
    assert before.lstm.history_.val_loss == after.lstm.history_.val_loss
    assert before.ridge.alpha_ == after.ridge.alpha_
    assert np.array_equal(before.ridge.model_[-1].coef_, after.ridge.model_[-1].coef_)
    assert np.array_equal(before.ridge.model_[0].mean_, after.ridge.model_[0].mean_)


def test_validation_period_prices_change_only_the_choices(
    original: tuple[pd.DataFrame, Fitted],
) -> None:
    frame, before = original
    last_train_target, last_validation_target = before.data.split.boundaries
    changed = frame.copy()
    period = (changed.index > last_train_target) & (changed.index <= last_validation_target)
    changed.loc[period, PRICES] *= 10.0
    after = _fit(changed)
    assert before.lstm.history_.val_loss != after.lstm.history_.val_loss  # validation did change
    assert _same_scalers(before.lstm, after.lstm)
    # The weights of every epoch come from training data alone: the training losses agree,
    # and the kept weights are those of a fit on training only, stopped at the chosen epoch.
    common = min(before.lstm.history_.epochs_run, after.lstm.history_.epochs_run)
    assert before.lstm.history_.train_loss[:common] == after.lstm.history_.train_loss[:common]
    train = after.data.split.train
    chosen = after.lstm.history_.best_epoch + 1
    assert chosen >= 1, "the change must make some epoch beat the untrained weights"
    alone = SequenceForecaster(
        hidden_size=8, train=TRAIN.model_copy(update={"epochs": chosen}), seed=0
    ).fit(train.X, train.y)
    assert _same_weights(after.lstm, alone)
    # Ridge: the penalty is a choice; with it, the weights are a fit on training only.
    assert after.ridge.alpha_ in (0.1, 10.0, 1e3, 1e5)
    refit = RidgeForecaster(alpha=after.ridge.alpha_, close_index=after.data.close_index)
    refit.fit(train.X, train.y)
    assert np.allclose(after.ridge.model_[-1].coef_, refit.model_[-1].coef_)
    assert np.array_equal(before.ridge.model_[0].mean_, after.ridge.model_[0].mean_)


def test_parts_smaller_than_30_samples_are_refused() -> None:
    frame = synthetic_panel(150, seed=0)
    with pytest.raises(ConfigError, match=r"split.validation: 2\d validation samples"):
        prepare_cell(frame, "BTC", 5, 1, TargetConfig(), SplitConfig())
    with pytest.raises(ConfigError, match=r"split.test: \d+ test samples"):
        prepare_cell(frame, "BTC", 5, 1, TargetConfig(), SplitConfig(validation=0.4, test=0.1))
