"""The engine choice: validation, the one-line errors of Ray tasks, and --help listing it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sentcast.engines import Engine, task_error
from sentcast.errors import ConfigError, DataError, UserInputError


def test_engine_defaults_to_local_and_knows_ray() -> None:
    assert not Engine().is_ray
    assert Engine("ray", "auto").is_ray


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "dask"}, "--engine must be one of local, ray, got 'dask'"),
        ({"name": "local", "address": "auto"}, "give it with --engine ray"),
        ({"name": "ray", "address": ""}, "--address must not be empty"),
        ({"name": "ray", "num_cpus": 0}, "CPUs for Ray must be >= 1, got 0"),
        ({"name": "ray", "cpus_per_task": 0.0}, "--cpus-per-cell must be > 0, got 0.0"),
        ({"name": "ray", "cpus_per_task": float("nan")}, "--cpus-per-cell must be > 0"),
    ],
)
def test_engine_refuses_bad_options(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        Engine(**kwargs)  # type: ignore[arg-type]


def test_task_errors_keep_sentcast_classes_and_name_the_work() -> None:
    import ray.exceptions

    inner = ConfigError("grid.windows.0: must be > 0")
    wrapped = ray.exceptions.RayTaskError("f", "Traceback...\nlong", inner)
    kept = task_error(wrapped, "cell h1_w4")
    assert type(kept) is ConfigError
    assert str(kept) == "cell h1_w4: grid.windows.0: must be > 0"
    crash = task_error(ray.exceptions.RayTaskError("f", "tb", RuntimeError("x\ny")), "scoring c-1")
    assert type(crash) is DataError
    assert str(crash) == "scoring c-1 failed on Ray: RuntimeError: x"
    died = task_error(ray.exceptions.WorkerCrashedError(), "cell c")
    assert str(died).startswith("cell c failed on Ray: WorkerCrashedError: ")
    assert "\n" not in str(died)


@pytest.mark.parametrize("command", [["sentiment", "score"], ["experiment", "run"]])
def test_help_lists_the_engines(command: list[str]) -> None:
    from sentcast.cli.main import app

    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--engine" in result.output and "[local|ray]" in result.output
    assert "--address" in result.output
