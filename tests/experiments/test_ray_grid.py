"""``experiment run --engine ray``: grid cells as tasks on a real local Ray give the local
engine's files, resume like it, survive a worker killed mid-run, and a failing cell is one
line."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from sentcast.engines import Engine
from sentcast.errors import DataError, UserInputError
from sentcast.experiments import forecast_ray
from sentcast.experiments.runner import load_experiment, run_experiment
from tests.experiments.forecast_files import RAY_OVERRIDES as OVERRIDES
from tests.experiments.forecast_files import experiment_toml, same_run_files

RAY = Engine("ray")
LSTM = "h1_w4_BTC+Sentiment_lstm_s0"


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("grid")
    toml = experiment_toml(root / "exp")
    run_experiment(toml, root / "local", OVERRIDES)
    return toml, root / "local"


def test_ray_cells_give_the_local_files(
    ray_local: ModuleType, local_run: tuple[Path, Path], tmp_path: Path
) -> None:
    toml, local = local_run
    summary = run_experiment(toml, tmp_path / "ray", OVERRIDES, engine=RAY)
    assert "cells: 3 (3 run, 0 already done)" in summary
    same_run_files(local, tmp_path / "ray")


def test_a_ray_run_resumes_and_redoes_only_the_missing_cell(
    ray_local: ModuleType, local_run: tuple[Path, Path], tmp_path: Path
) -> None:
    toml, local = local_run
    out = tmp_path / "ray"
    run_experiment(toml, out, OVERRIDES, engine=RAY)
    (out / "cells" / f"{LSTM}.csv").unlink()
    summary = run_experiment(toml, out, OVERRIDES, engine=RAY)
    assert "cells: 3 (1 run, 2 already done)" in summary
    same_run_files(local, out)


def test_cells_declare_cpus_and_count_on_the_progress_callback(
    ray_local: ModuleType, local_run: tuple[Path, Path], tmp_path: Path
) -> None:
    toml, _ = local_run
    _, config = load_experiment(toml, [*OVERRIDES, "grid.threads=2"])
    from sentcast.experiments.forecast import grid_cells
    from sentcast.experiments.forecast_data import load_experiment_data

    cells = grid_cells(config)  # type: ignore[arg-type]
    assert forecast_ray.cell_resources(ray_local, cells[-1], config, None) == {"num_cpus": 2.0}
    assert forecast_ray.cell_resources(ray_local, cells[-1], config, 0.5) == {"num_cpus": 0.5}
    data = load_experiment_data(config.data, config.grid.feature_sets)  # type: ignore[attr-defined]
    seen: list[str] = []
    (tmp_path / "cells").mkdir()
    forecast_ray.run_cells(
        ray_local, cells[:2], data.frame, config, tmp_path, lambda c: seen.append(c.id), 1.0
    )
    assert sorted(seen) == sorted(c.id for c in cells[:2])
    assert all((tmp_path / "cells" / f"{c}.csv").is_file() for c in seen)


def test_a_cell_failing_in_its_task_is_one_line_naming_it(
    ray_local: ModuleType, local_run: tuple[Path, Path], tmp_path: Path
) -> None:
    toml, _ = local_run
    _, config = load_experiment(toml, OVERRIDES)
    from sentcast.experiments.forecast import grid_cells
    from sentcast.experiments.forecast_data import load_experiment_data

    cell = next(c for c in grid_cells(config) if c.feature_set == "BTC+Sentiment")  # type: ignore[arg-type]
    data = load_experiment_data(config.data, config.grid.feature_sets)  # type: ignore[attr-defined]
    frame = data.frame.drop(columns=[c for c in data.frame if "entiment" in str(c)])
    with pytest.raises(UserInputError) as failed:  # raised in the task: the class is kept
        forecast_ray.run_cells(ray_local, [cell], frame, config, tmp_path, print)
    message = str(failed.value)
    assert message.startswith(f"cell {cell.id}: feature set 'BTC+Sentiment': group Sentiment")
    assert "\n" not in message


def test_more_cpus_per_cell_than_a_node_has_is_refused(
    ray_local: ModuleType, local_run: tuple[Path, Path], tmp_path: Path
) -> None:
    toml, _ = local_run
    many = Engine("ray", cpus_per_task=3)
    with pytest.raises(UserInputError, match="--cpus-per-cell 3: the largest Ray node has 2 CPUs"):
        run_experiment(toml, tmp_path / "big", OVERRIDES, engine=many)


def _kill_cell(victim: str, marker: Path, wait_for: list[Path] | None = None) -> Callable[..., Any]:
    """``forecast_ray.cell_files`` whose worker process exits hard when it runs cell ``victim``:
    once (``marker`` records it), or every time when ``wait_for`` is given, after those files
    appear. Defined here, so Ray ships it to the workers by value."""
    real = forecast_ray.cell_files

    def cell_files(run: str, cell: Any, frame: Any, config: Any) -> dict[str, bytes]:
        if cell.id == victim and (wait_for is not None or not marker.exists()):
            deadline = time.monotonic() + 120
            while not all(p.exists() for p in wait_for or []) and time.monotonic() < deadline:
                time.sleep(0.2)
            marker.touch()
            os._exit(1)
        return real(run, cell, frame, config)

    return cell_files


def test_a_grid_worker_killed_mid_run_is_retried_and_nothing_is_lost(
    ray_local: ModuleType,
    local_run: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    toml, local = local_run
    marker = tmp_path / "killed"
    monkeypatch.setattr(forecast_ray, "cell_files", _kill_cell(LSTM, marker))
    summary = run_experiment(toml, tmp_path / "ray", OVERRIDES, engine=RAY)
    assert marker.exists()  # the worker running the LSTM cell did exit
    assert "cells: 3 (3 run, 0 already done)" in summary
    same_run_files(local, tmp_path / "ray")


def test_a_cell_whose_worker_keeps_dying_fails_and_the_rerun_keeps_the_finished_cells(
    ray_local: ModuleType,
    local_run: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    toml, local = local_run
    out = tmp_path / "ray"
    others = [p for p in (local / "cells").glob("*.csv") if "." not in p.stem and p.stem != LSTM]
    assert len(others) == 2
    wait_for = [out / "cells" / p.name for p in others]
    monkeypatch.setattr(forecast_ray, "RETRIES", 0)
    monkeypatch.setattr(forecast_ray, "cell_files", _kill_cell(LSTM, tmp_path / "x", wait_for))
    with pytest.raises(DataError) as failed:
        run_experiment(toml, out, OVERRIDES, engine=RAY)
    assert str(failed.value).startswith(f"cell {LSTM} failed on Ray: ")
    assert "\n" not in str(failed.value)
    monkeypatch.undo()
    summary = run_experiment(toml, out, OVERRIDES, engine=RAY)
    assert "cells: 3 (1 run, 2 already done)" in summary
    same_run_files(local, out)
