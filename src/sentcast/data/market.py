"""The aligned daily market panel: several assets' OHLCV joined under a calendar policy.

Columns are ``<PREFIX>_<field>`` for each asset prefix (``BTC``, ``USD``, ``SP500`` by default)
and each field of :data:`sentcast.data.yahoo.OHLCV`; the index is ``date`` (UTC day).

Calendars
---------
``trading``
    Inner join: only days on which every asset has a row (the study's choice).
``daily``
    Every day of the primary (crypto) asset. Other assets are carried forward from their last
    *earlier or same-day* close, never backward, for at most :data:`MAX_CARRY_DAYS` days; days
    before an asset's first close or after a longer gap (e.g. past the end of its file) are
    dropped and reported.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from sentcast.data.report import DropReport
from sentcast.data.yahoo import OHLCV, read_yahoo
from sentcast.errors import DataError, UserInputError

logger = logging.getLogger(__name__)

Calendar = Literal["trading", "daily"]

#: Longest carry-forward under the ``daily`` calendar (a long weekend plus holidays); a day
#: whose latest close of some asset is older is excluded and counted, not filled with stale data.
MAX_CARRY_DAYS = 5

#: Default map from Yahoo ticker to column prefix.
DEFAULT_PREFIXES: dict[str, str] = {"BTC-USD": "BTC", "DX-Y.NYB": "USD", "^GSPC": "SP500"}

# File-name patterns recognised when a path is given without an explicit prefix.
_NAME_PATTERNS = (
    (re.compile(r"btc", re.IGNORECASE), "BTC"),
    (re.compile(r"dx-?y|dxy|dollar", re.IGNORECASE), "USD"),
    (re.compile(r"gspc|s&?p ?500|sp500", re.IGNORECASE), "SP500"),
)


@dataclass
class PanelReport:
    """What building a panel kept and dropped.

    Attributes
    ----------
    inputs : list of DropReport
        One per asset file.
    calendar : str
        The calendar policy used.
    rows : int
        Days in the panel.
    excluded_days : dict
        Days of the primary asset left out of the panel, per reason.
    """

    inputs: list[DropReport]
    calendar: str
    rows: int = 0
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    excluded_days: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """Several lines: the panel's size and range, then each input's drop report."""
        head = f"panel: {self.rows} days"
        if self.start is not None and self.end is not None:
            head += f", {self.start:%Y-%m-%d} .. {self.end:%Y-%m-%d}"
        head += f" (calendar={self.calendar})"
        if self.excluded_days:
            head += "; excluded days: " + ", ".join(
                f"{k}={v}" for k, v in self.excluded_days.items()
            )
        return "\n".join([head, *(r.summary() for r in self.inputs)])


def infer_prefix(path: str | Path) -> str:
    """Guess an asset prefix from a file name (``BTC-USD.csv`` -> ``BTC``).

    Raises
    ------
    UserInputError
        When no known pattern matches; pass ``PREFIX=PATH`` instead.
    """
    name = Path(path).name
    for pattern, prefix in _NAME_PATTERNS:
        if pattern.search(name):
            return prefix
    raise UserInputError(
        f"cannot tell which asset {name} holds; pass it as PREFIX=PATH, e.g. BTC={name}"
    )


def _bound(day: pd.Timestamp | None, open_end: str) -> str:
    """``day`` as ``YYYY-MM-DD`` in a message, or ``open_end`` when the range is open there."""
    return open_end if day is None else f"{day:%Y-%m-%d}"


def build_panel(
    assets: Mapping[str, pd.DataFrame],
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    calendar: Calendar = "trading",
    primary: str = "BTC",
    reports: list[DropReport] | None = None,
) -> tuple[pd.DataFrame, PanelReport]:
    """Join per-asset OHLCV frames into one panel.

    Parameters
    ----------
    assets : mapping of prefix to DataFrame
        Frames as returned by :func:`sentcast.data.yahoo.read_yahoo`.
    start, end : date-like, optional
        Inclusive bounds of the panel.
    calendar : {"trading", "daily"}
        See the module docstring.
    primary : str
        Prefix of the asset whose days define the ``daily`` calendar.
    reports : list of DropReport, optional
        The readers' reports, carried into the returned :class:`PanelReport`.

    Returns
    -------
    panel : pandas.DataFrame
    report : PanelReport

    Raises
    ------
    UserInputError
        Unknown calendar, primary asset missing, or ``start`` after ``end``.
    DataError
        An asset has no rows in the range, or no day survives the join.
    """
    if calendar not in ("trading", "daily"):
        raise UserInputError(f"calendar must be 'trading' or 'daily', got {calendar!r}")
    t0 = pd.Timestamp(start) if start is not None else None
    t1 = pd.Timestamp(end) if end is not None else None
    if t0 is not None and t1 is not None and t0 > t1:
        raise UserInputError(f"start {t0:%Y-%m-%d} is after end {t1:%Y-%m-%d}")
    report = PanelReport(inputs=list(reports or []), calendar=calendar)
    if calendar == "daily" and primary not in assets:
        raise UserInputError(
            f"daily calendar needs the primary asset {primary!r}; got {', '.join(assets)}"
        )
    renamed = {}
    for prefix, frame in assets.items():
        window = frame.loc[t0:t1]
        if window.empty:
            raise DataError(
                f"{prefix}: no data between {_bound(t0, 'start')} and {_bound(t1, 'end')} "
                f"(file covers {frame.index.min():%Y-%m-%d} .. {frame.index.max():%Y-%m-%d})"
            )
        renamed[prefix] = frame[list(OHLCV)].add_prefix(f"{prefix}_")

    if calendar == "trading":
        panel = pd.concat(renamed.values(), axis=1, join="inner")
        base = renamed.get(primary, next(iter(renamed.values()))).loc[t0:t1]
        report.excluded_days["not a trading day of every asset"] = len(base) - len(panel.loc[t0:t1])
        panel = panel.loc[t0:t1]
    else:
        days = renamed[primary].loc[t0:t1].index
        columns = []
        stale = pd.Series(False, index=days)
        for frame in renamed.values():
            # Carry each asset forward from its last close on or before every day, never back.
            union = frame.index.union(days)
            columns.append(frame.reindex(union).ffill().reindex(days))
            last_close = pd.Series(frame.index, index=frame.index).reindex(union).ffill()
            age: pd.TimedeltaIndex = days - pd.DatetimeIndex(last_close.reindex(days))
            stale |= age > pd.Timedelta(days=MAX_CARRY_DAYS)
        panel = pd.concat(columns, axis=1)
        leading = panel.isna().any(axis=1)
        report.excluded_days["before an asset's first close"] = int(leading.sum())
        report.excluded_days[f"an asset's last close over {MAX_CARRY_DAYS} days old"] = int(
            (stale & ~leading).sum()
        )
        panel = panel.loc[~(leading | stale)]
        full = pd.date_range(days.min(), days.max())  # every calendar day
        report.excluded_days["calendar day missing from primary asset"] = len(full) - len(days)
    report.excluded_days = {k: v for k, v in report.excluded_days.items() if v}
    if panel.empty:
        raise DataError(
            f"no common days for {', '.join(assets)} "
            f"between {_bound(t0, 'start')} and {_bound(t1, 'end')}"
        )
    panel.index.name = "date"
    report.rows = len(panel)
    report.start, report.end = panel.index.min(), panel.index.max()
    logger.info(report.summary())
    return panel, report


def load_panel(
    files: Mapping[str, str | Path],
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    calendar: Calendar = "trading",
    primary: str = "BTC",
) -> tuple[pd.DataFrame, PanelReport]:
    """Read one file per asset prefix and build the panel (see :func:`build_panel`)."""
    frames, reports = {}, []
    for prefix, path in files.items():
        frames[prefix], rep = read_yahoo(path)
        reports.append(rep)
    return build_panel(frames, start, end, calendar, primary, reports)
