"""Fault cases of feature importance: collinear or constant columns, uneven feature sets,
too few permutations, old cell files, bad display names."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.evaluation.importance import (
    ablation_test,
    correlation_clusters,
    summarize_importance,
)
from sentcast.experiments.runner import run_experiment
from tests.experiments.forecast_files import experiment_toml

CLI = Callable[..., tuple[int, str, str]]
#: One LSTM cell (with importance) and naive, on window 3.
GRID = {"windows": [3], "feature_sets": ["BTC"], "seeds": [0], "baselines": ["naive"]}
LSTM = "h1_w3_BTC_lstm_s0"


def test_a_constant_column_is_its_own_cluster_not_a_nan_error() -> None:
    values = np.column_stack([np.arange(50.0), np.arange(50.0) * 2, np.ones(50)])
    clusters = correlation_clusters(values, ["x", "y", "z"], {"G": ["x", "y", "z"]})
    assert clusters == [("G", ["x", "y"]), ("G", ["z"])]


def test_ablation_of_sets_covering_different_days_uses_the_common_days() -> None:
    days = pd.date_range("2021-01-01", periods=40, freq="D")
    rng = np.random.default_rng(0)
    longer = pd.DataFrame(
        {"split": "test", "target_date": days, "y_true": 0.0, "y_pred": rng.normal(size=40)}
    )
    shorter = longer.iloc[10:].assign(y_pred=lambda f: f["y_pred"] * 2)
    result = ablation_test(longer, shorter, horizon=1)
    assert result["n"] == 30
    assert result["rmse_change"] == pytest.approx(-0.5)


def test_ablation_without_common_days_gives_no_test_not_an_error() -> None:
    a = pd.DataFrame({"split": "test", "target_date": pd.date_range("2021-01-01", periods=5)})
    b = a.assign(target_date=pd.date_range("2022-01-01", periods=5))
    result = ablation_test(a.assign(y_true=0.0, y_pred=1.0), b.assign(y_true=0.0, y_pred=1.0), 1)
    assert result["n"] == 0 and np.isnan(result["dm_pvalue"]) and np.isnan(result["rmse_change"])


def test_a_single_permutation_outcome_is_not_evidence() -> None:
    rows = pd.DataFrame({"level": ["group"], "group": ["G"], "feature": ["G"], "importance": [3.0]})
    summary = summarize_importance(rows)
    assert summary["includes_zero"].item() and np.isnan(summary["std"].item())


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("importance")
    config = experiment_toml(
        folder / "exp", grid=GRID, evaluation={"backtest": {"folds": 0}, "plots": False}
    )
    run_experiment(config, folder / "run")
    return config, folder / "run"


def test_importance_file_of_the_older_layout_makes_the_cell_run_again(
    finished_run: tuple[Path, Path], tmp_path: Path
) -> None:
    config, finished = finished_run
    run = Path(shutil.copytree(finished, tmp_path / "run"))
    old = pd.DataFrame(
        {"feature": ["BTC_Close", "(group)"], "group": ["BTC", "BTC"], "importance": [0.1, 0.2]}
    )
    old.to_csv(run / "cells" / f"{LSTM}.importance.csv", index=False)
    summary = run_experiment(config, run)
    assert f"redone 1 cell with an unreadable result file: {LSTM}" in summary
    redone = pd.read_csv(run / "cells" / f"{LSTM}.importance.csv")
    assert {"level", "repeat"} <= set(redone.columns)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("data.names={XYZ='ETH-USD'}", "data.names.XYZ: not a market prefix or a daily table"),
        ("data.names={BTC='ETH|USD'}", "data.names: BTC: display name 'ETH|USD' must be"),
        ("data.names={BTC=''}", "data.names: BTC: display name '' must be non-empty"),
        ('data.names={BTC="ETH\\nUSD"}', "data.names: BTC: display name 'ETH\\nUSD' must"),
    ],
    ids=["unknown-slot", "pipe-in-name", "empty-name", "newline-in-name"],
)
def test_bad_display_names_are_one_line_errors(
    cli: CLI, tmp_path: Path, override: str, message: str
) -> None:
    config = experiment_toml(tmp_path / "exp")
    code, _, err = cli("experiment", "validate", str(config), "--set", override, "--no-data")
    assert code == 2 and err.count("\n") == 1
    assert message in err
