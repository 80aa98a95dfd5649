"""Fault cases: impossible or suspicious values in Yahoo market files (issue 9 item 5)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.data.yahoo import JUMP_LOG_RETURN, read_yahoo

HEADER = "Date,Open,High,Low,Close,Adj Close,Volume\n"


def _rows(closes: list[float]) -> str:
    days = pd.date_range("2020-01-01", periods=len(closes), freq="D")
    rows = zip(days, closes, strict=True)
    return "".join(f"{d:%Y-%m-%d},{c},{c * 1.01},{c * 0.99},{c},{c},100\n" for d, c in rows)


def _csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "BTC-USD.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity", "nan", "NaN", "-nan"])
def test_non_finite_price_is_dropped_and_counted(tmp_path: Path, value: str) -> None:
    body = _rows([10.0, 11.0]) + f"2020-01-03,{value},12,11,11.5,11.5,100\n"
    frame, report = read_yahoo(_csv(tmp_path, body))
    assert len(frame) == 2 and np.isfinite(frame.to_numpy()).all()
    assert report.dropped["non-finite value"] == 1
    assert report.rows_read == report.rows_kept + report.rows_dropped == 3


def test_infinite_volume_is_dropped_and_counted(tmp_path: Path) -> None:
    frame, report = read_yahoo(_csv(tmp_path, _rows([10.0]) + "2020-01-02,10,11,9,10,10,inf\n"))
    assert len(frame) == 1 and report.dropped["non-finite value"] == 1


def test_non_finite_values_in_parquet_are_dropped_and_counted(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"Open": [1.0, np.inf], "High": [2.0, 2.0], "Low": [0.5, 0.5], "Close": [1.0, np.nan]}
        | {"Adj Close": [1.0, 1.0], "Volume": [3.0, 3.0]},
        index=pd.DatetimeIndex(["2020-01-01", "2020-01-02"], name="Date"),
    )
    path = tmp_path / "BTC-USD.parquet"
    frame.to_parquet(path)
    clean, report = read_yahoo(path)
    assert len(clean) == 1 and report.dropped["non-finite value"] == 1


@pytest.mark.parametrize("day", ["9999-12-31", "1500-01-01"])
def test_date_out_of_range_is_a_counted_unparseable_date(tmp_path: Path, day: str) -> None:
    frame, report = read_yahoo(_csv(tmp_path, _rows([10.0, 11.0]) + f"{day},10,11,9,10,10,5\n"))
    assert list(frame.index.year) == [2020, 2020]  # the panel does not span centuries
    assert report.dropped["unparseable date"] == 1


def test_text_that_is_no_number_stays_non_numeric(tmp_path: Path) -> None:
    _, report = read_yahoo(_csv(tmp_path, _rows([10.0]) + "2020-01-02,abc,11,9,10,10,5\n"))
    assert report.dropped["non-numeric value"] == 1 and "non-finite value" not in report.dropped


def test_close_jump_is_flagged_with_its_date_not_dropped(tmp_path: Path) -> None:
    frame, report = read_yahoo(_csv(tmp_path, _rows([10.0, 10.5, 30.0, 29.0, 10.0])))
    assert len(frame) == 5 and report.rows_dropped == 0
    (note,) = [n for n in report.notes if "jump" in n]
    assert "2 day(s)" in note and "2020-01-03 (+1.05)" in note and "2020-01-05 (-1.06)" in note


def test_market_load_prints_the_jump_flag(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = _csv(tmp_path, _rows([10.0, 10.2, 100.0, 101.0]))
    code, out, _ = cli("market", "load", f"BTC={path}", "--out", str(tmp_path / "p.parquet"))
    assert code == 0
    assert "close jump flagged" in out and "2020-01-03" in out


def test_real_btc_study_window_has_no_jump_flag(market_dir: Path) -> None:
    frame, report = read_yahoo(market_dir / "BTC-USD.csv")
    assert not [n for n in report.notes if "jump" in n]
    assert len(frame) == report.rows_read


def test_a_move_exactly_at_the_jump_threshold_is_not_flagged(tmp_path: Path) -> None:
    at = math.exp(JUMP_LOG_RETURN)  # log(at) - log(1) == 0.5 exactly in float64
    assert np.log(at) == JUMP_LOG_RETURN
    _, report = read_yahoo(_csv(tmp_path, _rows([1.0, at, 1.0])))
    assert not [n for n in report.notes if "jump" in n]
    beyond = float(np.nextafter(at, 2.0))
    _, report = read_yahoo(_csv(tmp_path, _rows([1.0, beyond, 1.0])))
    assert [n for n in report.notes if "jump" in n] == [
        "close jump flagged (|log return| > 0.5 from the previous row, kept) on 2 day(s): "
        "2020-01-02 (+0.50), 2020-01-03 (-0.50)"
    ]


@pytest.mark.parametrize(
    ("jumps", "tail"), [(2, ""), (10, ""), (11, " and 1 more"), (13, " and 3 more")]
)
def test_jump_note_lists_ten_days_then_counts_the_rest(
    tmp_path: Path, jumps: int, tail: str
) -> None:
    closes = [10.0 if i % 2 == 0 else 20.0 for i in range(jumps + 1)]  # +-0.69 every day
    _, report = read_yahoo(_csv(tmp_path, _rows(closes)))
    listed = [
        f"2020-01-{i + 2:02d} ({'+' if i % 2 == 0 else '-'}0.69)" for i in range(min(jumps, 10))
    ]
    assert report.notes == [
        f"close jump flagged (|log return| > 0.5 from the previous row, kept) on {jumps} day(s): "
        + ", ".join(listed)
        + tail
    ]
