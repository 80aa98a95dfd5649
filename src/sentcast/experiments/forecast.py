"""The forecasting experiment (``kind = "forecast"``): the study's grid into a RUN_DIR.

Cells are (window, feature set, model, seed). Per window: ``naive`` once (it reads only the BTC
close), ``ridge`` once per feature set (deterministic), ``rf`` and the networks once per seed.
Each finished cell leaves ``cells/<cell-id>.csv`` (+ its predictions) so a re-run skips it;
``results.csv``, ``tables.md``, ``plots/``, ``importance.csv`` and ``data_summary.json`` are
rebuilt from the cell files at the end of every run. Networks are saved to
``models/<cell-id>/``; ridge and random forest are not (``evaluation.save_models`` applies to
networks only). Permutation importance is computed on validation data for the network cells
of ``evaluation.importance_seeds`` only (default seed 0), to bound the cost; its unit is the
increase of the validation RMSE in the scaled units of ``results.csv``.

``data_summary.json`` follows the RUN_DIR contract; its ``missing_days`` is a mapping: market
days excluded by the calendar policy (per reason) and ``sentiment_missing`` /
``sentiment_filled`` / ``sentiment_dropped`` panel days under ``data.sentiment.fill``.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import pandas as pd
import torch
from rich.progress import TaskID

from sentcast.config.forecast import ForecastExperiment, resolve_paths
from sentcast.evaluation.backtest import walk_forward
from sentcast.evaluation.importance import permutation_importance
from sentcast.experiments.forecast_cells import (
    RESULT_COLUMNS,
    Cell,
    build_estimator,
    fit_cell,
    score_cell,
)
from sentcast.experiments.forecast_data import CellData, load_experiment_data, prepare_cell
from sentcast.features.windows import concat_samples
from sentcast.progress import progress_bar
from sentcast.reporting.forecast_plots import plot_importance, plot_predictions
from sentcast.reporting.forecast_tables import best_cells, results_markdown
from sentcast.workers import init_worker, worker_pool

logger = logging.getLogger(__name__)

CONFIG = ForecastExperiment
__all__ = ["CONFIG", "grid_cells", "resolve_paths", "run"]


def grid_cells(config: ForecastExperiment) -> list[Cell]:
    """Every cell of the grid in run order (window, then feature set)."""
    grid = config.grid
    cells = []
    for window in grid.windows:
        if "naive" in grid.baselines:
            cells.append(Cell(window, "BTC", "naive", grid.seeds[0]))
        for fs in grid.feature_sets:
            if "ridge" in grid.baselines:
                cells.append(Cell(window, fs, "ridge", grid.seeds[0]))
            for seed in grid.seeds:
                if "rf" in grid.baselines:
                    cells.append(Cell(window, fs, "rf", seed))
                cells.extend(Cell(window, fs, m, seed) for m in grid.models)
    return cells


class _CellCache:
    """Keeps the windows of the current (window, feature set) only, to bound memory."""

    def __init__(self, frame: pd.DataFrame, config: ForecastExperiment) -> None:
        self.frame, self.config = frame, config
        self.key: tuple[int, str] | None = None
        self.data: CellData | None = None

    def get(self, window: int, feature_set: str) -> CellData:
        if self.key != (window, feature_set) or self.data is None:
            self.key = (window, feature_set)
            self.data = prepare_cell(
                self.frame, feature_set, window, self.config.target, self.config.split
            )
        return self.data


def _run_cell(cell: Cell, data: CellData, config: ForecastExperiment, out: Path) -> None:
    model = build_estimator(cell.model, config, cell.seed, data.close_index)
    model, seconds = fit_cell(model, data)
    rows, predictions = score_cell(
        cell, model, data, config.target.kind, seconds, config.target.horizon
    )
    cells_dir = out / "cells"
    predictions.to_parquet(cells_dir / f"{cell.id}.predictions.parquet")
    ev = config.evaluation
    if cell.is_network and ev.save_models:
        model.save(
            out / "models" / cell.id,
            # The same metadata as `sentcast forecast train`, so `forecast predict` can use it.
            metadata={
                "cell": cell.id,
                "window": cell.window,
                "feature_set": cell.feature_set,
                "features": data.features,
                "experiment": config.to_toml_dict(),
            },
        )
    if cell.is_network and ev.importance and cell.seed in ev.importance_seeds:
        val = data.split.validation
        imp = permutation_importance(
            model.predict,
            val.X,
            val.y,
            data.features,
            data.groups,
            ev.importance_repeats,
            cell.seed,
        )
        imp["importance"] /= data.target_range
        imp["importance_std"] /= data.target_range
        imp.insert(2, "window", cell.window)
        imp.insert(3, "feature_set", cell.feature_set)
        imp.insert(4, "model", cell.model)
        imp.insert(5, "seed", cell.seed)
        imp.to_csv(cells_dir / f"{cell.id}.importance.csv", index=False)
    # The metrics file is written last: it marks the cell as finished.
    rows.to_csv(cells_dir / f"{cell.id}.csv", index=False)


# Per worker process: the cell cache over the experiment's frame, and the RUN_DIR.
_worker: list[tuple[_CellCache, Path]] = []


def _init_worker(frame: pd.DataFrame, config: ForecastExperiment, out: Path, main: int) -> None:
    init_worker(main)
    torch.set_num_threads(config.grid.threads or 1)
    _worker.append((_CellCache(frame, config), out))


def _run_cell_in_worker(cell: Cell) -> None:
    cache, out = _worker[0]
    _run_cell(cell, cache.get(cell.window, cell.feature_set), cache.config, out)


def _run_backtests(config: ForecastExperiment, cache: _CellCache, out: Path) -> pd.DataFrame:
    frames = []
    ev, grid = config.evaluation, config.grid
    for window in grid.windows:
        for fs in grid.feature_sets:
            for name in ev.backtest_models:
                path = out / "backtest" / f"w{window}_{fs}_{name}.csv"
                if not path.is_file():
                    data = cache.get(window, fs)
                    samples = concat_samples(list(data.split.splits().values()))
                    model = build_estimator(name, config, grid.seeds[0], data.close_index)
                    folds = walk_forward(model, samples, ev.backtest_folds, config.target.horizon)
                    folds.insert(0, "model", name)
                    folds.insert(0, "feature_set", fs)
                    folds.insert(0, "window", window)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    folds.to_csv(path, index=False)
                frames.append(pd.read_csv(path))
    return pd.concat(frames, ignore_index=True)


def _plots(config: ForecastExperiment, results: pd.DataFrame, out: Path) -> None:
    plots = out / "plots"
    best = best_cells(results, config.grid.models or ["ridge", "rf"])
    for window, feature_set, model in zip(
        best["window"], best["feature_set"], best["model"], strict=True
    ):
        cell = Cell(int(window), str(feature_set), str(model), config.grid.seeds[0])
        path = out / "cells" / f"{cell.id}.predictions.parquet"
        if path.is_file():
            plot_predictions(
                pd.read_parquet(path),
                f"{cell.model} on {cell.feature_set}, window {cell.window} (seed {cell.seed})",
                plots / f"predictions_w{cell.window}.png",
                config.target.kind,
            )


def run(config: ForecastExperiment, out_dir: Path) -> str:
    """Run every unfinished cell into ``out_dir`` and rebuild the RUN_DIR files.

    Returns
    -------
    str
        A few lines for stdout: cells run / skipped, wall time, best validation cell per window.
    """
    start = time.perf_counter()
    if config.grid.threads:
        torch.set_num_threads(config.grid.threads)
    out = Path(out_dir)
    (out / "cells").mkdir(parents=True, exist_ok=True)
    data = load_experiment_data(config.data)
    cache = _CellCache(data.frame, config)
    cells = grid_cells(config)
    todo = [c for c in cells if not (out / "cells" / f"{c.id}.csv").is_file()]
    with progress_bar("forecast grid", total=len(todo)) as bar:
        if config.grid.jobs > 1 and len(todo) > 1:
            # Cells are independent and seeded: in parallel they give the same numbers.
            context = multiprocessing.get_context("forkserver")
            with worker_pool(
                ProcessPoolExecutor(
                    config.grid.jobs, context, _init_worker, (data.frame, config, out, os.getpid())
                )
            ) as pool:
                futures = {pool.submit(_run_cell_in_worker, cell): cell for cell in todo}
                for future in as_completed(futures):
                    future.result()
                    bar.update(TaskID(0), advance=1, info=futures[future].id)
        else:
            for cell in todo:
                bar.update(TaskID(0), info=cell.id)
                _run_cell(cell, cache.get(cell.window, cell.feature_set), config, out)
                bar.advance(TaskID(0))
    results = pd.concat(
        [pd.read_csv(out / "cells" / f"{c.id}.csv") for c in cells], ignore_index=True
    )[RESULT_COLUMNS]
    results.to_csv(out / "results.csv", index=False)
    summary = data.summary(config.data)
    summary["n_samples"] = {}
    for window in config.grid.windows:
        split = cache.get(window, config.grid.feature_sets[0]).split
        summary["n_samples"][str(window)] = {k: len(v) for k, v in split.splits().items()}
    (out / "data_summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    split_cfg = config.split
    validation_text = (
        f"validation = samples ending from {split_cfg.validation_start}"
        if split_cfg.validation_start
        else f"validation = last {split_cfg.validation:.0%} of samples"
    )
    description = (
        f"Data: {summary['start']} .. {summary['end']}, calendar {summary['calendar']}, "
        f"{summary['n_days']} days; target {config.target.kind}, horizon {config.target.horizon}; "
        f"{validation_text}."
    )
    (out / "tables.md").write_text(
        results_markdown(results, config.grid.feature_sets, data.sentiment_source, description),
        encoding="utf-8",
    )
    importance_files = sorted((out / "cells").glob("*.importance.csv"))
    ids = {c.id for c in cells}
    importance_files = [p for p in importance_files if p.name.split(".")[0] in ids]
    if importance_files:
        importance = pd.concat([pd.read_csv(p) for p in importance_files], ignore_index=True)
        importance.to_csv(out / "importance.csv", index=False)
        if config.evaluation.plots:
            for window in importance["window"].unique():
                plot_importance(
                    importance[importance["window"] == window],
                    f"Permutation importance on validation, window {window} "
                    "(mean over feature sets, networks, seeds)",
                    out / "plots" / f"importance_w{window}.png",
                )
    if config.evaluation.backtest_folds:
        _run_backtests(config, cache, out).to_csv(out / "backtest.csv", index=False)
    if config.evaluation.plots:
        _plots(config, results, out)
    lines = [
        f"cells: {len(cells)} ({len(todo)} run, {len(cells) - len(todo)} already done) "
        f"in {time.perf_counter() - start:.1f} s -> {out}"
    ]
    best = best_cells(results, [m for m in results["model"].unique() if m != "naive"])
    val = results[results["split"] == "validation"]
    for row in best.itertuples():
        naive = val[(val["window"] == row.window) & (val["model"] == "naive")]["rmse"]
        ref = f" (naive {naive.mean():.4f})" if not naive.empty else ""
        lines.append(
            f"window {row.window}: best validation RMSE {row.rmse:.4f} "
            f"{row.model} on {row.feature_set}{ref}"
        )
    return "\n".join(lines)
