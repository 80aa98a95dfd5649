from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

CLI = Callable[..., tuple[int, str, str]]


def test_load_prints_rows_range_and_drops(cli: CLI, market_dir: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "panel.parquet"
    code, out, _ = cli(
        "market", "load",
        str(market_dir / "BTC-USD.csv"), str(market_dir / "DXY.csv"), str(market_dir / "GSPC.csv"),
        "--start", "2014-09-18", "--end", "2019-11-23", "--calendar", "trading",
        "--out", str(out_file),
    )  # fmt: skip
    assert code == 0
    assert "panel: 1304 days, 2014-09-18 .. 2019-11-22" in out
    assert "null placeholder row=2987" in out
    panel = pd.read_parquet(out_file)
    assert panel.shape == (1304, 18)


def test_explicit_prefixes_and_csv_output(cli: CLI, market_dir: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "panel.csv"
    code, out, _ = cli(
        "market", "load", f"CRYPTO={market_dir / 'BTC-USD.csv'}",
        f"SPX={market_dir / 'GSPC.csv'}", "--primary", "CRYPTO", "--calendar", "daily",
        "--start", "2019-01-01", "--end", "2019-01-31", "--out", str(out_file),
    )  # fmt: skip
    assert code == 0, out
    panel = pd.read_csv(out_file, index_col="date")
    assert len(panel) == 31
    assert {"CRYPTO_Close", "SPX_Close"} <= set(panel.columns)


def test_duplicate_asset_is_refused(cli: CLI, market_dir: Path, tmp_path: Path) -> None:
    path = str(market_dir / "BTC-USD.csv")
    code, _, err = cli("market", "load", path, path, "--out", str(tmp_path / "p.parquet"))
    assert code == 2 and "given twice" in err


def test_empty_prefix_is_refused(cli: CLI, market_dir: Path, tmp_path: Path) -> None:
    path = str(market_dir / "BTC-USD.csv")
    code, _, err = cli("market", "load", f"={path}", "--out", str(tmp_path / "p.parquet"))
    assert code == 2 and "empty asset prefix" in err


def test_fetch_offline_exit_1(cli: CLI, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sentcast.data import fetch

    monkeypatch.setattr(fetch, "YAHOO_HOST", "unreachable.invalid")
    code, _, err = cli("market", "fetch", "BTC-USD", "--cache", str(tmp_path))
    assert code == 1 and "sentcast market load" in err


def test_fetch_end_is_inclusive(cli: CLI, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sentcast.cli import market

    calls = []
    monkeypatch.setattr(market, "fetch_yahoo", lambda *args: calls.append(args) or {})
    code, _, err = cli("market", "fetch", "BTC-USD", "--cache", str(tmp_path / "c"),
                       "--end", "2020-12-31")  # fmt: skip
    assert code == 0, err
    assert calls[0][3] == "2021-01-01"  # yfinance's end is the day after the last one
