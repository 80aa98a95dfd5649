"""Fixtures of the experiment tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.experiments.forecast_files import experiment_toml


@pytest.fixture()
def tiny_experiment(tmp_path: Path) -> Path:
    """A tiny forecast experiment (2 windows x 2 sets x LSTM x 2 seeds + baselines)."""
    return experiment_toml(tmp_path / "exp")
