"""Sequence forecasters: LSTM, GRU and CNN-LSTM as scikit-learn-style estimators.

``fit(X, y, validation=(Xv, yv))`` takes raw windows ``(N, T, F)`` and targets in their own
units (USD close, log return or 0/1 direction, see :mod:`sentcast.features.windows`). The
feature scaler and the target scaler are fitted inside ``fit`` on the training windows only,
so nothing of the validation period leaks into them; ``predict`` returns the target's units.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from pydantic import Field
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from torch import nn

from sentcast.config.base import FrozenModel
from sentcast.errors import DataError, UserInputError
from sentcast.models.forecast_networks import CNNLSTMNet, GRUNet, LSTMNet
from sentcast.models.network_size import check_network_size
from sentcast.models.persistence import ARRAYS_FILE, ModelFolder, save_folder
from sentcast.models.training import (
    Trainer,
    TrainingConfig,
    TrainingHistory,
    predict_tensor,
    seed_everything,
)

Network = Literal["lstm", "gru", "cnn-lstm"]
ScalerKind = Literal["minmax", "standard"]
NETWORKS = ("lstm", "gru", "cnn-lstm")
#: Fitted attributes of each scaler kind, saved as arrays of one value per feature.
SCALER_ARRAYS = {
    "minmax": ("min_", "scale_", "data_min_", "data_max_", "data_range_"),
    "standard": ("mean_", "var_", "scale_"),
}


class NotFittedError(UserInputError, SklearnNotFittedError):
    """``predict``, ``score`` or ``save`` before ``fit``; also scikit-learn's
    ``NotFittedError``, so ``sklearn.utils.validation`` callers catch it too. It lives here,
    not in :mod:`sentcast.errors`, so that importing the errors (every command does) does not
    import scikit-learn."""


def make_scaler(kind: str) -> MinMaxScaler | StandardScaler:
    """A fresh ``MinMaxScaler`` (the study) or ``StandardScaler``."""
    if kind == "minmax":
        return MinMaxScaler()
    if kind == "standard":
        return StandardScaler()
    raise UserInputError(f"scaler must be minmax or standard, got {kind!r}")


def scaler_arrays(scaler: MinMaxScaler | StandardScaler, prefix: str) -> dict[str, np.ndarray]:
    """The fitted arrays of a scaler made by :func:`make_scaler`, keyed ``prefix.attr_``."""
    kind = "minmax" if isinstance(scaler, MinMaxScaler) else "standard"
    return {f"{prefix}.{attr}": np.asarray(getattr(scaler, attr)) for attr in SCALER_ARRAYS[kind]}


def restore_scaler(
    kind: str, arrays: dict[str, np.ndarray], prefix: str, n_features: int, where: str
) -> MinMaxScaler | StandardScaler:
    """A fitted scaler from :func:`scaler_arrays` data, after checking every array.

    Raises
    ------
    DataError
        When an array is missing or is not ``n_features`` finite numbers.
    """
    scaler = make_scaler(kind)
    for attr in SCALER_ARRAYS[kind]:
        value = arrays.get(f"{prefix}.{attr}")
        if (
            value is None
            or value.shape != (n_features,)
            or value.dtype.kind != "f"
            or not np.isfinite(value).all()
        ):
            raise DataError(f"{where}: {prefix}.{attr} is missing or not {n_features} numbers")
        setattr(scaler, attr, value)
    scaler.n_features_in_ = n_features
    return scaler


class ForecasterState(FrozenModel):
    """``state.json`` of a saved forecaster: the number of features per time step."""

    n_features: int = Field(gt=0)


def check_windows(X: np.ndarray, n_features: int | None = None) -> np.ndarray:
    """Validate a ``(N, T, F)`` window array; returns it as float64."""
    arr = np.asarray(X, dtype=float)
    if arr.ndim != 3:
        raise UserInputError(f"expected windows of shape (N, T, F), got shape {arr.shape}")
    if n_features is not None and arr.shape[2] != n_features:
        raise UserInputError(f"expected {n_features} features, got {arr.shape[2]}")
    return arr


class ForecasterMixin:
    """What every forecaster shares: the not-fitted check, ``score`` and the parameters the
    fitted state belongs to (saved by ``save``, so ``set_params`` after ``fit`` cannot make a
    saved folder disagree with its weights)."""

    target_kind: str
    fitted_params_: dict[str, Any]

    def _check_fitted(self) -> None:
        """Raise :class:`NotFittedError` unless ``fit`` (or ``load``) ran."""
        if not hasattr(self, "fitted_params_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet: call fit(X, y) first"
            )

    def _fitted_params(self) -> dict[str, Any]:
        """The parameters as ``config.json`` stores them (JSON values)."""
        params: dict[str, Any] = self.get_params()  # type: ignore[attr-defined]
        return params

    def _remember_params(self) -> None:
        self.fitted_params_ = self._fitted_params()

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """Coefficient of determination R² of ``predict(X)`` (accuracy for ``direction``
        targets), as scikit-learn's regressors and classifiers score."""
        pred = self.predict(X)  # type: ignore[attr-defined]
        if self.target_kind == "direction":
            return float(accuracy_score(y, pred))
        return float(r2_score(y, pred))


class SequenceForecaster(ForecasterMixin, BaseEstimator):
    """Recurrent forecaster over windows (see the module docstring).

    Parameters
    ----------
    network : {"lstm", "gru", "cnn-lstm"}
        Architecture.
    hidden_size, layers, dropout : int, int, float
        Recurrent width, depth and dropout (between layers and before the head).
    channels, kernel_size, pool_size : int
        ``Conv1d`` filters and width, max-pooling factor over time (``cnn-lstm`` only).
    scaler : {"minmax", "standard"}
        Scaling of features and (regression) targets, fitted on the training windows.
    target_kind : {"price", "log_return", "direction"}
        ``direction`` trains with ``BCEWithLogitsLoss`` and predicts 0/1; the others use MSE.
    train : TrainingConfig, optional
        Optimisation settings (defaults of :class:`TrainingConfig` when omitted).
    seed : int
        Seed of weights initialisation and batch order.
    """

    def __init__(
        self,
        network: Network = "lstm",
        hidden_size: int = 50,
        layers: int = 1,
        dropout: float = 0.0,
        channels: int = 32,
        kernel_size: int = 3,
        pool_size: int = 2,
        scaler: ScalerKind = "minmax",
        target_kind: str = "price",
        train: TrainingConfig | None = None,
        seed: int = 0,
    ) -> None:
        self.network = network
        self.hidden_size = hidden_size
        self.layers = layers
        self.dropout = dropout
        self.channels = channels
        self.kernel_size = kernel_size
        self.pool_size = pool_size
        self.scaler = scaler
        self.target_kind = target_kind
        self.train = train
        self.seed = seed
        self._check_size(None)

    def _check_size(self, n_features: int | None) -> None:
        """Refuse a network too large for memory; ``None``: before the data is known (one
        feature, a lower bound)."""
        inputs = "" if n_features is None else f", features={n_features}"
        sizes = (
            f"{self.network} (hidden_size={self.hidden_size}, layers={self.layers}, "
            f"channels={self.channels}, kernel_size={self.kernel_size}{inputs})"
        )
        check_network_size(lambda: self._network(n_features or 1), sizes)

    def _build(self, n_features: int) -> nn.Module:
        """The network for ``n_features`` inputs, refused before allocation if too large."""
        self._check_size(n_features)
        return self._network(n_features)

    def _network(self, n_features: int) -> nn.Module:
        if self.network == "lstm":
            return LSTMNet(n_features, self.hidden_size, self.layers, self.dropout)
        if self.network == "gru":
            return GRUNet(n_features, self.hidden_size, self.layers, self.dropout)
        if self.network == "cnn-lstm":
            return CNNLSTMNet(
                n_features,
                self.hidden_size,
                self.layers,
                self.dropout,
                self.channels,
                self.kernel_size,
                self.pool_size,
            )
        raise UserInputError(f"network must be one of {', '.join(NETWORKS)}, got {self.network!r}")

    @property
    def _classifier(self) -> bool:
        return self.target_kind == "direction"

    def _x_tensor(self, X: np.ndarray) -> torch.Tensor:
        n, t, f = X.shape
        scaled = self.x_scaler_.transform(X.reshape(n * t, f)).reshape(n, t, f)
        return torch.from_numpy(scaled.astype(np.float32))

    def _y_tensor(self, y: np.ndarray) -> torch.Tensor:
        y = np.asarray(y, dtype=float)
        if self.y_scaler_ is not None:
            y = self.y_scaler_.transform(y.reshape(-1, 1)).ravel()
        return torch.from_numpy(y.astype(np.float32))

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        validation: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> SequenceForecaster:
        """Fit scalers on ``X``/``y`` and train the network (early stopping on ``validation``).

        Returns
        -------
        self
        """
        X = check_windows(X)
        n, t, f = X.shape
        self.x_scaler_ = make_scaler(self.scaler).fit(X.reshape(n * t, f))
        self.y_scaler_ = (
            None if self._classifier else make_scaler(self.scaler).fit(np.reshape(y, (-1, 1)))
        )
        self.n_features_in_ = f
        seed_everything(self.seed)  # weight initialisation is part of the seeded run
        self.module_ = self._build(f)
        loss: nn.Module = nn.BCEWithLogitsLoss() if self._classifier else nn.MSELoss()
        trainer = Trainer(
            self.train or TrainingConfig(), loss, seed=self.seed, description=self.network
        )
        val = None
        if validation is not None:
            Xv = check_windows(validation[0], f)
            val = (self._x_tensor(Xv), self._y_tensor(validation[1]))
        self.history_: TrainingHistory = trainer.fit(
            self.module_, (self._x_tensor(X), self._y_tensor(y)), validation=val
        )
        self.module_.cpu()
        self._remember_params()
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predictions in the target's units (0/1 for ``direction``)."""
        self._check_fitted()
        X = check_windows(X, self.n_features_in_)
        out = predict_tensor(self.module_, self._x_tensor(X)).numpy().astype(float)
        if self._classifier:
            return (out > 0).astype(float)
        assert self.y_scaler_ is not None
        result: np.ndarray = self.y_scaler_.inverse_transform(out.reshape(-1, 1)).ravel()
        return result

    def _fitted_params(self) -> dict[str, Any]:
        params = self.get_params()
        params["train"] = self.train.model_dump(mode="json") if self.train else None
        return params

    def save(self, path: str | Path, metadata: dict[str, Any] | None = None) -> Path:
        """Write config, weights and scalers to the folder ``path`` (with the parameters the
        network was fitted with, whatever ``set_params`` changed since)."""
        self._check_fitted()
        arrays = scaler_arrays(self.x_scaler_, "x")
        if self.y_scaler_ is not None:
            arrays |= scaler_arrays(self.y_scaler_, "y")
        return save_folder(
            path,
            self,
            self.fitted_params_,
            metadata=metadata,
            state=ForecasterState(n_features=self.n_features_in_).model_dump(),
            arrays=arrays,
            weights=self.module_.state_dict(),
        )

    @classmethod
    def load(cls, path: str | Path) -> SequenceForecaster:
        """Rebuild a fitted forecaster saved by :meth:`save`, checking every file first."""
        folder = ModelFolder(path)
        model = folder.build(cls)
        if model.network == "cnn_lstm":  # folders saved before the cnn-lstm spelling
            model.network = "cnn-lstm"
        n = folder.state(ForecasterState).n_features
        arrays = folder.arrays()
        where = str(folder.path / ARRAYS_FILE)
        model.n_features_in_ = n
        model.x_scaler_ = restore_scaler(model.scaler, arrays, "x", n, where)
        model.y_scaler_ = (
            None if model._classifier else restore_scaler(model.scaler, arrays, "y", 1, where)
        )
        model.module_ = model._build(n)
        folder.load_weights(model.module_)
        model.module_.eval()
        model.metadata_ = folder.metadata
        model._remember_params()
        return model
