"""Small helpers shared by the command groups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import typer

from sentcast.errors import UserInputError
from sentcast.progress import stderr_console

#: ``--address`` of the commands that take ``--engine ray``.
RAY_ADDRESS = typer.Option(
    None,
    "--address",
    help="Ray cluster for --engine ray: auto (started with `ray start --head`, or "
    "$RAY_ADDRESS), HOST:6379 or ray://HOST:10001; verified as a Ray head first.",
    show_default="a Ray started for this run",
)


def choices(values: Sequence[str], aliases: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``typer.Option`` keywords for a listed choice: ``--help`` shows ``[a|b|c]``, another
    value is a usage error naming the choices, and an old spelling in ``aliases`` is accepted
    with a note on stderr (``cnn_lstm`` -> ``cnn-lstm``)."""
    listed = list(values)

    def check(value: str | None) -> str | None:
        if value is None or value in listed:
            return value
        if aliases and value in aliases:
            stderr_console.print(f"note: {value} is spelled {aliases[value]} now", highlight=False)
            return aliases[value]
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(listed)}")

    return {"metavar": "[" + "|".join(listed) + "]", "callback": check}


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
