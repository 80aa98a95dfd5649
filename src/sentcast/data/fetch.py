"""Download daily OHLCV with yfinance into a local Parquet cache.

The download function is injectable so the code path is testable without network.
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from sentcast.data.report import DropReport
from sentcast.data.yahoo import clean_ohlcv
from sentcast.errors import DataError, UserInputError

logger = logging.getLogger(__name__)

YAHOO_HOST = "query1.finance.yahoo.com"
Downloader = Callable[..., pd.DataFrame]


def _yfinance_download(ticker: str, start: str | None, end: str | None) -> pd.DataFrame:
    import yfinance as yf

    frame = yf.download(
        ticker, start=start, end=end, auto_adjust=False, actions=False, progress=False
    )
    return frame if frame is not None else pd.DataFrame()


def check_online(host: str | None = None, timeout: float = 3.0) -> None:
    """Fail fast when Yahoo Finance cannot be reached.

    Raises
    ------
    DataError
        With a pointer to ``sentcast market load`` for local CSV files.
    """
    host = host or YAHOO_HOST
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
    except OSError as exc:
        raise DataError(
            f"cannot reach {host} ({exc.__class__.__name__}: {exc}); offline? "
            "Use `sentcast market load PATHS...` with local Yahoo CSV files instead"
        ) from None


def cache_path(cache_dir: str | Path, ticker: str) -> Path:
    """Parquet file of ``ticker`` in ``cache_dir`` (``^GSPC`` -> ``GSPC.parquet``)."""
    return Path(cache_dir) / (re.sub(r"[^A-Za-z0-9.-]+", "", ticker) + ".parquet")


def _to_frame(raw: pd.DataFrame) -> pd.DataFrame:
    frame = raw.copy()
    if isinstance(frame.columns, pd.MultiIndex):  # yfinance >= 0.2.48: (field, ticker)
        frame.columns = frame.columns.get_level_values(0)
    frame = frame.reset_index()
    frame.columns = [str(c) for c in frame.columns]
    frame = frame.rename(columns={"Adj Close": "Adj_Close", "index": "Date"})
    frame["Date"] = pd.to_datetime(frame["Date"]).dt.strftime("%Y-%m-%d")
    return frame.astype(str)


def fetch_yahoo(
    tickers: Iterable[str],
    cache_dir: str | Path,
    start: str | None = None,
    end: str | None = None,
    download: Downloader | None = None,
    online_check: Callable[[], Any] | None = check_online,
) -> dict[str, Path]:
    """Download each ticker's daily bars and write them to ``cache_dir/<ticker>.parquet``.

    Parameters
    ----------
    tickers : iterable of str
        Yahoo symbols, e.g. ``BTC-USD``, ``DX-Y.NYB``, ``^GSPC``.
    cache_dir : path
        Folder for the Parquet files (created).
    start, end : str, optional
        ISO dates passed to yfinance (``end`` exclusive, as yfinance treats it).
    download : callable, optional
        ``download(ticker, start, end) -> DataFrame``; defaults to ``yfinance.download``.
    online_check : callable or None
        Called once before downloading; ``None`` skips the check.

    Returns
    -------
    dict
        Ticker to written Parquet path.

    Raises
    ------
    DataError
        Offline, or a ticker returned no rows (unknown symbol or empty range).
    """
    tickers = list(tickers)
    if not tickers:
        raise UserInputError("no tickers given")
    if download is None:
        download = _yfinance_download
        if online_check is not None:
            online_check()
    out = Path(cache_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for ticker in tickers:
        raw = download(ticker, start, end)
        if raw is None or raw.empty:
            raise DataError(
                f"ticker {ticker!r}: no data from Yahoo Finance between {start or 'start'} "
                f"and {end or 'today'} (unknown symbol or empty range)"
            )
        frame = clean_ohlcv(_to_frame(raw), DropReport(source=ticker, rows_read=len(raw)))
        path = cache_path(out, ticker)
        frame.to_parquet(path)
        logger.info("%s: %d rows -> %s", ticker, len(frame), path)
        written[ticker] = path
    return written
