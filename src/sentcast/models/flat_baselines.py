"""Baselines on windows flattened to ``(N, T*F)``: scikit-learn pipelines with the interface
of :class:`~sentcast.models.forecast.SequenceForecaster`, saved and loaded by
:class:`~sentcast.models.baselines.SavedBaseline`.

* :class:`MajorityForecaster` — ``direction`` only: the majority class of the training targets
  (scikit-learn's ``DummyClassifier``).
* :class:`RidgeForecaster` — ridge regression (logistic regression for ``direction``) on
  flattened, standardised windows; with ``alphas``, the penalty is chosen on the validation
  part passed to ``fit`` (weights are fitted on the training windows only).
* :class:`ForestForecaster` — random forest on flattened windows.

Ridge and the forest read windows as the networks do (``input_norm``):

* ``"window"`` (default): every level-like feature (prices, volumes) as log ratios to its value
  on the window's last day (:class:`~sentcast.models.scaling.WindowScaler`), and, with
  ``relative=True`` and ``price`` or ``log_return`` targets, the scaled log change from the last
  close as the target (:class:`~sentcast.models.scaling.ResidualTarget`): a test part trading
  far outside the training range then looks like the training part, and a prediction of 0 is
  the naive forecast.
* ``"global"`` (the study's baselines): raw levels, and with ``relative=True`` and ``price``
  targets the change in USD from the last close (``y - close[t]``), added back when predicting.
  A forest on levels cannot leave the training range; the USD change still scales with it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge, RidgeCV
from sklearn.model_selection import GridSearchCV, PredefinedSplit, TimeSeriesSplit
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sentcast.errors import UserInputError
from sentcast.models.baselines import BaselineState, SavedBaseline
from sentcast.models.forecast import check_windows
from sentcast.models.persistence import ModelFolder
from sentcast.models.scaling import ResidualTarget, WindowScaler

#: Folds of the time-series cross-validation that chooses the ridge penalty among ``alphas``.
RIDGE_CV_FOLDS = 5


class _FlatModel(SavedBaseline):
    """A scikit-learn pipeline on windows flattened to ``(N, T*F)``."""

    target_kind: str
    relative: bool
    close_index: int
    #: ``window`` or ``global`` (see the module docstring); a class without the parameter
    #: reads raw windows.
    input_norm: str = "global"

    def _pipeline(self) -> Pipeline:
        raise NotImplementedError

    @property
    def _residual(self) -> bool:
        """Whether the target is the scaled change from the last close (``ResidualTarget``)."""
        return (
            self.input_norm == "window"
            and self.relative
            and self.target_kind in ("price", "log_return")
        )

    def _arrays(self) -> dict[str, np.ndarray]:
        arrays: dict[str, np.ndarray] = {}
        if self.input_norm == "window":
            arrays |= self.x_window_.arrays("x")
        if self.y_residual_ is not None:
            arrays |= self.y_residual_.arrays("y")
        return arrays

    def _restore(self, state: BaselineState, folder: ModelFolder) -> None:
        super()._restore(state, folder)
        self.model_ = folder.sklearn_model(Pipeline)
        if "input_norm" not in folder.params:  # saved before input_norm: raw windows
            self.input_norm = "global"
        self._check_choices()
        arrays = folder.arrays() if self.input_norm == "window" else {}  # _residual needs it
        where = str(folder.path / "arrays.npz")
        if self.input_norm == "window":
            self.x_window_ = WindowScaler.restore(
                "standard", arrays, "x", self.n_features_in_, where
            )
        self.y_residual_ = None
        if self._residual:
            self.y_residual_ = ResidualTarget.restore(self.target_kind, arrays, "y", where)

    def _check_choices(self) -> None:
        if self.input_norm not in ("window", "global"):
            raise UserInputError(f"input_norm must be window or global, got {self.input_norm!r}")

    def _last_close(self, X: np.ndarray) -> np.ndarray:
        if not 0 <= self.close_index < X.shape[2]:
            raise UserInputError(
                f"close_index {self.close_index} is not a feature position (F={X.shape[2]})"
            )
        last: np.ndarray = X[:, -1, self.close_index]
        return last

    def _offset(self, X: np.ndarray) -> np.ndarray:
        if self.relative and self.target_kind == "price" and not self._residual:
            return self._last_close(X)
        return np.zeros(len(X))

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        """Windows as the pipeline reads them, flattened."""
        if self.input_norm == "window":
            X = self.x_window_.transform(X)
        return X.reshape(len(X), -1)

    def _flat(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flattened windows and the fitted target (the scaled change from the last close, or
        ``y`` minus the offset)."""
        if self.y_residual_ is not None:
            return self._inputs(X), self.y_residual_.transform(y, self._last_close(X))
        return self._inputs(X), np.asarray(y, dtype=float) - self._offset(X)

    def _fit_flat(
        self,
        flat: np.ndarray,
        target: np.ndarray,
        validation: tuple[np.ndarray, np.ndarray] | None,
    ) -> Pipeline:
        return self._pipeline().fit(flat, target)

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        validation: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> _FlatModel:
        """Fit the scalers and the pipeline on the flattened training windows; returns self.

        ``validation`` is used for choices only (the ridge penalty), never for fitting.
        """
        X = check_windows(X)
        self._check_choices()
        self.n_features_in_ = X.shape[2]
        if self.input_norm == "window":
            self.x_window_ = WindowScaler("standard").fit(X)
        self.y_residual_ = (
            ResidualTarget(self.target_kind).fit(y, self._last_close(X)) if self._residual else None
        )
        val = None
        if validation is not None:
            val = self._flat(check_windows(validation[0], self.n_features_in_), validation[1])
        self.model_ = self._fit_flat(*self._flat(X, y), val)
        self._remember_params()
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predictions in the target's units."""
        self._check_fitted()
        X = check_windows(X, self.n_features_in_)
        expected = getattr(self.model_, "n_features_in_", None)
        if expected is not None and X.shape[1] * X.shape[2] != expected:
            raise UserInputError(
                f"expected windows of {expected // X.shape[2]} days, got {X.shape[1]}"
            )
        pred = np.asarray(self.model_.predict(self._inputs(X)), dtype=float)
        if self.y_residual_ is not None:
            return self.y_residual_.inverse(pred, self._last_close(X))
        return pred + self._offset(X)


class MajorityForecaster(_FlatModel):
    """The majority class of the training targets (``direction`` targets only).

    Parameters
    ----------
    target_kind : {"direction"}
    """

    relative = False
    close_index = 0

    def __init__(self, target_kind: str = "direction") -> None:
        self.target_kind = target_kind

    def _pipeline(self) -> Pipeline:
        if self.target_kind != "direction":
            raise UserInputError(
                f"the majority baseline needs direction targets, got {self.target_kind!r}"
            )
        return make_pipeline(DummyClassifier(strategy="most_frequent"))


class RidgeForecaster(_FlatModel):
    """Ridge (or logistic for ``direction``) regression on standardised flattened windows.

    Parameters
    ----------
    alpha : float
        L2 penalty (``C = 1 / alpha`` for the logistic model).
    alphas : sequence of float, optional
        Choose the penalty among these (``alpha`` is then unused; the choice is ``alpha_``):
        by the validation score of a fit on the training windows when ``fit`` gets a
        ``validation`` part (``GridSearchCV`` over one ``PredefinedSplit``; log loss for
        ``direction``), else by ``TimeSeriesSplit`` cross-validation (:data:`RIDGE_CV_FOLDS`
        folds) on the training windows (``RidgeCV``, regression targets only). The weights are
        then fitted on the training windows only.
    target_kind : {"price", "log_return", "direction"}
    relative : bool
        Fit the change from the last close (see the module docstring).
    close_index : int
        Position of the BTC close among the features.
    input_norm : {"window", "global"}
        Window-relative inputs and target (default) or raw levels (the study's baselines).
    """

    def __init__(
        self,
        alpha: float = 1.0,
        alphas: Sequence[float] | None = None,
        target_kind: str = "price",
        relative: bool = True,
        close_index: int = 3,
        input_norm: str = "window",
    ) -> None:
        self.alpha = alpha
        self.alphas = alphas
        self.target_kind = target_kind
        self.relative = relative
        self.close_index = close_index
        self.input_norm = input_norm

    def _state(self) -> BaselineState:
        return BaselineState(n_features=self.n_features_in_, alpha=self.alpha_)

    def _restore(self, state: BaselineState, folder: ModelFolder) -> None:
        super()._restore(state, folder)
        self.alpha_ = self.alpha if state.alpha is None else state.alpha

    def _pipeline(self, alpha: float | None = None) -> Pipeline:
        alpha = self.alpha if alpha is None else alpha
        if self.target_kind == "direction":
            return make_pipeline(StandardScaler(), LogisticRegression(C=1.0 / alpha))
        return make_pipeline(StandardScaler(), Ridge(alpha=alpha))

    def _fit_flat(
        self,
        flat: np.ndarray,
        target: np.ndarray,
        validation: tuple[np.ndarray, np.ndarray] | None,
    ) -> Pipeline:
        self.alpha_ = self.alpha
        if not self.alphas:
            return self._pipeline().fit(flat, target)
        if validation is None:
            if self.target_kind == "direction":
                raise UserInputError("choosing the logistic penalty needs a validation part")
            cv = TimeSeriesSplit(n_splits=RIDGE_CV_FOLDS)
            model = make_pipeline(StandardScaler(), RidgeCV(alphas=list(self.alphas), cv=cv))
            model.fit(flat, target)
            self.alpha_ = float(model[-1].alpha_)
            return model
        self.alpha_ = self._choose_alpha(flat, target, *validation)
        return self._pipeline(self.alpha_).fit(flat, target)

    def _choose_alpha(
        self, flat: np.ndarray, target: np.ndarray, flat_val: np.ndarray, target_val: np.ndarray
    ) -> float:
        """The penalty of ``alphas`` with the best validation score of a fit on training only."""
        alphas = [float(a) for a in self.alphas or ()]
        if self.target_kind == "direction":
            grid, scoring = {"logisticregression__C": [1.0 / a for a in alphas]}, "neg_log_loss"
        else:
            grid, scoring = {"ridge__alpha": alphas}, "neg_mean_squared_error"
        # One predefined split: fit on the training rows (-1), score on the validation rows.
        fold = np.concatenate([np.full(len(flat), -1), np.zeros(len(flat_val))])
        search = GridSearchCV(
            self._pipeline(alphas[0]), grid, scoring=scoring, cv=PredefinedSplit(fold), refit=False
        )
        search.fit(np.vstack([flat, flat_val]), np.concatenate([target, target_val]))
        return alphas[int(search.best_index_)]


class ForestForecaster(_FlatModel):
    """Random forest on flattened windows (the study's reference [3]).

    Parameters
    ----------
    n_estimators, max_depth, min_samples_leaf, max_features
        As in :class:`sklearn.ensemble.RandomForestRegressor`.
    target_kind : {"price", "log_return", "direction"}
    relative : bool
        Fit the change from the last close (see the module docstring).
    close_index : int
        Position of the BTC close among the features.
    seed : int
        ``random_state`` of the forest.
    n_jobs : int
        Parallel trees.
    input_norm : {"window", "global"}
        Window-relative inputs and target (default) or raw levels (the study's baselines).
    """

    def __init__(
        self,
        n_estimators: int = 100,
        max_depth: int | None = None,
        min_samples_leaf: int = 1,
        max_features: str | float = "sqrt",
        target_kind: str = "price",
        relative: bool = True,
        close_index: int = 3,
        seed: int = 0,
        n_jobs: int = 1,
        input_norm: str = "window",
    ) -> None:
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.target_kind = target_kind
        self.relative = relative
        self.close_index = close_index
        self.seed = seed
        self.n_jobs = n_jobs
        self.input_norm = input_norm

    def _pipeline(self) -> Pipeline:
        cls = RandomForestClassifier if self.target_kind == "direction" else RandomForestRegressor
        forest = cls(
            n_estimators=self.n_estimators,
            max_depth=self.max_depth,
            min_samples_leaf=self.min_samples_leaf,
            max_features=self.max_features,
            random_state=self.seed,
            n_jobs=self.n_jobs,
        )
        return make_pipeline(forest)
