"""Hostile evaluation settings: each one is a one-line error or a clear, reduced run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sentcast.errors import ConfigError
from sentcast.experiments.runner import load_experiment, run_experiment
from tests.experiments.forecast_files import experiment_toml

CLI = Callable[..., tuple[int, str, str]]


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    return experiment_toml(tmp_path / "exp")


def _validate(cli: CLI, config: Path, *overrides: str) -> tuple[int, str, str]:
    args = ["experiment", "validate", str(config)]
    for item in overrides:
        args += ["--set", item]
    return cli(*args)


def test_validate_reports_samples_per_part(cli: CLI, config: Path) -> None:
    code, out, err = _validate(cli, config)
    assert code == 0, err
    assert "# horizon 1, window 3: " in out and " validation, " in out and " test samples" in out


def test_validation_part_under_30_samples_is_refused_at_validate(cli: CLI, config: Path) -> None:
    code, _, err = _validate(cli, config, "split.validation=0.1")
    assert code == 2
    assert err.startswith("error: split.validation: ") and "at least 30 needed" in err
    assert len(err.strip().splitlines()) == 1


def test_test_part_under_30_samples_is_refused_at_validate(cli: CLI, config: Path) -> None:
    code, _, err = _validate(cli, config, "split.test=0.1")
    assert code == 2 and err.startswith("error: split.test: ") and "at least 30" in err


def test_too_many_backtest_folds_is_refused_at_validate(cli: CLI, config: Path) -> None:
    code, _, err = _validate(cli, config, "evaluation.backtest.folds=100")
    assert code == 2 and err.startswith("error: evaluation.backtest: ")
    assert "walk-forward blocks" in err
    assert len(err.strip().splitlines()) == 1


def test_empty_backtest_model_list_runs_naive_only(config: Path, tmp_path: Path) -> None:
    overrides = [
        "grid.windows=[3]",
        "grid.seeds=[0]",
        "grid.models=[]",
        "grid.baselines=['naive']",
        "evaluation.backtest.models=[]",
    ]
    run_experiment(config, tmp_path / "run", overrides)
    assert set(pd.read_csv(tmp_path / "run" / "backtest.csv")["model"]) == {"naive"}
    assert "## Walk-forward backtest" in (tmp_path / "run" / "tables.md").read_text()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["grid.models=[]", "grid.baselines=[]"], "nothing to run"),
        (["target.horizon=3", "target.horizons=[1, 3]"], "target.horizon or target.horizons"),
        (["target.horizons=[0, 3]"], "every horizon must be >= 1"),
        (
            ["evaluation.backtest_folds=0", "evaluation.backtest.folds=2"],
            "give backtest_folds or backtest.folds, not both",
        ),
        (["target.horizons=[3, 3]"], "horizons must not repeat"),
        (["evaluation.backtest.dates=['2020-05-01', '2020-03-01']"], "dates must be increasing"),
        (
            ["split.validation_start=2020-05-01", "split.test_start=2020-04-01"],
            "test_start must be after validation_start",
        ),
        (["evaluation.backtest.window=rolling"], "evaluation.backtest.window"),
    ],
)
def test_bad_evaluation_settings_are_config_errors(
    config: Path, overrides: list[str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_experiment(config, overrides)
