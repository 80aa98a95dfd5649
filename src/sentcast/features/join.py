"""Join a daily table (sentiment or another social source) to the market panel.

Values are taken on the panel's own days (same UTC day) and become the columns
``<NAME>_<column>`` of the named feature group (``Sentiment`` for ``[data.sentiment]``). A panel
day without a value (no row in the daily table, or a NaN on a day without messages) is handled
by ``fill``:

``ffill``
    carry the last known earlier value forward (never backward);
``zero``
    use 0 (neutral for centred scores such as VADER compound, or a count of no messages);
``drop``
    leave the day without a value.

A day is filled only if the table's last earlier value is at most ``max_fill_days`` calendar
days old, so a table that ended months before the panel is never stretched over it. Days left
without a value (before the table's first value, past the fill age, or under ``drop``) keep
NaN in the group's columns: every feature set that uses the group leaves them out, the others
keep them. Every filled and excluded day is counted in the :class:`JoinReport`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from sentcast.data.market import MAX_CARRY_DAYS
from sentcast.errors import UserInputError
from sentcast.features.sets import GROUP_NAME, SENTIMENT_GROUP

FillPolicy = Literal["ffill", "zero", "drop"]
#: Default maximum fill age: the market's carry cap under the daily calendar.
MAX_FILL_DAYS = MAX_CARRY_DAYS


@dataclass
class JoinReport:
    """Panel days of one daily table: missing a same-day value, filled, and excluded by reason.

    Attributes
    ----------
    name : str
        The feature group.
    days : int
        Panel days.
    fill : str
        The fill policy.
    max_fill_days : int
        Longest fill age allowed.
    missing : int
        Panel days without a same-day value.
    filled : int
        Missing days given a value by the policy.
    before_first : int
        Days before the table's first value (nothing earlier to fill from).
    stale : int
        Days whose last earlier value is older than ``max_fill_days`` (excluded).
    dropped : int
        Every excluded day (``before_first + stale``, or all missing days under ``drop``).
    first, last : pandas.Timestamp or None
        First and last day with a value in the table.
    """

    name: str
    days: int
    fill: str
    max_fill_days: int
    missing: int = 0
    filled: int = 0
    before_first: int = 0
    stale: int = 0
    dropped: int = 0
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None

    @property
    def usable(self) -> int:
        """Panel days with a value (same-day or filled)."""
        return self.days - self.dropped

    def summary(self) -> str:
        """One line for logs."""
        return (
            f"{self.name}: {self.missing} panel day(s) without a value; fill={self.fill} "
            f"(at most {self.max_fill_days} days old): {self.filled} filled, {self.dropped} "
            f"excluded ({self.before_first} before the first value, {self.stale} too old)"
        )

    def counts(self) -> dict[str, int]:
        """The counts, for ``data_summary.json``."""
        return {
            "days": self.days,
            "usable": self.usable,
            "missing": self.missing,
            "filled": self.filled,
            "excluded_before_first_value": self.before_first,
            "excluded_fill_too_old": self.stale,
            "excluded": self.dropped,
        }


def column_name(group: str, column: str) -> str:
    """Column of ``column`` in group ``group``: ``CL sentiment`` -> ``Sentiment_CL_sentiment``."""
    return f"{group}_" + re.sub(r"\W+", "_", column.strip()).strip("_")


def _last_value_age(values: pd.DataFrame, days: pd.DatetimeIndex) -> np.ndarray:
    """Calendar days from each of ``days`` back to the oldest of the columns' latest values on
    or before it (NaN when a column has none)."""
    ages = []
    for column in values.columns:
        seen = pd.Series(values[column].dropna().index, index=values[column].dropna().index)
        last = pd.DatetimeIndex(seen.reindex(seen.index.union(days)).ffill().reindex(days))
        ages.append(np.asarray((days - last).days, dtype=float))
    return np.vstack(ages).max(axis=0)


def join_daily(
    panel: pd.DataFrame,
    daily: pd.DataFrame,
    columns: Sequence[str],
    fill: FillPolicy = "ffill",
    max_fill_days: int = MAX_FILL_DAYS,
    name: str = SENTIMENT_GROUP,
) -> tuple[pd.DataFrame, JoinReport]:
    """Add the ``<name>_<column>`` columns of ``daily`` to ``panel`` (see the module docstring).

    Parameters
    ----------
    panel : pandas.DataFrame
        Market panel (or an already joined frame) indexed by ``date``.
    daily : pandas.DataFrame
        Daily table indexed by ``date``, e.g. from
        :func:`~sentcast.data.daily_series.read_daily_series`.
    columns : sequence of str
        Columns of ``daily`` to add.
    fill : {"ffill", "zero", "drop"}
        Policy for panel days without a value.
    max_fill_days : int
        Longest gap, in calendar days, from the table's last earlier value that may be filled.
    name : str
        The feature group (column prefix).

    Returns
    -------
    frame : pandas.DataFrame
        Every panel row; NaN in the new columns on excluded days.
    report : JoinReport
    """
    if fill not in ("ffill", "zero", "drop"):
        raise UserInputError(f"{name} fill must be ffill, zero or drop, got {fill!r}")
    if max_fill_days < 0:
        raise UserInputError(f"{name} max_fill_days must be >= 0, got {max_fill_days}")
    if not GROUP_NAME.fullmatch(name):
        raise UserInputError(f"source name {name!r}: letters and digits, starting with a letter")
    unknown = [c for c in columns if c not in daily.columns]
    if unknown:
        raise UserInputError(f"{name} table has no column(s) {', '.join(unknown)}")
    renamed = daily[list(columns)].rename(columns={c: column_name(name, c) for c in columns})
    days = pd.DatetimeIndex(panel.index)
    same_day = renamed.reindex(days)
    missing = same_day.isna().any(axis=1).to_numpy()
    age = _last_value_age(renamed, days)
    before_first = missing & np.isnan(age)
    stale = missing & (age > max_fill_days)
    if fill == "ffill":
        values = renamed.reindex(renamed.index.union(days)).ffill().reindex(days)
    elif fill == "zero":
        values = same_day.fillna(0.0)
    else:
        values = same_day
    excluded = missing if fill == "drop" else before_first | stale
    values = values.copy()
    values.loc[excluded] = np.nan
    observed = renamed.dropna(how="any").index
    report = JoinReport(
        name=name,
        days=len(days),
        fill=fill,
        max_fill_days=max_fill_days,
        missing=int(missing.sum()),
        filled=int((missing & ~excluded).sum()),
        before_first=int(before_first.sum()) if fill != "drop" else 0,
        stale=int(stale.sum()) if fill != "drop" else 0,
        dropped=int(excluded.sum()),
        first=observed.min() if len(observed) else None,
        last=observed.max() if len(observed) else None,
    )
    return pd.concat([panel, values], axis=1), report
