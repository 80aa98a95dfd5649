"""Read and validate daily Yahoo Finance OHLCV files.

Two CSV layouts are accepted:

* classic Yahoo download: ``Date,Open,High,Low,Close,Adj Close,Volume``;
* recent yfinance ``to_csv``: ``Date,Close,High,Low,Open,Volume`` (auto-adjusted, no
  ``Adj Close``; ``Close`` is used for it and a note says so), also with the two extra
  ``Price``/``Ticker`` header lines that yfinance >= 0.2.48 writes.

Parquet files written by :func:`sentcast.data.fetch.fetch_yahoo` are read as well.
Every dropped row is counted by reason in a :class:`~sentcast.data.report.DropReport`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from sentcast.data.report import DropReport
from sentcast.data.text_files import RowDecoder, csv_rows, rows_of_header_width
from sentcast.errors import DataError, UserInputError

logger = logging.getLogger(__name__)

#: Canonical column names of one asset's OHLCV frame, in panel order.
OHLCV = ("Open", "High", "Low", "Close", "Adj_Close", "Volume")
PRICES = ("Open", "High", "Low", "Close", "Adj_Close")
_REQUIRED = ("Date", "Open", "High", "Low", "Close", "Volume")
#: Day-over-day close moves with ``|log return|`` above this are flagged in the report's notes
#: (kept, not dropped: a real crash or a data error, for the user to judge).
JUMP_LOG_RETURN = 0.5
_NAN_SPELLINGS = ("nan", "+nan", "-nan")
OUTSIDE_RANGE = "Open or Close outside Low..High"
OHLC_TOLERANCE = 1e-9
"""Relative slack of the OHLC check (a price printed with fewer digits than another)."""
_LISTED_DAYS = 10


def _normalise_header(name: str) -> str:
    name = name.strip()
    return "Adj_Close" if name.lower().replace("_", " ") == "adj close" else name


def _check_columns(path: Path, header: list[str]) -> None:
    """Raise :class:`UserInputError` naming the Yahoo columns that ``header`` lacks, or holds
    more than once (``Adj Close`` and ``adj_close`` are one column: which would be read?)."""
    missing = [c for c in _REQUIRED if c not in header]
    repeated = [c for c in ("Date", *OHLCV) if header.count(c) > 1]
    if missing or repeated:
        problem = (
            f"missing column(s) {', '.join(missing)}"
            if missing
            else f"column(s) given more than once: {', '.join(repeated)}"
        )
        raise UserInputError(
            f"{path}: not a Yahoo daily file: {problem} (found {', '.join(header)})"
        )


def _read_csv_rows(path: Path, report: DropReport) -> pd.DataFrame:
    """Read a CSV as strings, dropping rows whose field count differs from the header, and
    rows with a field over :data:`~sentcast.data.text_files.MAX_FIELD_CHARS` or that ``csv``
    refuses (counted)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not a readable UTF-8 CSV: {exc}") from None
    skipped = DropReport(str(path))
    rows = [row for _, row in csv_rows(text, skipped, RowDecoder()) if any(c.strip() for c in row)]
    if not rows:
        raise DataError(f"{path}: file is empty")
    header = [_normalise_header(h) for h in rows[0]]
    body = rows[1:]
    # yfinance >= 0.2.48 writes "Price,..." / "Ticker,..." / "Date,,,," header lines.
    if header[0] == "Price":
        header[0] = "Date"
        while body and body[0] and body[0][0] in ("Ticker", "Date"):
            body = body[1:]
    _check_columns(path, header)
    good = rows_of_header_width(header, body, report, skipped)
    return pd.DataFrame(good, columns=header, dtype=str)


def read_yahoo(path: str | Path) -> tuple[pd.DataFrame, DropReport]:
    """Read one daily OHLCV file (Yahoo CSV layouts or sentcast Parquet cache).

    Parameters
    ----------
    path : str or Path
        The file. ``.parquet`` files must hold a ``Date`` column or index and OHLCV columns.

    Returns
    -------
    frame : pandas.DataFrame
        Indexed by ``date`` (tz-naive UTC day, sorted, unique) with columns :data:`OHLCV`
        as float64.
    report : DropReport
        What was dropped and why.

    Raises
    ------
    UserInputError
        The file is missing or does not have the Yahoo columns.
    DataError
        The file cannot be decoded, duplicated dates have conflicting values, or no row is
        usable.
    """
    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"market file not found: {p}")
    report = DropReport(source=str(p))
    if p.suffix == ".parquet":
        try:
            raw = pd.read_parquet(p).reset_index()
        except (OSError, ValueError) as exc:
            raise DataError(f"{p}: not a readable Parquet file: {exc}") from None
        raw.columns = [_normalise_header(str(c)) for c in raw.columns]
        if "Date" not in raw and "date" in raw:
            raw = raw.rename(columns={"date": "Date"})
        _check_columns(p, list(raw.columns))
        report.rows_read = len(raw)
        raw = raw.astype(str)  # the cells as the CSV path reads them (NaN as "nan")
    else:
        raw = _read_csv_rows(p, report)
    return clean_ohlcv(raw, report), report


def clean_ohlcv(raw: pd.DataFrame, report: DropReport) -> pd.DataFrame:
    """Validate string-typed OHLCV rows; record every dropped row in ``report``.

    Drops, by reason: ``null`` placeholder rows, unparseable dates (or outside what
    ``datetime64[ns]`` holds, e.g. 9999-12-31) or numbers, non-finite values (``inf``, ``-inf``,
    ``nan``), exact duplicate rows, non-positive prices, negative volume, ``High < Low`` and an
    Open or Close outside the row's own Low..High (rows that contradict themselves).
    Unsorted input is sorted and noted. Close jumps with ``|log return|`` above
    :data:`JUMP_LOG_RETURN` are noted with their dates. Duplicated dates with different values
    raise :class:`DataError`.
    """
    src = report.source
    frame = raw.copy()
    if "Adj_Close" not in frame:
        frame["Adj_Close"] = frame["Close"]
        report.notes.append("no Adj Close column: using Close")
    cells = frame[list(OHLCV)].apply(lambda s: s.str.strip().str.lower())
    null_rows = cells.isin(["null", "nan", ""]).all(axis=1)
    report.drop("null placeholder row", int(null_rows.sum()))
    frame = frame.loc[~null_rows]

    dates = pd.to_datetime(frame["Date"].str.strip().str[:10], format="%Y-%m-%d", errors="coerce")
    dates = dates.where(dates.between(pd.Timestamp.min, pd.Timestamp.max))  # 9999-12-31: unusable
    values = frame[list(OHLCV)].apply(pd.to_numeric, errors="coerce")
    bad_date = dates.isna()
    infinite = np.isinf(values.to_numpy(dtype=np.float64)).any(axis=1)
    non_finite = (cells.loc[frame.index].isin(_NAN_SPELLINGS).any(axis=1) | infinite) & ~bad_date
    bad_number = values.isna().any(axis=1) & ~bad_date & ~non_finite
    report.drop("unparseable date", int(bad_date.sum()))
    report.drop("non-finite value", int(non_finite.sum()))
    report.drop("non-numeric value", int(bad_number.sum()))
    keep = ~(bad_date | bad_number | non_finite)
    values = values.loc[keep].astype(np.float64)
    values.index = pd.DatetimeIndex(dates[keep], name="date")

    if not values.index.is_monotonic_increasing:
        report.notes.append("rows were not sorted by date: sorted")
        values = values.sort_index(kind="stable")
    dup = values.index.duplicated(keep="first")
    if dup.any():
        identical = values.reset_index().duplicated(keep="first").to_numpy()
        conflicting = values.index[dup & ~identical].unique()
        if len(conflicting):
            days = ", ".join(d.strftime("%Y-%m-%d") for d in conflicting[:5])
            raise DataError(f"{src}: duplicated date(s) with different values: {days}")
        report.drop("duplicated date (identical row)", int(dup.sum()))
        values = values.loc[~dup]

    non_positive = (values[list(PRICES)] <= 0).any(axis=1)
    report.drop("non-positive price", int(non_positive.sum()))
    negative_volume = (values["Volume"] < 0) & ~non_positive
    report.drop("negative volume", int(negative_volume.sum()))
    inverted = (values["High"] < values["Low"]) & ~non_positive & ~negative_volume
    report.drop("High < Low", int(inverted.sum()))
    outside = _outside_range(values) & ~non_positive & ~negative_volume & ~inverted
    report.drop(OUTSIDE_RANGE, int(outside.sum()))
    values = values.loc[~(non_positive | negative_volume | inverted | outside)]
    if values.empty:
        raise DataError(f"{src}: no usable rows ({report.summary()})")
    _flag_jumps(values["Close"], report)
    if report.rows_dropped or report.notes:
        logger.info(report.summary())
    return values[list(OHLCV)]


def _outside_range(values: pd.DataFrame) -> pd.Series:
    """Rows whose Open or Close lies outside their own [Low, High] (beyond float rounding)."""
    high = values["High"] * (1 + OHLC_TOLERANCE)
    low = values["Low"] * (1 - OHLC_TOLERANCE)
    ends = values[["Open", "Close"]]
    return (ends.max(axis=1) > high) | (ends.min(axis=1) < low)


def _flag_jumps(close: pd.Series, report: DropReport) -> None:
    """Note the days whose close moved by more than :data:`JUMP_LOG_RETURN` in log terms."""
    moves = np.log(close).diff()
    jumps = moves[moves.abs() > JUMP_LOG_RETURN]
    if jumps.empty:
        return
    days = ", ".join(
        f"{day:%Y-%m-%d} ({move:+.2f})" for day, move in jumps.iloc[:_LISTED_DAYS].items()
    )
    more = f" and {len(jumps) - _LISTED_DAYS} more" if len(jumps) > _LISTED_DAYS else ""
    report.notes.append(
        f"close jump flagged (|log return| > {JUMP_LOG_RETURN} from the previous row, kept) "
        f"on {len(jumps)} day(s): {days}{more}"
    )
