"""Join a daily sentiment table to the market panel, with an explicit fill policy.

Sentiment is taken on the panel's own days (same UTC day). A panel day without a value (no
row in the daily table, or a NaN mean on a day without messages) is handled by ``fill``:

``ffill``
    carry the last known earlier value forward (never backward); leading days that have no
    earlier value are dropped;
``zero``
    use 0 (neutral for centred scores such as VADER compound);
``drop``
    drop the day.

Every filled or dropped day is counted in the :class:`JoinReport`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from sentcast.errors import DataError, UserInputError
from sentcast.features.sets import SENTIMENT_PREFIX

FillPolicy = Literal["ffill", "zero", "drop"]


@dataclass
class JoinReport:
    """Counts of panel days whose sentiment was missing, and what was done with them."""

    fill: str
    missing: int = 0
    filled: int = 0
    dropped: int = 0

    def summary(self) -> str:
        """One line for logs."""
        return (
            f"sentiment: {self.missing} panel day(s) without a value; fill={self.fill}: "
            f"{self.filled} filled, {self.dropped} dropped"
        )


def sentiment_name(column: str) -> str:
    """Feature name of a sentiment column: ``"CL sentiment"`` -> ``"Sentiment_CL_sentiment"``."""
    return SENTIMENT_PREFIX + re.sub(r"\W+", "_", column.strip()).strip("_")


def join_sentiment(
    panel: pd.DataFrame,
    daily: pd.DataFrame,
    columns: Sequence[str],
    fill: FillPolicy = "ffill",
) -> tuple[pd.DataFrame, JoinReport]:
    """Add ``Sentiment_<column>`` columns from ``daily`` to ``panel`` (see module docstring).

    Parameters
    ----------
    panel : pandas.DataFrame
        Market panel indexed by ``date``.
    daily : pandas.DataFrame
        Daily table indexed by ``date``, e.g. from
        :func:`~sentcast.data.daily_series.read_daily_series`.
    columns : sequence of str
        Columns of ``daily`` to add.
    fill : {"ffill", "zero", "drop"}
        Policy for panel days without a value.

    Returns
    -------
    frame : pandas.DataFrame
    report : JoinReport
    """
    if fill not in ("ffill", "zero", "drop"):
        raise UserInputError(f"sentiment fill must be ffill, zero or drop, got {fill!r}")
    unknown = [c for c in columns if c not in daily.columns]
    if unknown:
        raise UserInputError(f"sentiment table has no column(s) {', '.join(unknown)}")
    renamed = daily[list(columns)].rename(columns={c: sentiment_name(c) for c in columns})
    report = JoinReport(fill=fill)
    union = renamed.index.union(panel.index)
    same_day = renamed.reindex(panel.index)
    missing = same_day.isna().any(axis=1)
    report.missing = int(missing.sum())
    if fill == "ffill":
        values = renamed.reindex(union).ffill().reindex(panel.index)
    elif fill == "zero":
        values = same_day.fillna(0.0)
    else:
        values = same_day
    keep = ~values.isna().any(axis=1)
    report.dropped = int((~keep).sum())
    report.filled = report.missing - report.dropped
    frame = pd.concat([panel, values], axis=1).loc[keep]
    if frame.empty:
        raise DataError("no panel day has a sentiment value (check the dates of the table)")
    return frame, report
