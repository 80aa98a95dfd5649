"""The Optuna study of one network cell, the chosen parameters and ``tuning.csv``.

Trials are asked in rounds of ``tuning.rounds_of`` (the first trial is the untuned
parameters, enqueued), trained by :func:`sentcast.tuning.trials.run_round` (here, or one Ray
task per trial with :func:`ray_round`), reported epoch by epoch (``trial.report``) and told
in trial order; the sampler (``TPESampler`` / ``RandomSampler``) is seeded. A round's results
do not depend on where its trials ran, so both engines choose the same parameters.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

from sentcast.config.forecast import ForecastExperiment
from sentcast.config.tuning import SearchSpace
from sentcast.experiments.forecast_cells import Cell
from sentcast.experiments.forecast_data import CellData
from sentcast.experiments.run_files import write_csv
from sentcast.files import inside
from sentcast.tuning.trials import TUNED_PARAMS, TrialResult, run_round

logger = logging.getLogger(__name__)

__all__ = [
    "TUNING_COLUMNS",
    "cell_tuning",
    "chosen_params",
    "ray_round",
    "read_study",
    "tune_cell",
    "tune_on_ray",
    "tuned_estimator",
    "tuning_file",
    "tuning_key",
]

Round = Callable[
    [str, ForecastExperiment, CellData, list[tuple[int, dict[str, Any]]], list[list[float]]],
    list[TrialResult],
]

#: Columns of ``tuning.csv`` (one row per trial) and of each cell's ``tuning/<id>.csv``.
TUNING_COLUMNS = [
    "horizon",
    "window",
    "feature_set",
    "model",
    "trial",
    "state",
    "val_rmse_usd",
    *TUNED_PARAMS,
    "epochs",
    "best_epoch",
    "seconds",
    "chosen",
]


def tuning_key(cell: Cell) -> str:
    """``h<h>_w<w>_<set>_<model>``: the study of ``cell`` (one for all its seeds)."""
    return f"h{cell.horizon}_w{cell.window}_{cell.feature_set}_{cell.model}"


def tuning_file(out: Path, cell: Cell) -> Path:
    """``tuning/<tuning_key>.csv`` in the RUN_DIR."""
    return inside(out, Path("tuning") / f"{tuning_key(cell)}.csv")


def read_study(path: Path) -> pd.DataFrame:
    """The trials of a study written by :func:`cell_tuning`, every float as written (pandas'
    default parser may change a float's last digits, so a learning rate read back would differ
    from the one the seeds trained with)."""
    return pd.read_csv(path, float_precision="round_trip")


def default_params(name: str, config: ForecastExperiment) -> dict[str, Any]:
    """The untuned parameters of network ``name`` (``[model.<name>]``, ``[train]``)."""
    net = config.model.network(name)
    return {
        "hidden_size": net.hidden_size,
        "layers": net.layers,
        "dropout": net.dropout,
        "learning_rate": config.train.learning_rate,
        "batch_size": config.train.batch_size,
    }


def _suggest(trial: Any, space: SearchSpace, default: dict[str, Any]) -> dict[str, Any]:
    """A trial's parameters; the defaults are always inside the space (enqueued trial 0)."""
    params: dict[str, Any] = {}
    for key in ("hidden_size", "layers", "batch_size"):
        choices = sorted({*getattr(space, key), default[key]})
        params[key] = trial.suggest_categorical(key, choices) if len(choices) > 1 else choices[0]
    for key, log in (("dropout", False), ("learning_rate", True)):
        low, high = getattr(space, key)
        low, high = min(low, default[key]), max(high, default[key])
        params[key] = trial.suggest_float(key, low, high, log=log) if high > low else low
    return params


def _sampler(config: ForecastExperiment) -> Any:
    import optuna

    tuning = config.tuning
    if tuning.sampler == "random":
        return optuna.samplers.RandomSampler(seed=tuning.seed)
    return optuna.samplers.TPESampler(seed=tuning.seed)


def tune_cell(
    cell: Cell, data: CellData, config: ForecastExperiment, round_runner: Round | None = None
) -> pd.DataFrame:
    """Run the study of ``cell``'s network on its data; one row per trial
    (:data:`TUNING_COLUMNS`), the chosen one (lowest validation RMSE among the trials not
    pruned; the earliest on a tie) marked ``chosen``."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    tuning = config.tuning
    runner = round_runner or run_round
    space = tuning.space_of(cell.model)
    default = default_params(cell.model, config)
    study = optuna.create_study(direction="minimize", sampler=_sampler(config))
    study.enqueue_trial({k: v for k, v in default.items()})
    finished: list[list[float]] = []
    rows: list[dict[str, Any]] = []
    while len(rows) < tuning.trials:
        asked = [study.ask() for _ in range(min(tuning.rounds_of, tuning.trials - len(rows)))]
        numbered = [(t.number, _suggest(t, space, default)) for t in asked]
        results = runner(cell.model, config, data, numbered, finished)
        for trial, result in zip(asked, results, strict=True):
            for epoch, loss in enumerate(result.curve):
                trial.report(loss, epoch)
            state = "pruned" if result.pruned else "complete"
            if result.pruned:
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            else:
                study.tell(trial, result.value)
            rows.append(
                {
                    "horizon": cell.horizon,
                    "window": cell.window,
                    "feature_set": cell.feature_set,
                    "model": cell.model,
                    "trial": result.number,
                    "state": state,
                    "val_rmse_usd": result.value,
                    **result.params,
                    "epochs": len(result.curve),
                    "best_epoch": result.best_epoch + 1,
                    "seconds": result.seconds,
                    "chosen": False,
                }
            )
        finished += [r.curve for r in results if not r.pruned]
    frame = pd.DataFrame(rows, columns=TUNING_COLUMNS)
    complete = frame[frame["state"] == "complete"]
    frame.loc[complete["val_rmse_usd"].idxmin(), "chosen"] = True
    return frame


def chosen_params(frame: pd.DataFrame) -> dict[str, Any]:
    """The parameters of the trial marked ``chosen`` (Python numbers)."""
    row = frame[frame["chosen"].astype(bool)].iloc[0]
    return {
        "hidden_size": int(row["hidden_size"]),
        "layers": int(row["layers"]),
        "dropout": float(row["dropout"]),
        "learning_rate": float(row["learning_rate"]),
        "batch_size": int(row["batch_size"]),
    }


def cell_tuning(
    cell: Cell,
    data: CellData,
    config: ForecastExperiment,
    out: Path,
    round_runner: Round | None = None,
) -> dict[str, Any]:
    """The chosen parameters of ``cell``'s network: read from its ``tuning/`` file when a
    run already tuned it (any seed), else tuned now and written (atomically)."""
    path = tuning_file(out, cell)
    if path.is_file():
        try:
            return chosen_params(read_study(path))
        except (OSError, ValueError, KeyError, IndexError):
            logger.warning("%s: unreadable, tuning again", path)
    frame = tune_cell(cell, data, config, round_runner)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(frame, path)
    return chosen_params(frame)


def tuned_estimator(cell: Cell, data: CellData, config: ForecastExperiment, out: Path) -> Any:
    """``cell``'s estimator with the chosen parameters of its study when ``tuning/`` holds
    one (e.g. a walk-forward backtest of a tuned network), else the grid's estimator."""
    from sentcast.experiments.forecast_cells import build_estimator
    from sentcast.tuning.trials import trial_estimator

    path = tuning_file(out, cell)
    if config.tuning.enabled and cell.is_network and path.is_file():
        params = chosen_params(read_study(path))
        return trial_estimator(cell.model, config, data, params, cell.seed)
    return build_estimator(cell.model, config, cell.seed, data)


def ray_round(ray: ModuleType, frame_ref: Any, run: str, cell: Cell) -> Round:
    """A :data:`Round` of ``cell``'s study whose trials run as Ray tasks, one per trial (a
    trial's result does not depend on the trials beside it, so the round equals the local
    one). ``frame_ref``: the experiment's panel in Ray's object store; ``run``: identifies
    the run, so a worker reuses the cell's windows."""
    remote = ray.remote(max_retries=3)(_remote_trial)

    def runner(
        name: str,
        config: ForecastExperiment,
        data: CellData,
        trials: list[tuple[int, dict[str, Any]]],
        finished: list[list[float]],
    ) -> list[TrialResult]:
        refs = [
            remote.remote(run, frame_ref, config, cell, name, [trial], finished) for trial in trials
        ]
        return [result for ref in refs for result in ray.get(ref)]

    return runner


def tune_on_ray(
    ray: ModuleType,
    units: list[list[Cell]],
    cell_data: Callable[[Cell], CellData],
    frame: pd.DataFrame,
    config: ForecastExperiment,
    out: Path,
) -> dict[str, dict[str, Any]]:
    """The chosen parameters of every tuned unit (by :func:`tuning_key`), its study run here
    with each round's trials as Ray tasks (or read from ``tuning/``)."""
    import uuid

    from sentcast.experiments.forecast_units import is_tuned

    tuned = [u[0] for u in units if is_tuned(u[0], config)]
    if not tuned:
        return {}
    frame_ref, run = ray.put(frame), uuid.uuid4().hex
    return {
        tuning_key(cell): cell_tuning(
            cell, cell_data(cell), config, out, ray_round(ray, frame_ref, run, cell)
        )
        for cell in tuned
    }


_cache: dict[str, Any] = {}


def _remote_trial(
    run: str,
    frame: pd.DataFrame,
    config: ForecastExperiment,
    cell: Cell,
    name: str,
    trials: list[tuple[int, dict[str, Any]]],
    finished: list[list[float]],
) -> list[TrialResult]:
    """A Ray task: the cell's windows (cached per worker and run), then :func:`run_round`."""
    import torch

    from sentcast.experiments.forecast import CellCache

    torch.set_num_threads(config.grid.threads or 1)
    if _cache.get("run") != run:
        _cache.update(run=run, cells=CellCache(frame, config))
    data = _cache["cells"].get(cell)
    return run_round(name, config, data, trials, finished)
