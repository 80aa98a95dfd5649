"""Forecast grid cells as Ray tasks: ``sentcast experiment run CONFIG --engine ray``.

Each unfinished unit (one cell, or the seeds of a network cell trained as one batch with
``grid.batched``: :mod:`sentcast.experiments.forecast_units`) is one Ray task declaring its
resources (``num_cpus`` per task; one GPU per network task when the cluster has GPUs and
``train.device`` allows CUDA). The task runs the local engine's function
(:func:`sentcast.experiments.forecast_units.run_unit`, same seeds, same torch threads) into a
scratch folder on its node and returns the files it wrote; this process writes them into
RUN_DIR atomically, the cells' metrics files last, so the files are the local engine's, a
killed run resumes as locally, and RUN_DIR need not be reachable from the cluster's nodes. A
task whose worker dies is run again by Ray (:data:`RETRIES` times).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from sentcast.config.forecast import ForecastExperiment
from sentcast.engines import task_error
from sentcast.errors import UserInputError
from sentcast.experiments.forecast_cells import Cell
from sentcast.experiments.forecast_resume import cell_file
from sentcast.files import atomic_write_bytes, inside
from sentcast.models.persistence import CONFIG_FILE

RETRIES = 3
"""How many times Ray runs a cell again after its worker died."""

# Per Ray worker process: the cell cache of the run it last served.
_cache: dict[str, Any] = {}


def cell_files(
    run: str,
    cell: Cell | list[Cell],
    frame: pd.DataFrame,
    config: ForecastExperiment,
    params: dict[str, Any] | None = None,
) -> dict[str, bytes]:
    """Run ``cell`` (or a unit of cells) into a scratch folder; return its files (path relative
    to RUN_DIR -> bytes).

    Parameters
    ----------
    run : str
        Identifies the run, so a worker reuses its prepared windows across that run's cells.
    cell : Cell or list of Cell
        One cell, or the cells of one unit (``forecast_units.grid_units``).
    frame : pandas.DataFrame
        The experiment's panel (:func:`sentcast.experiments.forecast_data.load_experiment_data`).
    config : ForecastExperiment
    """
    import torch

    from sentcast.experiments.forecast import CellCache
    from sentcast.experiments.forecast_units import run_unit

    cells = cell if isinstance(cell, list) else [cell]
    torch.set_num_threads(config.grid.threads or 1)
    if _cache.get("run") != run:
        _cache.update(run=run, cells=CellCache(frame, config))
    with tempfile.TemporaryDirectory(prefix="sentcast-cell-") as scratch:
        root = Path(scratch)
        (root / "cells").mkdir()
        run_unit(cells, _cache["cells"].get(cells[0]), config, root, params)
        return {
            path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*"))
            if path.is_file()
        }


def write_cell_files(out: Path, cell: Cell | list[Cell], files: dict[str, bytes]) -> None:
    """Write a cell's (or a unit's) files into ``out``, each atomically: model ``config.json``
    files after the other model files, and the cells' metrics files (which mark them
    finished) last."""
    cells = cell if isinstance(cell, list) else [cell]
    last = {cell_file(out, c, ".csv").relative_to(out).as_posix() for c in cells}

    def order(name: str) -> tuple[bool, bool, str]:
        return name in last, Path(name).name == CONFIG_FILE, name

    for name in sorted(files, key=order):
        path = inside(out, Path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, files[name])


def cell_resources(
    ray: ModuleType, cell: Cell, config: ForecastExperiment, cpus: float | None
) -> dict[str, float]:
    """Ray resources of one cell task: ``num_cpus`` (``cpus``, default the config's torch
    threads, at least 1) and ``num_gpus`` 1 for a network cell when the cluster has a GPU
    and ``train.device`` is not ``cpu``."""
    resources = {"num_cpus": cpus if cpus is not None else float(max(config.grid.threads, 1))}
    has_gpu = ray.cluster_resources().get("GPU", 0) > 0
    if cell.is_network and has_gpu and config.train.device != "cpu":
        resources["num_gpus"] = 1.0
    return resources


def run_cells(
    ray: ModuleType,
    cells: Sequence[Cell | list[Cell]],
    frame: pd.DataFrame,
    config: ForecastExperiment,
    out: Path,
    done: Callable[[Cell], None],
    cpus_per_cell: float | None = None,
    tuned: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Run ``cells`` as Ray tasks and write their files into ``out`` as each one finishes.

    Parameters
    ----------
    ray : module
        The connected ``ray`` module (:func:`sentcast.engines.ray_session`).
    cells : sequence of Cell or list of Cell
        The cells to run; a list of cells is one unit, run as one task.
    frame : pandas.DataFrame
        The experiment's panel, put once in Ray's object store.
    config : ForecastExperiment
    out : Path
        The RUN_DIR.
    done : callable
        Called with each finished cell (the progress bar), once per cell of a unit.
    cpus_per_cell : float, optional
        CPUs each task declares (see :func:`cell_resources`).
    tuned : dict, optional
        Chosen parameters of tuned networks by ``tuning_key`` of a unit's cell
        (:func:`sentcast.tuning.study.tune_on_ray`), handed to their tasks.

    Raises
    ------
    UserInputError
        When a cell asks for more CPUs than the largest node has (it would wait forever).
    DataError
        One line naming the cell when a task fails (the cells finished before stay written).
    """
    import uuid

    units = [unit if isinstance(unit, list) else [unit] for unit in cells]
    largest = max(
        (node["Resources"].get("CPU", 0.0) for node in ray.nodes() if node["Alive"]), default=0.0
    )
    wanted = max(cell_resources(ray, u[0], config, cpus_per_cell)["num_cpus"] for u in units)
    if wanted > largest:
        raise UserInputError(
            f"--cpus-per-cell {wanted:g}: the largest Ray node has {largest:g} CPUs; ask for fewer"
        )
    remote = ray.remote(max_retries=RETRIES)(cell_files)
    frame_ref, config_ref = ray.put(frame), ray.put(config)
    run = uuid.uuid4().hex
    from sentcast.tuning.study import tuning_key

    chosen = tuned or {}
    pending = {}
    for unit in units:
        params = chosen.get(tuning_key(unit[0]))
        ref = remote.options(**cell_resources(ray, unit[0], config, cpus_per_cell)).remote(
            run,
            unit if len(unit) > 1 else unit[0],
            frame_ref,
            config_ref,
            *([params] if params else []),
        )
        pending[ref] = unit
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            unit = pending.pop(ready[0])
            try:
                files = ray.get(ready[0])
            except ray.exceptions.RayError as exc:
                name = unit[0].id if len(unit) == 1 else ", ".join(c.id for c in unit)
                raise task_error(exc, f"cell {name}") from None
            write_cell_files(out, unit, files)
            for cell in unit:
                done(cell)
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
