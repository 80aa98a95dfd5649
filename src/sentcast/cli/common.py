"""Small helpers shared by the command groups."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sentcast.errors import UserInputError
from sentcast.files import check_outputs


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


def check_output_folder(inputs: Sequence[Path], option: str, folder: Path) -> None:
    """Refuse an output folder that is an input, a regular file, or under a regular file.

    Raises
    ------
    UserInputError
        Naming ``option`` and what is wrong with ``folder``.
    """
    if folder.is_dir():
        if folder.resolve() in {Path(p).resolve() for p in inputs}:
            raise UserInputError(f"{option} {folder} is also an input; refusing to write into it")
        return
    check_outputs(inputs, {option: folder})
    if folder.exists():
        raise UserInputError(f"{option} {folder} is a file, not a folder; refusing to replace it")
