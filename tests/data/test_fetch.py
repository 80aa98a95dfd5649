from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.data.fetch import cache_path, check_online, fetch_yahoo
from sentcast.data.yahoo import read_yahoo
from sentcast.errors import DataError


def fake_download(ticker: str, start: str | None, end: str | None) -> pd.DataFrame:
    """What yfinance >= 0.2.48 returns: (field, ticker) MultiIndex columns, Date index."""
    if ticker == "NOPE":
        return pd.DataFrame()
    days = pd.date_range("2020-01-01", periods=5, freq="D", name="Date")
    fields = ["Adj Close", "Close", "High", "Low", "Open", "Volume"]
    values = np.column_stack([np.arange(5) + 10.0] * 5 + [np.full(5, 100.0)])
    values[:, 2] += 1  # High
    values[:, 3] -= 1  # Low
    columns = pd.MultiIndex.from_product([fields, [ticker]], names=["Price", "Ticker"])
    return pd.DataFrame(values, index=days, columns=columns)


def test_fetch_writes_readable_parquet_cache(tmp_path: Path) -> None:
    written = fetch_yahoo(["BTC-USD", "^GSPC"], tmp_path, download=fake_download)
    assert written["^GSPC"] == cache_path(tmp_path, "^GSPC") == tmp_path / "GSPC.parquet"
    frame, report = read_yahoo(written["BTC-USD"])
    assert len(frame) == 5 and report.rows_dropped == 0
    assert frame["Close"].tolist() == [10.0, 11.0, 12.0, 13.0, 14.0]
    assert (frame["High"] > frame["Low"]).all()


def test_unknown_ticker_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="ticker 'NOPE': no data"):
        fetch_yahoo(["NOPE"], tmp_path, download=fake_download)


def test_offline_fails_fast_pointing_to_load(tmp_path: Path) -> None:
    def offline() -> None:
        check_online(host="unreachable.invalid", timeout=0.5)

    with pytest.raises(DataError, match="sentcast market load"):
        fetch_yahoo(["BTC-USD"], tmp_path, online_check=offline)
