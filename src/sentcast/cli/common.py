"""Small helpers shared by the command groups."""

from __future__ import annotations

import pandas as pd

from sentcast.errors import UserInputError


def parse_date(value: str | None, option: str) -> pd.Timestamp | None:
    """Parse an ISO date given to ``option``; one-line error when it is not a date."""
    if value is None:
        return None
    error = UserInputError(f"{option}: not a date: {value!r} (use YYYY-MM-DD)")
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise error from None
    if pd.isna(stamp):
        raise error
    return stamp
