from __future__ import annotations

import logging
import socket
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sentcast.data import fetch
from sentcast.data.fetch import cache_path, check_online, fetch_yahoo
from sentcast.data.yahoo import read_yahoo
from sentcast.errors import DataError, UserInputError


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


def test_offline_fails_fast_pointing_to_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket, "create_connection", Connections(OSError("no route")))
    with pytest.raises(DataError, match="sentcast market load"):
        fetch_yahoo(["BTC-USD"], tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing downloaded, no cache folder content


class Connections:
    """Stands in for ``socket.create_connection``: records each call, then connects or fails."""

    def __init__(self, error: OSError | None = None) -> None:
        self.calls: list[tuple[tuple[str, int], Any]] = []
        self.closed = 0
        self.error = error

    def __call__(self, address: tuple[str, int], timeout: Any = "not given") -> Connections:
        self.calls.append((address, timeout))
        if self.error is not None:
            raise self.error
        return self

    def close(self) -> None:
        self.closed += 1


def test_check_online_tries_yahoo_on_port_443_for_three_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connections = Connections()
    monkeypatch.setattr(socket, "create_connection", connections)
    check_online()
    assert connections.calls == [(("query1.finance.yahoo.com", 443), 3.0)]
    assert connections.closed == 1


def test_check_online_uses_the_host_and_timeout_given(monkeypatch: pytest.MonkeyPatch) -> None:
    connections = Connections()
    monkeypatch.setattr(socket, "create_connection", connections)
    check_online(host="proxy.example", timeout=0.25)
    assert connections.calls == [(("proxy.example", 443), 0.25)]
    assert connections.closed == 1


def test_check_online_failure_message(monkeypatch: pytest.MonkeyPatch) -> None:
    connections = Connections(ConnectionRefusedError("connection refused"))
    monkeypatch.setattr(socket, "create_connection", connections)
    with pytest.raises(DataError) as caught:
        check_online()
    assert str(caught.value) == (
        "cannot reach query1.finance.yahoo.com (ConnectionRefusedError: connection refused); "
        "offline? Use `sentcast market load PATHS...` with local Yahoo CSV files instead"
    )
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def plain_download(ticker: str, start: str | None, end: str | None) -> pd.DataFrame:
    """What older yfinance returns: flat columns, an unnamed date index."""
    days = pd.date_range("2021-03-01", periods=3, freq="D")
    close = np.array([10.0, 11.0, 12.0])
    return pd.DataFrame(
        {
            "Open": close,
            "High": close + 1,
            "Low": close - 1,
            "Close": close,
            "Adj Close": close / 2,
            "Volume": [7.0, 8.0, 9.0],
        },
        index=days,
    )


def test_flat_columns_and_unnamed_index_are_read_too(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="sentcast.data.fetch"):
        written = fetch_yahoo(["eth-usd"], tmp_path, download=plain_download)
    path = tmp_path / "eth-usd.parquet"
    assert (
        written == {"eth-usd": path} and cache_path(tmp_path, "^gspc") == tmp_path / "gspc.parquet"
    )
    frame, _ = read_yahoo(path)
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2021-03-01", "2021-03-02", "2021-03-03"]
    assert frame["Adj_Close"].tolist() == [5.0, 5.5, 6.0]
    assert f"eth-usd: 3 rows -> {path}" in caplog.messages


def test_no_tickers_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserInputError) as caught:
        fetch_yahoo([], tmp_path, download=fake_download)
    assert str(caught.value) == "no tickers given"


def test_empty_answer_message_names_the_range(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        fetch_yahoo(["NOPE"], tmp_path, download=fake_download)
    assert str(caught.value) == (
        "ticker 'NOPE': no data from Yahoo Finance between start and today "
        "(unknown symbol or empty range)"
    )
    with pytest.raises(DataError) as caught:
        fetch_yahoo(
            ["NOPE"], tmp_path, start="2020-01-01", end="2020-02-01", download=fake_download
        )
    assert "between 2020-01-01 and 2020-02-01 (unknown" in str(caught.value)


def test_conflicting_duplicate_days_name_the_ticker(tmp_path: Path) -> None:
    def duplicated(ticker: str, start: str | None, end: str | None) -> pd.DataFrame:
        frame = plain_download(ticker, start, end)
        frame.index = pd.DatetimeIndex(["2021-03-01", "2021-03-01", "2021-03-02"])
        return frame

    with pytest.raises(DataError, match=r"^DUP: duplicated date"):
        fetch_yahoo(["DUP"], tmp_path, download=duplicated)


def test_default_downloader_after_the_online_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(fetch, "_yfinance_download", plain_download)
    fetch_yahoo(["A"], tmp_path, online_check=lambda: calls.append("checked"))
    assert calls == ["checked"] and (tmp_path / "A.parquet").exists()


def test_the_default_downloader_asks_yfinance_for_raw_daily_bars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """yfinance itself is replaced: no network. Unadjusted prices, no dividend or split
    columns, no progress bar; ``None`` (a failed download) is an empty frame."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def download(ticker: str, **options: Any) -> pd.DataFrame | None:
        calls.append((ticker, options))
        return None if ticker == "GONE" else fake_download(ticker, None, None)

    monkeypatch.setitem(sys.modules, "yfinance", types.SimpleNamespace(download=download))
    fetch_yahoo(["A"], tmp_path, start="2020-01-01", end="2020-01-06", online_check=lambda: None)
    assert calls == [
        (
            "A",
            {"start": "2020-01-01", "end": "2020-01-06", "auto_adjust": False,
             "actions": False, "progress": False},
        )
    ]  # fmt: skip
    frame, _ = read_yahoo(tmp_path / "A.parquet")
    assert frame["Close"].tolist() == [10.0, 11.0, 12.0, 13.0, 14.0]
    assert fetch._yfinance_download("GONE", None, None).empty
