"""Read a daily sentiment series: one row per UTC day, numeric value columns.

Accepted inputs
---------------
* CSV with a date column (``date`` or ``Date``, any case) and value columns, e.g. the shared
  ``sentiment_daily/*.csv`` files (``date,CL sentiment``) or the Fear & Greed file
  (``Date,fng_value,fng_class``);
* Parquet written by ``sentcast sentiment score``: index ``date`` (or a ``date`` column), columns
  ``n_tweets, compound_mean, compound_median, pos_share, neg_share, neu_share[, label_mean]``.

The date column is read with one format, inferred from the whole column (``DD/MM/YYYY`` never
turns month-first where the day is <= 12); rows with a date not in that format or outside what
``datetime64[ns]`` holds, and repeated dates, are dropped and counted; non-numeric and
non-finite (``inf``, ``-inf``) cells of a requested column become NaN (missing: the fill policy
of the join decides) and are counted in the report's notes. CSV rows are decoded one by one (a
row with bytes that are not UTF-8 is read as Latin-1 and counted in a note); a row with a field
over 1 Mi characters, a malformed record or a row with another number of fields than the header
is dropped and counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from sentcast.data.report import DropReport
from sentcast.data.text_files import RowDecoder, csv_rows, read_text, rows_of_header_width
from sentcast.data.timestamps import parse_timestamps, resolve_format
from sentcast.errors import DataError, UserInputError


def _read_raw(path: Path, report: DropReport) -> pd.DataFrame:
    """The file's rows as strings; ``report`` counts every CSV record read and every one
    dropped (a field over :data:`~sentcast.data.text_files.MAX_FIELD_CHARS`, a record the
    ``csv`` module refuses, a wrong number of fields) and notes the rows whose bytes were not
    UTF-8 (read as Latin-1, row by row)."""
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            raise DataError(f"{path}: not a readable Parquet file: {exc}") from None
        if "date" not in frame.columns and frame.index.name is not None:
            frame = frame.reset_index()
        report.rows_read = len(frame)
        return frame
    decoder = RowDecoder(path.name)
    skipped = DropReport(str(path))
    rows = [row for _, row in csv_rows(read_text(path), skipped, decoder) if any(row)]
    if not rows:
        raise DataError(f"{path}: file is empty")
    header, body = rows[0], rows[1:]
    good = rows_of_header_width(header, body, report, skipped)
    decoder.note(report)
    return pd.DataFrame(good, columns=header, dtype=str)


def read_daily_series(
    path: str | Path, columns: Sequence[str] | None = None
) -> tuple[pd.DataFrame, DropReport]:
    """Read a daily series file into a float frame indexed by ``date`` (sorted, unique).

    Parameters
    ----------
    path : str or Path
        CSV or Parquet file (see the module docstring).
    columns : sequence of str, optional
        Value columns to keep; default: every column except the date.

    Returns
    -------
    frame : pandas.DataFrame
        Float columns, index ``date`` (midnight, timezone-naive UTC days).
    report : DropReport

    Raises
    ------
    UserInputError
        Missing file, no date column, an unknown requested column, or ambiguous dates
        (``03/04/2020`` only: day or month first).
    DataError
        Unreadable file, no known date format, or no usable row.
    """
    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"daily series file not found: {p}")
    report = DropReport(source=str(p))
    raw = _read_raw(p, report)
    date_col = next((c for c in raw.columns if str(c).strip().lower() == "date"), None)
    if date_col is None:
        raise UserInputError(f"{p}: no date column (found {', '.join(map(str, raw.columns))})")
    wanted = list(columns) if columns is not None else [c for c in raw.columns if c != date_col]
    unknown = [c for c in wanted if c not in raw.columns]
    if unknown:
        available = ", ".join(str(c) for c in raw.columns if c != date_col)
        raise UserInputError(
            f"{p}: unknown column(s) {', '.join(unknown)} (available: {available})"
        )
    column = pa.Array.from_pandas(raw[date_col])
    try:
        fmt = resolve_format([column], what=f"date column {date_col!r} of {p}")
    except (UserInputError, DataError) as exc:  # its hints name options of `sentiment score`
        problem = str(exc).split("; pass ")[0]
        raise type(exc)(f"{problem}; write the dates as YYYY-MM-DD") from None
    dates = pd.Series(parse_timestamps(column, fmt), index=raw.index)
    bad_date = dates.isna()
    report.drop("unreadable date", int(bad_date.sum()))
    frame = raw.loc[~bad_date, wanted].copy()
    frame.index = pd.DatetimeIndex(dates[~bad_date].dt.normalize(), name="date")
    for col in wanted:
        values = pd.to_numeric(frame[col], errors="coerce").astype(float)
        blank = frame[col].isna() | (frame[col].astype(str).str.strip() == "")
        bad = int((values.isna() & ~blank).sum())
        if bad:
            report.notes.append(f"{col}: {bad} non-numeric value(s) read as missing")
        infinite = np.isinf(values.to_numpy())
        if infinite.any():
            report.notes.append(f"{col}: {int(infinite.sum())} non-finite value(s) read as missing")
        frame[col] = values.mask(infinite)
    duplicated = frame.index.duplicated(keep="first")
    report.drop("repeated date (first kept)", int(duplicated.sum()))
    frame = frame.loc[~duplicated].sort_index()
    if frame.empty:
        raise DataError(f"{p}: no row with a readable date")
    return frame, report
