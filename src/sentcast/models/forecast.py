"""Sequence forecasters: LSTM, GRU and CNN-LSTM as scikit-learn-style estimators.

``fit(X, y, validation=(Xv, yv))`` takes raw windows ``(N, T, F)`` and targets in their own
units (USD close, log return or 0/1 direction, see :mod:`sentcast.features.windows`). The
feature scaler and the target scaler are fitted inside ``fit`` on the training windows only,
so nothing of the validation period leaks into them; ``predict`` returns the target's units.
"""

from __future__ import annotations

from collections.abc import Callable
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
from sentcast.errors import UserInputError
from sentcast.models.forecast_networks import CNNLSTMNet, GRUNet, LSTMNet, zero_head
from sentcast.models.network_size import check_network_size
from sentcast.models.persistence import ARRAYS_FILE, ModelFolder, save_folder
from sentcast.models.scaling import (
    SCALER_ARRAYS,
    ResidualTarget,
    WindowScaler,
    make_scaler,
    restore_scaler,
    scaler_arrays,
)
from sentcast.models.training import (
    Trainer,
    TrainingConfig,
    TrainingHistory,
    predict_tensor,
    seed_everything,
)

Network = Literal["lstm", "gru", "cnn-lstm"]
ScalerKind = Literal["minmax", "standard"]
InputNorm = Literal["window", "global"]
Head = Literal["residual", "level"]
NETWORKS = ("lstm", "gru", "cnn-lstm")
__all__ = [
    "NETWORKS",
    "SCALER_ARRAYS",
    "NotFittedError",
    "SequenceForecaster",
    "check_windows",
    "make_scaler",
    "restore_scaler",
    "scaler_arrays",
]


class NotFittedError(UserInputError, SklearnNotFittedError):
    """``predict``, ``score`` or ``save`` before ``fit``; also scikit-learn's
    ``NotFittedError``, so ``sklearn.utils.validation`` callers catch it too. It lives here,
    not in :mod:`sentcast.errors`, so that importing the errors (every command does) does not
    import scikit-learn."""


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
        Global scaling of the inputs (after the per-window step with ``input_norm="window"``)
        and, with ``head="level"``, of the targets; fitted on the training windows.
    target_kind : {"price", "log_return", "direction"}
        ``direction`` trains with ``BCEWithLogitsLoss`` and predicts 0/1; the others use MSE.
    input_norm : {"window", "global"}
        ``window`` (default): level-like features become log ratios to their value on the
        window's last day (:class:`~sentcast.models.scaling.WindowScaler`), so a test part
        trading far outside the training range looks like the training part. ``global``:
        raw levels through one scaler fitted on the training windows (the study).
    head : {"residual", "level"}
        ``residual`` (default; price and log-return targets): the network predicts the scaled
        log change from the window's last close, its head starts at zero (an untrained network
        is exactly naive) and early stopping may keep that start. ``level``: the scaled
        target itself (the study).
    close_index : int
        Position of the close among the features (the residual head's anchor).
    window_features : tuple of int, optional
        Features scaled per window; ``None``: those positive on every training day.
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
        input_norm: InputNorm = "window",
        head: Head = "residual",
        close_index: int = 3,
        window_features: tuple[int, ...] | None = None,
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
        self.input_norm = input_norm
        self.head = head
        self.close_index = close_index
        self.window_features = window_features
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

    @property
    def _residual(self) -> bool:
        return self.head == "residual" and not self._classifier

    def _check_choices(self, n_features: int) -> None:
        if self.input_norm not in ("window", "global"):
            raise UserInputError(f"input_norm must be window or global, got {self.input_norm!r}")
        if self.head not in ("residual", "level"):
            raise UserInputError(f"head must be residual or level, got {self.head!r}")
        if self._residual and not 0 <= self.close_index < n_features:
            raise UserInputError(
                f"close_index {self.close_index} is not one of the {n_features} features"
            )

    def _last_close(self, X: np.ndarray) -> np.ndarray:
        last: np.ndarray = X[:, -1, self.close_index]
        return last

    def _x_tensor(self, X: np.ndarray) -> torch.Tensor:
        n, t, f = X.shape
        if isinstance(self.x_scaler_, WindowScaler):
            scaled = self.x_scaler_.transform(X)
        else:
            scaled = self.x_scaler_.transform(X.reshape(n * t, f)).reshape(n, t, f)
        return torch.from_numpy(scaled.astype(np.float32))

    def _y_tensor(self, y: np.ndarray, X: np.ndarray) -> torch.Tensor:
        y = np.asarray(y, dtype=float)
        if self.y_residual_ is not None:
            y = self.y_residual_.transform(y, self._last_close(X))
        elif self.y_scaler_ is not None:
            y = self.y_scaler_.transform(y.reshape(-1, 1)).ravel()
        return torch.from_numpy(y.astype(np.float32))

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        validation: tuple[np.ndarray, np.ndarray] | None = None,
        on_epoch: Callable[[int, float], bool] | None = None,
    ) -> SequenceForecaster:
        """Fit scalers on ``X``/``y`` and train the network (early stopping on ``validation``).

        ``on_epoch`` (optional) is called after each epoch with ``(epoch, validation loss)``;
        ``True`` stops training (see :meth:`sentcast.models.training.Trainer.fit`).

        Returns
        -------
        self
        """
        train, val = self.prepare_fit(X, y, validation)
        loss: nn.Module = nn.BCEWithLogitsLoss() if self._classifier else nn.MSELoss()
        trainer = Trainer(
            self.train or TrainingConfig(),
            loss,
            seed=self.seed,
            description=self.network,
            score_initial=self._residual,
        )
        history = trainer.fit(self.module_, train, validation=val, on_epoch=on_epoch)
        return self.finish_fit(history)

    def prepare_fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        validation: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor] | None]:
        """The first half of :meth:`fit`: fit the scalers, build the seeded untrained network
        (``module_``) and return the training and validation tensors. Training then happens
        elsewhere (:meth:`fit`'s ``Trainer``, or several networks at once in
        :func:`sentcast.models.batched_fit.fit_batched`), and :meth:`finish_fit` ends it."""
        X = check_windows(X)
        n, t, f = X.shape
        self._check_choices(f)
        if self.input_norm == "window":
            self.x_scaler_: WindowScaler | MinMaxScaler | StandardScaler = WindowScaler(
                self.scaler, self.window_features
            ).fit(X)
        else:
            self.x_scaler_ = make_scaler(self.scaler).fit(X.reshape(n * t, f))
        self.y_residual_ = (
            ResidualTarget(self.target_kind).fit(y, self._last_close(X)) if self._residual else None
        )
        self.y_scaler_ = (
            make_scaler(self.scaler).fit(np.reshape(y, (-1, 1)))
            if not self._classifier and not self._residual
            else None
        )
        self.n_features_in_ = f
        seed_everything(self.seed)  # weight initialisation is part of the seeded run
        self.module_ = self._build(f)
        if self._residual:
            zero_head(self.module_)
        val = None
        if validation is not None:
            Xv = check_windows(validation[0], f)
            val = (self._x_tensor(Xv), self._y_tensor(validation[1], Xv))
        return (self._x_tensor(X), self._y_tensor(y, X)), val

    def finish_fit(self, history: TrainingHistory) -> SequenceForecaster:
        """The last step of :meth:`fit` once ``module_`` holds the trained weights."""
        self.history_: TrainingHistory = history
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
        if self.y_residual_ is not None:
            return self.y_residual_.inverse(out, self._last_close(X))
        assert self.y_scaler_ is not None
        result: np.ndarray = self.y_scaler_.inverse_transform(out.reshape(-1, 1)).ravel()
        return result

    def _fitted_params(self) -> dict[str, Any]:
        params = self.get_params()
        params["train"] = self.train.model_dump(mode="json") if self.train else None
        if self.window_features is not None:
            params["window_features"] = list(self.window_features)
        return params

    def save(self, path: str | Path, metadata: dict[str, Any] | None = None) -> Path:
        """Write config, weights and scalers to the folder ``path`` (with the parameters the
        network was fitted with, whatever ``set_params`` changed since)."""
        self._check_fitted()
        if isinstance(self.x_scaler_, WindowScaler):
            arrays = self.x_scaler_.arrays("x")
        else:
            arrays = scaler_arrays(self.x_scaler_, "x")
        if self.y_scaler_ is not None:
            arrays |= scaler_arrays(self.y_scaler_, "y")
        if self.y_residual_ is not None:
            arrays |= self.y_residual_.arrays("y")
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
        """Rebuild a fitted forecaster saved by :meth:`save`, checking every file first.

        Folders saved before ``input_norm`` and ``head`` existed hold the study's formulation
        (global scaling, level head) and are read as such.
        """
        folder = ModelFolder(path)
        model = folder.build(cls)
        if "input_norm" not in folder.params:
            model.input_norm, model.head = "global", "level"
        if model.network == "cnn_lstm":  # folders saved before the cnn-lstm spelling
            model.network = "cnn-lstm"
        if isinstance(model.window_features, list):
            model.window_features = tuple(model.window_features)
        n = folder.state(ForecasterState).n_features
        model._check_choices(n)
        arrays = folder.arrays()
        where = str(folder.path / ARRAYS_FILE)
        model.n_features_in_ = n
        if model.input_norm == "window":
            model.x_scaler_ = WindowScaler.restore(model.scaler, arrays, "x", n, where)
        else:
            model.x_scaler_ = restore_scaler(model.scaler, arrays, "x", n, where)
        model.y_scaler_, model.y_residual_ = None, None
        if model._residual:
            model.y_residual_ = ResidualTarget.restore(model.target_kind, arrays, "y", where)
        elif not model._classifier:
            model.y_scaler_ = restore_scaler(model.scaler, arrays, "y", 1, where)
        model.module_ = model._build(n)
        folder.load_weights(model.module_)
        model.module_.eval()
        model.metadata_ = folder.metadata
        model._remember_params()
        return model
