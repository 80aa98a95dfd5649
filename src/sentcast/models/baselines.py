"""The naive baseline and what every saved baseline shares, with the interface of
:class:`~sentcast.models.forecast.SequenceForecaster`.

* :class:`NaiveForecaster` — persistence, ``h`` steps ahead. ``price``: the close ``h`` rows
  later = the window's last close; ``log_return``: 0 (no change); ``direction``: the direction
  of the window's last move, "same as the last move" (majority class of the training targets
  when the window has one day).
* :class:`SavedBaseline` — ``save`` / ``load`` of every baseline (this one and the scikit-learn
  pipelines on flattened windows of :mod:`sentcast.models.flat_baselines`), with
  :class:`BaselineState` as ``state.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field
from sklearn.base import BaseEstimator

from sentcast.config.base import FrozenModel
from sentcast.errors import UserInputError
from sentcast.models.forecast import ForecasterMixin, check_windows
from sentcast.models.persistence import ModelFolder, save_folder


class BaselineState(FrozenModel):
    """``state.json`` of a saved baseline."""

    n_features: int = Field(gt=0)
    majority: float = Field(0.0, ge=0, le=1)
    alpha: float | None = Field(None, gt=0, description="the ridge penalty chosen by fit")
    close_index: int | None = Field(None, ge=0, description="the naive forecast's close")


class SavedBaseline(ForecasterMixin, BaseEstimator):
    """``save``/``load`` for baselines: params in ``config.json``, sizes in ``state.json``, a
    fitted scikit-learn pipeline (``model_``, when there is one) in ``model.skops``."""

    n_features_in_: int

    def _state(self) -> BaselineState:
        return BaselineState(n_features=self.n_features_in_)

    def _restore(self, state: BaselineState, folder: ModelFolder) -> None:
        self.n_features_in_ = state.n_features

    def _arrays(self) -> dict[str, np.ndarray]:
        """Fitted numeric state for ``arrays.npz`` (none by default)."""
        return {}

    def save(self, path: str | Path, metadata: dict[str, Any] | None = None) -> Path:
        """Write params (as fitted) and fitted state to the folder ``path``."""
        self._check_fitted()
        return save_folder(
            path,
            self,
            self.fitted_params_,
            metadata=metadata,
            state=self._state().model_dump(exclude_none=True),
            arrays=self._arrays() or None,
            sklearn_model=getattr(self, "model_", None),
        )

    @classmethod
    def load(cls, path: str | Path) -> Any:
        """Rebuild a fitted baseline saved by :meth:`save`, checking every file first."""
        folder = ModelFolder(path)
        model = folder.build(cls)
        model._restore(folder.state(BaselineState), folder)
        model.metadata_ = folder.metadata
        model._remember_params()
        return model


class NaiveForecaster(SavedBaseline):
    """Persistence forecast (see the module docstring).

    Parameters
    ----------
    target_kind : {"price", "log_return", "direction"}
    close_index : int
        Position of the BTC close among the features (3 in every study feature set); used
        when ``fit`` gets no ``feature_names``.
    close_column : str
        Name of the BTC close: with ``fit(..., feature_names=...)`` its position is found
        there (``close_index_``), whatever the order of the features.
    """

    def __init__(
        self, target_kind: str = "price", close_index: int = 3, close_column: str = "BTC_Close"
    ) -> None:
        self.target_kind = target_kind
        self.close_index = close_index
        self.close_column = close_column

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        validation: tuple[np.ndarray, np.ndarray] | None = None,
        feature_names: Sequence[str] | None = None,
    ) -> NaiveForecaster:
        """Find the close (by name in ``feature_names`` when given) and record the majority
        class (used by ``direction`` with one-day windows); returns self.

        Raises
        ------
        UserInputError
            ``feature_names`` has no ``close_column``, or the windows have no such position.
        """
        X = check_windows(X)
        self.n_features_in_ = X.shape[2]
        if feature_names is not None:
            names = list(feature_names)
            if self.close_column not in names:
                raise UserInputError(
                    f"no close column {self.close_column!r} among the features {names}"
                )
            self.close_index_ = names.index(self.close_column)
        else:
            self.close_index_ = self.close_index
        if not 0 <= self.close_index_ < self.n_features_in_:
            raise UserInputError(
                f"close_index {self.close_index_} is not a feature position "
                f"(F={self.n_features_in_}); pass feature_names= to fit"
            )
        self.majority_ = float(np.mean(y) >= 0.5) if self.target_kind == "direction" else 0.0
        self._remember_params()
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The persistence forecast of every window."""
        self._check_fitted()
        X = check_windows(X, self.n_features_in_)
        close = X[:, :, self.close_index_]
        if self.target_kind == "price":
            return close[:, -1].copy()
        if self.target_kind == "log_return":
            return np.zeros(len(X))
        if X.shape[1] < 2:
            return np.full(len(X), self.majority_)
        return (close[:, -1] > close[:, -2]).astype(float)

    def _state(self) -> BaselineState:
        return BaselineState(
            n_features=self.n_features_in_, majority=self.majority_, close_index=self.close_index_
        )

    def _restore(self, state: BaselineState, folder: ModelFolder) -> None:
        super()._restore(state, folder)
        self.majority_ = state.majority
        self.close_index_ = self.close_index if state.close_index is None else state.close_index
