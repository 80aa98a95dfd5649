"""Files of a RUN_DIR that mark work as finished: written atomically, checked before reuse.

A kill during a plain ``to_csv`` leaves a file cut anywhere (often just after its header),
which a resumed run would take for finished work. Here every such file is written to a
temporary name and renamed (:func:`sentcast.files.atomic_path`), and a resumed run reuses a
file only if it parses, has the expected columns and, when known, the expected number of rows
(a last line without its newline, as a kill leaves it, is not a row). Anything else is
redone, and the run says so (:func:`redone_line`).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sentcast.files import atomic_path, atomic_write_text

logger = logging.getLogger(__name__)


def write_csv(frame: pd.DataFrame, path: Path, *, index: bool = False) -> None:
    """Write ``frame`` to the CSV file ``path`` atomically."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=index)


def write_json(data: Any, path: Path) -> None:
    """Write ``data`` to ``path`` as indented JSON, atomically."""
    atomic_write_text(path, json.dumps(data, indent=2))


def read_finished_csv(
    path: Path, columns: Sequence[str], rows: int | None = None
) -> pd.DataFrame | None:
    """The whole rows of the CSV at ``path``; ``None`` if it is missing, empty or malformed.

    A last line without its newline was cut by a kill and is dropped.

    Parameters
    ----------
    path : Path
        A file written by :func:`write_csv`.
    columns : sequence of str
        Columns the file must have (others are allowed).
    rows : int, optional
        The exact number of data rows it must have.
    """
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    whole = raw[: raw.rfind(b"\n") + 1]
    try:
        frame = pd.read_csv(io.BytesIO(whole))
    except (ValueError, UnicodeDecodeError):  # pandas' EmptyDataError and ParserError included
        return None
    if not set(columns) <= set(frame.columns) or (rows is not None and len(frame) != rows):
        return None
    return frame


def redone_line(ids: Sequence[str], what: str = "cell") -> str:
    """``"redone 1 cell with an unreadable result file: w7_BTC_lstm_s1"`` (logged too); or ``""``.

    Parameters
    ----------
    ids : sequence of str
        The redone items.
    what : str
        Their singular name (``cell``, ``backtest``).
    """
    if not ids:
        return ""
    many = len(ids) > 1
    line = (
        f"redone {len(ids)} {what}{'s' if many else ''} with "
        f"{'unreadable result files' if many else 'an unreadable result file'}: {', '.join(ids)}"
    )
    logger.warning(line)
    return line
