"""Tuning with ``--engine ray``: each round's trials run as Ray tasks and the study, the
chosen parameters and the grid's files equal the local engine's."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pandas as pd

from sentcast.engines import Engine
from sentcast.experiments.runner import run_experiment
from tests.experiments.forecast_files import experiment_toml
from tests.tuning.test_tuning import GRID, TUNING


def test_ray_trials_choose_what_the_local_engine_chooses(
    ray_local: ModuleType, tmp_path: Path
) -> None:
    toml = experiment_toml(tmp_path / "exp")
    run_experiment(toml, tmp_path / "local", [*GRID, *TUNING])
    run_experiment(toml, tmp_path / "ray", [*GRID, *TUNING], engine=Engine("ray"))
    local, ray = (pd.read_csv(tmp_path / p / "tuning.csv") for p in ("local", "ray"))
    pd.testing.assert_frame_equal(local.drop(columns="seconds"), ray.drop(columns="seconds"))
    results = [pd.read_csv(tmp_path / p / "results.csv") for p in ("local", "ray")]
    pd.testing.assert_frame_equal(
        results[0].drop(columns="fit_seconds"), results[1].drop(columns="fit_seconds")
    )
