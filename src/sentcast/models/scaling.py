"""Scalers of forecaster inputs and targets: the study's global ones, and window-relative
scaling (``input_norm = "window"``, ``head = "residual"``).

A price series whose test part trades far outside its training range defeats any scaler
fitted once on the training rows: a network fed min-max-scaled price *levels* must extrapolate.
NeuralForecast avoids this by normalising each window with statistics of its own input days
(``TemporalNorm``); N-BEATS / NHITS start the forecast at the last observed value. sentcast
does both:

* :class:`WindowScaler` turns each level-like feature (prices, volumes) of a window into log
  ratios to that feature's value on the window's *last* day,
  ``log((max(x, 0) + c) / (max(x_last, 0) + c))``, with a small offset ``c`` (a thousandth of
  the feature's median absolute training value, 1 when that is 0) so that zero volumes stay
  finite. Nothing after the window's last day is used. Bounded series (sentiment) keep one
  global scaling fitted on the training windows. All inputs then pass through one global
  scaler (min-max or standard) fitted on the transformed training windows, so the network
  sees numbers of order one whatever the price level.
* :class:`ResidualTarget` maps targets to the log change from the window's last close, divided
  by the root mean square of the training changes; the forecast is mapped back to the target's
  units. An output of 0 is the naive forecast ("no change"), so a network whose head starts at
  zero starts exactly at naive.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sentcast.errors import DataError, UserInputError

#: Fitted attributes of each scaler kind, saved as arrays of one value per feature.
SCALER_ARRAYS = {
    "minmax": ("min_", "scale_", "data_min_", "data_max_", "data_range_"),
    "standard": ("mean_", "var_", "scale_"),
}
#: Arrays a fitted :class:`WindowScaler` saves besides its inner scaler's.
WINDOW_ARRAYS = ("window_mask", "offset")


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


class WindowScaler:
    """Per-window log ratios for level-like features, then one global scaler.

    Parameters
    ----------
    kind : {"minmax", "standard"}
        The global scaler applied after the per-window step (fitted on training windows).
    window_features : sequence of int, optional
        Positions of the features scaled per window. ``None``: every feature whose training
        values are all positive (prices, traded volumes); a feature with a zero or negative
        value (a sentiment score, an always-zero volume) is scaled globally.
    """

    def __init__(self, kind: str = "minmax", window_features: Sequence[int] | None = None):
        self.kind = kind
        self.window_features = window_features

    def fit(self, X: np.ndarray) -> WindowScaler:
        """Choose the window features, their offsets and fit the global scaler on ``X``
        (``(N, T, F)`` training windows); returns self."""
        n, t, f = X.shape
        flat = X.reshape(n * t, f)
        if self.window_features is None:
            mask = (flat > 0).all(axis=0)
        else:
            bad = [j for j in self.window_features if not 0 <= j < f]
            if bad:
                raise UserInputError(f"window_features {bad} out of range for {f} features")
            mask = np.zeros(f, dtype=bool)
            mask[list(self.window_features)] = True
        median = np.median(np.abs(flat), axis=0)
        self.window_mask_ = mask
        self.offset_ = np.where(median > 0, median * 1e-3, 1.0)
        self.scaler_ = make_scaler(self.kind).fit(self._relative(X).reshape(n * t, f))
        return self

    def _relative(self, X: np.ndarray) -> np.ndarray:
        out = np.array(X, dtype=float, copy=True)
        if self.window_mask_.any():
            cols = self.window_mask_
            level = np.maximum(X[:, :, cols], 0.0) + self.offset_[cols]
            out[:, :, cols] = np.log(level / level[:, -1:, :])
        return out

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Scaled windows of the same shape as ``X``."""
        n, t, f = X.shape
        scaled: np.ndarray = self.scaler_.transform(self._relative(X).reshape(n * t, f))
        return scaled.reshape(n, t, f)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The fitted state as arrays keyed ``prefix.name`` (floats only, for ``arrays.npz``)."""
        out = scaler_arrays(self.scaler_, prefix)
        out[f"{prefix}.window_mask"] = self.window_mask_.astype(float)
        out[f"{prefix}.offset"] = self.offset_.astype(float)
        return out

    @classmethod
    def restore(
        cls, kind: str, arrays: dict[str, np.ndarray], prefix: str, n_features: int, where: str
    ) -> WindowScaler:
        """A fitted scaler from :meth:`arrays` data, every array checked first.

        Raises
        ------
        DataError
            An array is missing, of the wrong length or not finite.
        """
        scaler = cls(kind)
        scaler.scaler_ = restore_scaler(kind, arrays, prefix, n_features, where)
        for name in WINDOW_ARRAYS:
            value = arrays.get(f"{prefix}.{name}")
            if value is None or value.shape != (n_features,) or not np.isfinite(value).all():
                raise DataError(f"{where}: {prefix}.{name} is missing or not {n_features} numbers")
        scaler.window_mask_ = arrays[f"{prefix}.window_mask"] > 0.5
        scaler.offset_ = arrays[f"{prefix}.offset"].astype(float)
        if (scaler.offset_ <= 0).any():
            raise DataError(f"{where}: {prefix}.offset must be positive")
        return scaler


class ResidualTarget:
    """Targets as scaled changes from the window's last close, and back.

    Parameters
    ----------
    target_kind : {"price", "log_return"}
        ``price``: the log change ``log(y / last_close)`` when every training target and last
        close is positive (prices), else the difference ``y - last_close`` (a series that can
        be 0 or negative); ``log_return``: ``y`` is already the change.

    Attributes
    ----------
    scale_ : float
        Root mean square of the training changes (1 when they are all 0).
    log_ : bool
        Whether changes are log ratios (else differences).
    """

    def __init__(self, target_kind: str = "price") -> None:
        if target_kind not in ("price", "log_return"):
            raise UserInputError(
                f"a residual head needs a price or log_return target, got {target_kind!r}"
            )
        self.target_kind = target_kind
        self.scale_ = 1.0
        self.log_ = target_kind == "price"

    def _change(self, y: np.ndarray, last_close: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        if self.target_kind == "log_return":
            return y
        if not self.log_:
            difference: np.ndarray = y - last_close
            return difference
        if (y <= 0).any() or (last_close <= 0).any():
            raise DataError(
                "the training prices are positive but a later target or last close is <= 0"
            )
        change: np.ndarray = np.log(y / last_close)
        return change

    def fit(self, y: np.ndarray, last_close: np.ndarray) -> ResidualTarget:
        """Choose log ratios or differences and the scale from training data; returns self."""
        y = np.asarray(y, dtype=float)
        self.log_ = self.target_kind == "price" and bool((y > 0).all() and (last_close > 0).all())
        rms = float(np.sqrt(np.mean(self._change(y, last_close) ** 2)))
        self.scale_ = rms if rms > 0 and np.isfinite(rms) else 1.0
        return self

    def transform(self, y: np.ndarray, last_close: np.ndarray) -> np.ndarray:
        """The network's targets: changes divided by the training scale."""
        scaled: np.ndarray = self._change(y, last_close) / self.scale_
        return scaled

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The fitted state as arrays keyed ``prefix.residual_*`` (for ``arrays.npz``)."""
        return {
            f"{prefix}.residual_scale": np.array([self.scale_]),
            f"{prefix}.residual_log": np.array([float(self.log_)]),
        }

    @classmethod
    def restore(
        cls, target_kind: str, arrays: dict[str, np.ndarray], prefix: str, where: str
    ) -> ResidualTarget:
        """A fitted target from :meth:`arrays` data, every array checked first.

        Raises
        ------
        DataError
            The scale is missing or not a positive number, or the log flag not 0 or 1.
        """
        scale, log = arrays.get(f"{prefix}.residual_scale"), arrays.get(f"{prefix}.residual_log")
        if scale is None or scale.shape != (1,) or not (np.isfinite(scale) & (scale > 0)).all():
            raise DataError(f"{where}: {prefix}.residual_scale is missing or not a positive number")
        if log is None or log.shape != (1,) or log[0] not in (0.0, 1.0):
            raise DataError(f"{where}: {prefix}.residual_log is missing or not 0 or 1")
        target = cls(target_kind)
        target.scale_, target.log_ = float(scale[0]), bool(log[0])
        return target

    def inverse(self, out: np.ndarray, last_close: np.ndarray) -> np.ndarray:
        """Network outputs back in the target's units (0 -> the naive forecast)."""
        change = np.asarray(out, dtype=float) * self.scale_
        if self.target_kind == "log_return":
            return change
        result: np.ndarray = last_close * np.exp(change) if self.log_ else last_close + change
        return result
