"""Sliding windows with aligned targets, and chronological splits without leakage.

Alignment
---------
Sample ``i`` uses panel rows ``i .. i+T-1`` (it *ends* on day ``t = i+T-1``) and its target is
row ``t+h``: the BTC close ``h`` rows later (rows are trading days under the ``trading``
calendar, calendar days under ``daily``). A panel of ``n`` rows gives ``N = n - T - h + 1``
samples. (The study reports 1,296 / 1,273 samples for T = 7 / 30 on 2014-09-18..2019-11-23;
the 1,304-day trading panel here gives 1,297 / 1,274: the study's loop stopped one sample
early, ``range(n - T - 1)``.)

Targets (``kind``)
------------------
``price``       close at ``t+h`` (USD);
``log_return``  ``log(close[t+h] / close[t])``;
``direction``   ``1.0`` if ``close[t+h] > close[t]`` else ``0.0``.

Splits
------
Samples are ordered by day; with a last training target day ``b``, training samples are those
whose target day is ``<= b`` and validation samples those that *end* on or after ``b`` (their
targets are later). This is a purge gap of ``h`` rows between the parts: the last training
sample ends ``h`` rows before the first validation sample, the ``h - 1`` samples in between
(they end before ``b`` but aim past it) are dropped, so no training target lies after the day
a validation input window ends and no validation target is a training target day. The same
rule separates validation from test. Inputs of a later part may include days up to ``b``:
they are known when its forecasts are made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from sentcast.errors import DataError, UserInputError

TargetKind = Literal["price", "log_return", "direction"]
CLOSE = "BTC_Close"


@dataclass
class WindowedSamples:
    """Windows ``X`` of shape ``(N, T, F)`` in raw units and their targets ``y``.

    Attributes
    ----------
    X : numpy.ndarray
        ``(N, T, F)`` float64 inputs.
    y : numpy.ndarray
        ``(N,)`` targets of ``target_kind``.
    end_dates, target_dates : pandas.DatetimeIndex
        Day ``t`` each window ends on and day ``t+h`` of its target.
    last_close, target_close : numpy.ndarray
        BTC close on ``t`` and on ``t+h`` (for the naive forecast and USD errors).
    features : list of str
        Names of the ``F`` features.
    target_kind : str
    """

    X: np.ndarray
    y: np.ndarray
    end_dates: pd.DatetimeIndex
    target_dates: pd.DatetimeIndex
    last_close: np.ndarray
    target_close: np.ndarray
    features: list[str]
    target_kind: str

    def __len__(self) -> int:
        return len(self.y)

    def take(self, index: np.ndarray) -> WindowedSamples:
        """The samples at positions ``index`` (a slice of a chronological array)."""
        return WindowedSamples(
            self.X[index],
            self.y[index],
            self.end_dates[index],
            self.target_dates[index],
            self.last_close[index],
            self.target_close[index],
            self.features,
            self.target_kind,
        )


def concat_samples(parts: list[WindowedSamples]) -> WindowedSamples:
    """Chain chronologically consecutive sample sets (e.g. train then validation)."""
    first = parts[0]
    return WindowedSamples(
        np.concatenate([p.X for p in parts]),
        np.concatenate([p.y for p in parts]),
        pd.DatetimeIndex(np.concatenate([p.end_dates for p in parts])),
        pd.DatetimeIndex(np.concatenate([p.target_dates for p in parts])),
        np.concatenate([p.last_close for p in parts]),
        np.concatenate([p.target_close for p in parts]),
        first.features,
        first.target_kind,
    )


@dataclass
class SplitWindows:
    """Chronological train / validation (/ test) samples; see the module docstring."""

    train: WindowedSamples
    validation: WindowedSamples
    test: WindowedSamples | None = None
    purged: int = 0
    boundaries: list[pd.Timestamp] = field(default_factory=list)

    def splits(self) -> dict[str, WindowedSamples]:
        """``{"train": ..., "validation": ...[, "test": ...]}``."""
        out = {"train": self.train, "validation": self.validation}
        if self.test is not None:
            out["test"] = self.test
        return out


def make_target(close: np.ndarray, horizon: int, kind: TargetKind) -> np.ndarray:
    """Target of every row (NaN for the last ``horizon`` rows), see the module docstring."""
    close = np.asarray(close, dtype=float)
    future = np.full_like(close, np.nan)
    future[: len(close) - horizon] = close[horizon:]
    if kind == "price":
        return future
    if kind == "log_return":
        return np.log(future / close)
    if kind == "direction":
        out = (future > close).astype(float)
        out[np.isnan(future)] = np.nan
        return out
    raise UserInputError(f"target kind must be price, log_return or direction, got {kind!r}")


def make_windows(
    frame: pd.DataFrame,
    features: list[str],
    window: int,
    horizon: int = 1,
    kind: TargetKind = "price",
) -> WindowedSamples:
    """Cut ``frame`` (indexed by ``date``, chronological) into windows of ``window`` rows.

    Raises
    ------
    UserInputError
        ``window`` or ``horizon`` < 1, or an unknown feature column.
    DataError
        Too few rows for one sample, or missing values in a feature.
    """
    if window < 1 or horizon < 1:
        raise UserInputError(f"window and horizon must be >= 1, got {window} and {horizon}")
    unknown = [c for c in [*features, CLOSE] if c not in frame.columns]
    if unknown:
        raise UserInputError(f"unknown feature column(s): {', '.join(unknown)}")
    values = frame[features].to_numpy(dtype=float)
    if np.isnan(values).any():
        bad = frame[features].columns[np.isnan(values).any(axis=0)]
        raise DataError(f"missing values in feature(s) {', '.join(bad)}; fill or drop them first")
    n = len(frame)
    count = n - window - horizon + 1
    if count < 1:
        raise DataError(
            f"{n} days are too few for window {window} and horizon {horizon} "
            f"(need at least {window + horizon})"
        )
    close = frame[CLOSE].to_numpy(dtype=float)
    X = sliding_window_view(values, window, axis=0)[:count].transpose(0, 2, 1)
    end = np.arange(window - 1, window - 1 + count)
    target = make_target(close, horizon, kind)
    dates = pd.DatetimeIndex(frame.index)
    end_dates = pd.DatetimeIndex(dates[end])
    target_dates = pd.DatetimeIndex(dates[end + horizon])
    return WindowedSamples(
        X=np.ascontiguousarray(X),
        y=target[end],
        end_dates=end_dates,
        target_dates=target_dates,
        last_close=close[end],
        target_close=close[end + horizon],
        features=list(features),
        target_kind=kind,
    )


def _boundary(
    samples: WindowedSamples, fraction_end: float, start: pd.Timestamp | None
) -> pd.Timestamp:
    """Last target day of the earlier part: by date (``start`` of the next part) or fraction."""
    dates = samples.target_dates
    if start is not None:
        earlier = dates[dates < start]
        if len(earlier) == 0:
            raise DataError(f"no sample has its target before {start:%Y-%m-%d}")
        return pd.Timestamp(earlier[-1])
    k = round(len(dates) * fraction_end)
    if k < 1 or k >= len(dates):
        raise DataError(f"split leaves an empty part ({len(dates)} samples)")
    return pd.Timestamp(dates[k - 1])


def split_windows(
    samples: WindowedSamples,
    validation: float = 0.2,
    test: float = 0.0,
    validation_start: str | pd.Timestamp | None = None,
    test_start: str | pd.Timestamp | None = None,
) -> SplitWindows:
    """Split chronologically by fractions of the samples or by start dates (dates win).

    Raises
    ------
    DataError
        A part would be empty.
    """
    v0 = pd.Timestamp(validation_start) if validation_start is not None else None
    t0 = pd.Timestamp(test_start) if test_start is not None else None
    has_test = t0 is not None or test > 0
    b1 = _boundary(samples, 1.0 - validation - test, v0)
    bounds = [b1]
    if has_test:
        bounds.append(_boundary(samples, 1.0 - test, t0))
    ends, targets = samples.end_dates, samples.target_dates
    parts = [np.flatnonzero(targets <= b1)]
    if has_test:
        b2 = bounds[1]
        parts.append(np.flatnonzero((ends >= b1) & (targets <= b2)))
        parts.append(np.flatnonzero(ends >= b2))
    else:
        parts.append(np.flatnonzero(ends >= b1))
    if any(len(p) == 0 for p in parts):
        raise DataError(f"split leaves an empty part ({', '.join(str(len(p)) for p in parts)})")
    return SplitWindows(
        train=samples.take(parts[0]),
        validation=samples.take(parts[1]),
        test=samples.take(parts[2]) if has_test else None,
        purged=len(samples) - sum(len(p) for p in parts),
        boundaries=bounds,
    )
