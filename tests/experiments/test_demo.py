"""The offline demo end to end, on a small generated data set and a tiny training budget."""

from __future__ import annotations

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
