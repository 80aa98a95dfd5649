"""Fault cases: stale daily tables must not be stretched over the panel (issue 9 item 5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from sentcast.data.daily_series import read_daily_series
from tests.experiments.forecast_files import experiment_toml

QUICK = {
    "grid": {"windows": [3], "models": [], "baselines": ["naive"], "seeds": [0]},
    # the sentiment sets keep about 105 samples: 30 % parts stay above the 30-sample minimum
    "split": {"validation": 0.3, "test": 0.3},
    "evaluation": {
        "importance": False,
        "backtest": {"folds": 0},
        "plots": False,
        "save_models": False,
    },
}


def _experiment(tmp_path: Path, keep_days: int, **sentiment: Any) -> Path:
    """The tiny experiment (240 calendar days) with a sentiment table cut to its first rows."""
    path = experiment_toml(tmp_path / "exp", **QUICK)
    table = path.parent / "data" / "sentiment.csv"
    pd.read_csv(table).head(keep_days).to_csv(table, index=False)
    if sentiment:
        path = experiment_toml(tmp_path / "exp", **QUICK, data={"sentiment": sentiment})
        pd.read_csv(table).head(keep_days).to_csv(table, index=False)
    return path


def test_a_table_that_ended_early_is_filled_five_days_then_excluded(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    config = _experiment(tmp_path, 152)
    code, _, err = cli("experiment", "run", str(config), "--out", str(tmp_path / "run"))
    assert code == 0, err
    summary = json.loads((tmp_path / "run" / "data_summary.json").read_text())
    sentiment = summary["sources"]["Sentiment"]
    # last value on Sunday 05-31: Monday .. Friday are 1 .. 5 days old (filled), later excluded
    assert sentiment["last_value"] == "2020-05-31"
    assert sentiment["filled"] == 5 and sentiment["excluded_fill_too_old"] > 50
    assert summary["missing_days"]["sentiment_dropped"] == sentiment["excluded"]
    days = summary["days_per_feature_set"]
    assert days["BTC+Sentiment"] == days["BTC"] - sentiment["excluded"]


def test_zero_fill_is_capped_too(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    sentiment = {"path": "data/sentiment.csv", "columns": ["CL sentiment"], "fill": "zero"}
    config = _experiment(tmp_path, 152, **sentiment)
    code, _, err = cli("experiment", "run", str(config), "--out", str(tmp_path / "run"))
    assert code == 0, err
    summary = json.loads((tmp_path / "run" / "data_summary.json").read_text())
    assert summary["sources"]["Sentiment"]["excluded_fill_too_old"] > 50


def test_a_table_older_than_the_panel_is_a_one_line_error(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    config = _experiment(tmp_path, 160)
    table = config.parent / "data" / "sentiment.csv"
    frame = pd.read_csv(table)
    frame["date"] = pd.to_datetime(frame["date"]) - pd.Timedelta(days=400)
    frame.to_csv(table, index=False)
    code, out, err = cli("experiment", "run", str(config), "--out", str(tmp_path / "run"))
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: feature set BTC+Sentiment: no day has a value")
    assert "too old" in lines[0]


def test_a_negative_fill_age_is_a_usage_error(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    config = experiment_toml(tmp_path / "exp", data={"sentiment": {"path": "x.csv"}})
    code, _, err = cli(
        "experiment", "validate", str(config), "--set", "data.sentiment.max_fill_days=-1"
    )
    assert code == 2 and "data.sentiment.max_fill_days" in err


def test_infinite_sentiment_values_are_read_as_missing_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("date,v\n2020-01-01,0.1\n2020-01-02,inf\n2020-01-03,-inf\n2020-01-04,x\n")
    frame, report = read_daily_series(path, ["v"])
    assert frame["v"].isna().tolist() == [False, True, True, True]
    assert "v: 2 non-finite value(s) read as missing" in report.notes
    assert "v: 1 non-numeric value(s) read as missing" in report.notes


def test_walk_forward_with_a_shorter_source_compares_with_naive_on_its_own_days(
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    config = _experiment(tmp_path, 152)
    code, _, err = cli(
        "experiment", "run", str(config), "--out", str(tmp_path / "run"),
        "--set", "evaluation.backtest.folds=2", "--set", "evaluation.backtest.models=['ridge']",
        "--set", "grid.baselines=['naive', 'ridge']",
    )  # fmt: skip
    assert code == 0, err
    pooled = pd.read_csv(tmp_path / "run" / "backtest_pooled.csv")
    naive = pooled[pooled["model"] == "naive"].set_index("feature_set")
    # BTC+Sentiment covers fewer days: its own naive row, scored on those days
    assert set(naive.index) == {"BTC", "BTC+Sentiment"}
    assert naive.loc["BTC+Sentiment", "n_test"] < naive.loc["BTC", "n_test"]
    ridge = pooled[pooled["model"] == "ridge"].set_index("feature_set")
    assert ridge.loc["BTC+Sentiment", "n_test"] == naive.loc["BTC+Sentiment", "n_test"]
