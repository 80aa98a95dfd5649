"""A record of what a reader kept and dropped, so no row is ever lost silently."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class DropReport:
    """Counts of rows read, kept and dropped per reason for one input.

    Attributes
    ----------
    source : str
        What was read (a path or a ticker).
    rows_read : int
        Data rows seen, including the ones dropped.
    dropped : collections.Counter
        Rows dropped, per reason.
    notes : list of str
        Remarks that changed no row count (e.g. "no Adj Close column: using Close").
    """

    source: str
    rows_read: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_dropped(self) -> int:
        """Total number of dropped rows."""
        return sum(self.dropped.values())

    @property
    def rows_kept(self) -> int:
        """Rows that survived every check."""
        return self.rows_read - self.rows_dropped

    def drop(self, reason: str, count: int = 1) -> None:
        """Record ``count`` rows dropped for ``reason`` (zero counts are ignored)."""
        if count:
            self.dropped[reason] += count

    def summary(self) -> str:
        """One line: ``source: kept K of N rows; dropped: reason=n, ...; notes``."""
        text = f"{self.source}: kept {self.rows_kept} of {self.rows_read} rows"
        if self.dropped:
            reasons = ", ".join(f"{k}={v}" for k, v in sorted(self.dropped.items()))
            text += f"; dropped {self.rows_dropped} ({reasons})"
        if self.notes:
            text += "; " + "; ".join(self.notes)
        return text
