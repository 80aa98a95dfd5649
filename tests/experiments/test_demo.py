"""The offline demo end to end, on a small generated data set and a tiny training budget."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from tests.experiments.forecast_files import check_naive_comparisons

CLI = Callable[..., tuple[int, str, str]]

TINY = ("grid.windows=[7]", "grid.seeds=[0]", "train.epochs=2", "evaluation.importance=false")


def test_demo_runs_end_to_end(cli: CLI, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    args = ["demo", "--out", str(out), "--days", "170", "--workers", "1"]
    for item in TINY:
        args += ["--set", item]
    code, stdout, _ = cli(*args)
    assert code == 0, stdout
    assert "report:" in stdout and str((out / "report.html").resolve()) in stdout
    for name in ("BTC-USD.csv", "DXY.csv", "GSPC.csv", "tweets.csv", "daily_sentiment.parquet"):
        assert (out / "data" / name).is_file()
    daily = pd.read_parquet(out / "data" / "daily_sentiment.parquet")
    assert len(daily) == 170 and (daily["n_tweets"] > 0).all()
    results = pd.read_csv(out / "results.csv")
    assert set(results["feature_set"]) == {"BTC", "BTC+Sentiment"}
    assert {"naive", "lstm", "cnn-lstm"} <= set(results["model"])
    check_naive_comparisons(results)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "BTC+Sentiment" in page


def test_demo_log_is_short_outside_a_terminal(tmp_path: Path) -> None:
    """``make demo > log 2>&1``: no per-epoch lines at INFO, one line per cell at most, and the
    answer last. The full grid (30 cells) with a tiny training budget: the line count does not
    depend on the epochs any more (it did: one line per epoch)."""
    out = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if k != "SENTCAST_PROGRESS"}
    quick = ("train.epochs=3", "evaluation.importance=false")
    args = ["demo", "--out", str(out), "--days", "240", "--workers", "1"]
    for item in quick:
        args += ["--set", item]
    result = subprocess.run(
        [sys.executable, "-c", "from sentcast.cli.entry import run; run()", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
        timeout=600,
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout[-2000:]
    assert len(lines) < 60, "\n".join(lines)
    assert not [line for line in lines if ": epoch " in line]
    cells = [line for line in lines if " INFO sentcast.experiments.forecast_units: h1_w" in line]
    assert (
        len(cells) == 30
    )  # one line per cell: 2 windows x 2 feature sets x (naive, ridge, 6 nets)
    assert lines[-1].startswith("answer: ")
