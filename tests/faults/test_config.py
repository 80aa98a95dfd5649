"""Fault cases of experiment configs: one line naming the dotted path, at `experiment validate`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sentcast.experiments.runner import run_experiment
from tests.experiments.forecast_files import experiment_toml
from tests.experiments.textclf_files import textclf_toml

CLI = Callable[..., tuple[int, str, str]]
EVAL_NAMED_TEST = (
    "datasets=[{name='a', format='csv', path='x', eval=[{name='test', format='csv', path='y'}]}]"
)


@pytest.fixture(scope="module")
def forecast_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny forecast experiment: 240 generated days, 172 on the trading calendar."""
    return experiment_toml(tmp_path_factory.mktemp("exp"))


@pytest.fixture(scope="module")
def textclf_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny textclf experiment."""
    return textclf_toml(tmp_path_factory.mktemp("textclf"))


def _validate(cli: CLI, config: Path, overrides: list[str], *flags: str) -> tuple[int, str]:
    args = [arg for item in overrides for arg in ("--set", item)]
    code, _, err = cli("experiment", "validate", str(config), *args, *flags)
    return code, err


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["grid.seeds=[-1]"], "grid.seeds.0: must be >= 0, got -1"),
        (["grid.seeds=[4294967296]"], "grid.seeds.0: must be <= 4294967295"),
        (["grid.seeds=[0, 0]"], "grid.seeds: 0 is listed twice"),
        (["grid.windows=[3, 3]"], "grid.windows: 3 is listed twice"),
        (["evaluation.importance_seeds=[-2]"], "evaluation.importance_seeds.0: must be >= 0"),
        (["data.start=2019-02-30"], "data.start: not a date (YYYY-MM-DD): day is out of range"),
        (["data.end='2019-13-01'"], "data.end: not a date (YYYY-MM-DD)"),
        (["data.end='next tuesday'"], "data.end: not a date (YYYY-MM-DD)"),
        (["split.validation_start=2019-02-29"], "split.validation_start: not a date"),
        (
            ["data.start=2020-01-01", "data.end=2019-06-30"],
            "data.start: 2020-01-01 is after data.end 2019-06-30",
        ),
        (
            ["grid.models=[]", "grid.baselines=[]"],
            "grid.models: nothing to run (grid.models and grid.baselines are empty)",
        ),
        (["train.learning_rate=inf"], "train.learning_rate: Input should be a finite number"),
        (["split.validation=nan"], "split.validation: Input should be a finite number"),
    ],
    ids=[
        "negative-seed",
        "seed-too-large",
        "repeated-seed",
        "repeated-window",
        "negative-importance-seed",
        "february-30",
        "month-13",
        "not-a-date",
        "validation-start-feb-29-2019",
        "start-after-end",
        "nothing-to-run",
        "infinite-learning-rate",
        "nan-share",
    ],
)
def test_forecast_config_errors_are_one_line_at_validate(
    cli: CLI, forecast_config: Path, overrides: list[str], message: str
) -> None:
    code, err = _validate(cli, forecast_config, overrides, "--no-data")
    assert code == 2 and err.count("\n") == 1
    assert message in err


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["grid.windows=[3, 200]"],
            "grid.windows.1: window 200, horizon 1: 172 days are too few",
        ),
        (["split.test=0.05"], "split.test: 8 test samples at horizon 1, window 3 (at least 30"),
        (
            ["grid.windows=[100]"],
            "split.validation: 15 validation samples at horizon 1, window 100 (at least 30",
        ),
        (
            ["evaluation.backtest.folds=100"],
            "evaluation.backtest: window 3, horizon 1, BTC: 169 samples are too few for 100 "
            "walk-forward blocks",
        ),
        (["split.validation_start=2030-01-01"], "grid.windows.0: window 3, horizon 1: "),
    ],
    ids=["window-too-long", "test-too-small", "validation-too-small", "backtest-folds", "split"],
)
def test_data_dependent_errors_are_caught_at_validate(
    cli: CLI, forecast_config: Path, overrides: list[str], message: str
) -> None:
    assert _validate(cli, forecast_config, overrides, "--no-data")[0] == 0  # the file is valid
    code, err = _validate(cli, forecast_config, overrides)
    assert code == 2 and err.count("\n") == 1
    assert message in err


def test_validate_reports_the_samples_per_split(cli: CLI, forecast_config: Path) -> None:
    code, out, _ = cli("experiment", "validate", str(forecast_config))
    assert code == 0
    assert "# data: " in out and "172 days" in out
    assert "# horizon 1, window 5: 100 train, 34 validation, 33 test samples" in out


def test_data_error_comes_before_any_cell_runs(
    cli: CLI, forecast_config: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    code, _, err = cli(
        "experiment", "run", str(forecast_config), "--out", str(out),
        "--set", "grid.windows=[3, 100]",
    )  # fmt: skip
    assert code == 2 and "split.validation: 15 validation samples" in err
    assert err.count("\n") == 1
    assert not list((out / "cells").glob("*.csv"))


def test_baselines_alone_run_without_networks(forecast_config: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    overrides = ["grid.models=[]", "grid.windows=[3]", "grid.seeds=[0]", "grid.baselines=['naive']"]
    summary = run_experiment(forecast_config, out, [*overrides, "evaluation.backtest.folds=0"])
    assert "cells: 1 (1 run, 0 already done)" in summary
    assert set(pd.read_csv(out / "results.csv")["model"]) == {"naive"}
    assert (out / "report.html").is_file()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["models=[]"], "models: List should have at least 1 item"),
        (["seeds=[-1]"], "seeds.0: must be >= 0, got -1"),
        (["seeds=[]"], "seeds: List should have at least 1 item"),
        (["seeds=[2, 2]"], "seeds: 2 is listed twice"),
        (["split_seed=-1"], "split_seed: must be >= 0, got -1"),
        (["models=['tfidf-lr', 'tfidf-lr']"], "models: 'tfidf-lr' is listed twice"),
        ([EVAL_NAMED_TEST], "evaluation set names must be unique"),
        (["model.tfidf.C=inf"], "model.tfidf.C: Input should be a finite number"),
    ],
    ids=["no-models", "negative-seed", "no-seeds", "repeated-seed", "negative-split-seed",
         "repeated-model", "eval-set-named-test", "infinite-C"],
)  # fmt: skip
def test_textclf_config_errors_are_one_line_at_validate(
    cli: CLI, textclf_config: Path, overrides: list[str], message: str
) -> None:
    code, err = _validate(cli, textclf_config, overrides)
    assert code == 2 and err.count("\n") == 1
    assert message in err
