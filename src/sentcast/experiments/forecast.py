"""The forecasting experiment (``kind = "forecast"``): the study's grid into a RUN_DIR.

Cells are (horizon, window, feature set, model, seed). Per horizon and window: ``naive`` once
(it reads only the BTC close; with ``majority`` for ``direction`` targets), ``ridge`` once per
feature set (deterministic), ``rf`` and the networks once per seed. Each cell is fitted on the
training part; the validation part serves every choice (early stopping, the ridge penalty,
the best cell of a table); the test part is scored once and is the headline of ``tables.md``
and of the summary. Each finished cell leaves ``cells/<cell-id>.csv`` (+ its predictions) so a
re-run skips it; ``results.csv``, ``tables.md``, ``plots/``, ``importance.csv``,
``backtest.csv`` / ``backtest_pooled.csv`` (``[evaluation.backtest]``, walk-forward, cached
per cell in ``backtest/``) and ``data_summary.json`` are rebuilt from the cell files at the
end of every run. Networks are saved to ``models/<cell-id>/``; ridge and random forest are not
(``evaluation.save_models`` applies to networks only). Permutation importance (groups,
collinear clusters, lone columns) is computed on the test part for the network cells of
``evaluation.importance_seeds`` only (default seed 0), to bound the cost; ablation compares
the grid's cells with and without each group (see
:mod:`sentcast.experiments.forecast_importance`).

``data_summary.json`` follows the RUN_DIR contract; its ``missing_days`` is a mapping: market
days excluded by the calendar policy (per reason) and ``sentiment_missing`` /
``sentiment_filled`` / ``sentiment_dropped`` panel days under ``data.sentiment.fill``;
``n_samples`` maps ``h<horizon>`` -> window -> samples per part.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from rich.progress import TaskID

from sentcast.config.forecast import ForecastExperiment, SplitConfig, resolve_paths
from sentcast.engines import Engine, ray_session
from sentcast.evaluation.backtest import fold_scores, walk_forward
from sentcast.experiments.forecast_cells import (
    RESULT_COLUMNS,
    Cell,
)
from sentcast.experiments.forecast_checks import check_data, check_windows
from sentcast.experiments.forecast_data import CellData, experiment_cell, load_experiment_data
from sentcast.experiments.forecast_ensemble import write_ensembles
from sentcast.experiments.forecast_importance import importance_outputs
from sentcast.experiments.forecast_resume import (
    cell_file,
    unfinished_cells,
)
from sentcast.experiments.forecast_units import grid_units, run_unit
from sentcast.experiments.run_files import redone_line, write_csv, write_json
from sentcast.files import atomic_path, atomic_write_text, inside
from sentcast.models.statistical import STATISTICAL
from sentcast.models.training import cell_fit
from sentcast.progress import progress_bar
from sentcast.reporting.forecast_markdown import results_markdown
from sentcast.reporting.forecast_plots import plot_predictions
from sentcast.reporting.forecast_summary import VERDICT_TEXT, headlines, overall_sentence
from sentcast.reporting.forecast_tables import headline_split
from sentcast.tuning.report import collect_tuning, tuning_markdown
from sentcast.tuning.study import tuned_estimator
from sentcast.workers import init_worker, start_workers, worker_pool

logger = logging.getLogger(__name__)

CONFIG = ForecastExperiment
__all__ = ["CONFIG", "check_data", "grid_cells", "resolve_paths", "run"]


def grid_cells(config: ForecastExperiment) -> list[Cell]:
    """Every cell of the grid in run order (horizon, window, then feature set)."""
    grid = config.grid
    cells = []
    for horizon in config.target.horizons:
        for window in grid.windows:
            if "naive" in grid.baselines:
                cells.append(Cell(window, "BTC", "naive", grid.seeds[0], horizon))
                if config.target.kind == "direction":
                    cells.append(Cell(window, "BTC", "majority", grid.seeds[0], horizon))
            # the statistical models read the close only: one cell per (horizon, window)
            cells.extend(
                Cell(window, "BTC", m, grid.seeds[0], horizon)
                for m in grid.baselines
                if m in STATISTICAL
            )
            for fs in grid.feature_sets:
                if "ridge" in grid.baselines:
                    cells.append(Cell(window, fs, "ridge", grid.seeds[0], horizon))
                for seed in grid.seeds:
                    if "rf" in grid.baselines:
                        cells.append(Cell(window, fs, "rf", seed, horizon))
                    cells.extend(Cell(window, fs, m, seed, horizon) for m in grid.models)
    return cells


class CellCache:
    """Keeps the windows of the current (horizon, window, feature set) only, to bound memory."""

    def __init__(self, frame: pd.DataFrame, config: ForecastExperiment) -> None:
        self.frame, self.config = frame, config
        self.key: tuple[int, int, str] | None = None
        self.data: CellData | None = None

    def get(self, cell: Cell) -> CellData:
        key = (cell.horizon, cell.window, cell.feature_set)
        if self.key != key or self.data is None:
            self.key = key
            self.data = experiment_cell(
                self.frame, self.config, cell.feature_set, cell.window, cell.horizon
            )
        return self.data


# Per worker process: the cell cache over the experiment's frame, and the RUN_DIR.
_worker: list[tuple[CellCache, Path]] = []


def _init_worker(frame: pd.DataFrame, config: ForecastExperiment, out: Path, main: int) -> None:
    init_worker(main)
    torch.set_num_threads(config.grid.threads or 1)
    _worker.append((CellCache(frame, config), out))


def _run_unit_in_worker(cells: list[Cell]) -> None:
    cache, out = _worker[0]
    run_unit(cells, cache.get(cells[0]), cache.config, out)


def _backtest_predictions(
    cell: Cell, config: ForecastExperiment, cache: CellCache, out: Path, redone: list[str]
) -> pd.DataFrame:
    """The walk-forward predictions of ``cell``, cached in ``backtest/<cell-id>.parquet``.

    A cached file that cannot be read whole is computed again and its id added to ``redone``.
    """
    path = inside(out, Path("backtest") / f"{cell.id}.parquet")
    if path.exists():
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError):  # torn by a kill: ArrowInvalid is a ValueError
            redone.append(cell.id)
    bt = config.evaluation.backtest
    data = cache.get(cell)
    model = tuned_estimator(cell, data, config, out)  # tuned networks: the chosen parameters
    start = time.perf_counter()
    with cell_fit():
        predictions = walk_forward(
            model,
            data.samples,
            bt.folds,
            cell.horizon,
            step=bt.step,
            dates=bt.dates,
            window=bt.window,
            train_size=bt.train_size,
            validation=config.split.validation,
            refit=data.refit_samples,
        )
    logger.info("backtest %s: %.1f s", cell.id, time.perf_counter() - start)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        predictions.to_parquet(tmp)
    return predictions


def _run_backtests(
    config: ForecastExperiment, cache: CellCache, out: Path
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Per-fold and pooled walk-forward scores of every backtest model (naive included), and
    the ids of backtests redone because their cached file was unreadable."""
    bt = config.evaluation.backtest
    kind = config.target.kind
    folds, pooled = [], []
    redone: list[str] = []
    for horizon in config.target.horizons:
        for window in config.grid.windows:
            base = Cell(window, "BTC", "naive", bt.seed, horizon)
            base_naive = _backtest_predictions(base, config, cache, out, redone)
            base_samples = len(cache.get(base).samples)
            scored: list[tuple[Cell, pd.DataFrame]] = [(base, base_naive)]
            # the statistical models read the close only: backtested once, on BTC's samples
            scored += [
                (Cell(window, "BTC", m, bt.seed, horizon), base_naive)
                for m in bt.all_models[1:]
                if m in STATISTICAL
            ]
            for fs in bt.feature_sets or config.grid.feature_sets:
                naive = base_naive
                own = Cell(window, fs, "naive", bt.seed, horizon)
                if fs != "BTC" and len(cache.get(own).samples) != base_samples:
                    # a source with a shorter history: naive on this set's own samples
                    naive = _backtest_predictions(own, config, cache, out, redone)
                    scored.append((own, naive))
                scored += [
                    (Cell(window, fs, m, bt.seed, horizon), naive)
                    for m in bt.all_models[1:]
                    if m not in STATISTICAL
                ]
            for cell, naive in scored:
                predictions = _backtest_predictions(cell, config, cache, out, redone)
                per_fold, total = fold_scores(predictions, naive, kind, horizon)
                key: dict[str, Any] = {
                    "window": window,
                    "horizon": horizon,
                    "feature_set": cell.feature_set,
                    "model": cell.model,
                    "seed": cell.seed,
                }
                folds.append(per_fold.assign(**key))
                pooled.append({**key, **total})
    per_fold_frame = pd.concat(folds, ignore_index=True)
    first = list(pooled[0])[:5]
    per_fold_frame = per_fold_frame[first + [c for c in per_fold_frame if c not in first]]
    return per_fold_frame, pd.DataFrame(pooled), redone


def _plots(config: ForecastExperiment, results: pd.DataFrame, out: Path) -> None:
    """Per (horizon, window): the best model (chosen on validation) and the LSTM on the
    headline part, with naive and the best model's intervals."""
    seed = config.grid.seeds[0]
    for best in headlines(results, config.data.names):
        h, w = best.horizon, best.window

        def predictions(
            feature_set: str, model: str, h: int = h, w: int = w
        ) -> pd.DataFrame | None:
            path = cell_file(out, Cell(w, feature_set, model, seed, h), ".predictions.parquet")
            return pd.read_parquet(path) if path.is_file() else None

        chosen = predictions(best.feature_set, best.model)
        if chosen is None:
            continue
        lstm = predictions(best.feature_set, "lstm") if best.model != "lstm" else None
        plot_predictions(
            chosen,
            f"Horizon {h}, window {w}: {best.label} (chosen on validation, seed {seed}) on the "
            f"{best.split} part",
            out / "plots" / f"predictions_h{h}_w{w}.png",
            config.target.kind,
            label=f"{best.label} (best)",
            others={f"LSTM on {best.shown_set}": lstm} if lstm is not None else None,
            naive=predictions("BTC", "naive"),
            zoom=best.split,
            asset=config.data.display_name("BTC"),
        )


def _split_text(split: SplitConfig) -> str:
    if split.validation_start or split.test_start:
        parts = ["train"]
        parts.append(
            f"validation from {split.validation_start}"
            if split.validation_start
            else f"validation {split.validation:.0%}"
        )
        if split.has_test:
            parts.append(
                f"test from {split.test_start}" if split.test_start else f"test {split.test:.0%}"
            )
        return " / ".join(parts) + " of samples, chronological"
    train = 1 - split.validation - split.test
    test = f" / test {split.test:.0%}" if split.has_test else " (no test part)"
    return f"train {train:.0%} / validation {split.validation:.0%}{test} of samples, chronological"


def _summary_lines(results: pd.DataFrame, names: Mapping[str, str]) -> list[str]:
    """Whether anything beats naive, then per (horizon, window) the cell chosen on validation
    and its headline (test) score; feature sets in display names (``[data.names]``)."""
    items = headlines(results, names)
    lines = [f"answer: {overall_sentence(items)}"]
    for h in items:
        at = results[
            (results["split"] == h.split) & (results["horizon"] == h.horizon)
            & (results["window"] == h.window)
        ]  # fmt: skip
        cell = at[(at["feature_set"] == h.feature_set) & (at["model"] == h.model)]["rmse_usd"]
        naive = at[at["model"] == "naive"]["rmse_usd"]
        ref = f" vs naive {naive.mean():.2f}" if not naive.empty else ""
        lines.append(
            f"horizon {h.horizon}, window {h.window}: {h.label} (chosen on validation): "
            f"{h.split} ratio to naive {h.ratio:.3f} (DM p {h.dm_pvalue:.2g}, "
            f"{VERDICT_TEXT[h.verdict]}), RMSE {cell.mean():.2f} USD{ref}"
        )
    return lines


def run(config: ForecastExperiment, out_dir: Path, engine: Engine | None = None) -> str:
    """Run every unfinished cell into ``out_dir`` and rebuild the RUN_DIR files.

    Parameters
    ----------
    config : ForecastExperiment
    out_dir : Path
        The RUN_DIR.
    engine : Engine, optional
        Where the cells run: here (default; ``grid.jobs`` worker processes) or as Ray tasks
        (:mod:`sentcast.experiments.forecast_ray`), with the same files either way.

    Returns
    -------
    str
        A few lines for stdout: cells run / skipped, wall time, and per (horizon, window) the
        cell with the best validation score and its test score (the headline).
    """
    start = time.perf_counter()
    if config.grid.threads:
        torch.set_num_threads(config.grid.threads)
    out = Path(out_dir)
    (out / "cells").mkdir(parents=True, exist_ok=True)
    data = load_experiment_data(
        config.data, [*config.grid.feature_sets, *config.evaluation.backtest.feature_sets]
    )
    counts = check_windows(config, data.frame)  # fails fast on what the data cannot serve
    cache = CellCache(data.frame, config)
    cells = grid_cells(config)
    todo, redone = unfinished_cells(cells, cache.get, config, out)
    with progress_bar("forecast grid", total=len(todo)) as bar:

        def finished(cell: Cell) -> None:
            bar.update(TaskID(0), advance=1, info=cell.id)

        units = grid_units(todo, config)
        if engine is not None and engine.is_ray and todo:
            from sentcast.experiments.forecast_ray import run_cells
            from sentcast.tuning.study import tune_on_ray

            with ray_session(engine) as ray:
                tuned = tune_on_ray(ray, units, cache.get, data.frame, config, out)
                run_cells(
                    ray, units, data.frame, config, out, finished, engine.cpus_per_task, tuned
                )
        elif config.grid.jobs > 1 and len(units) > 1:
            # Cells are independent and seeded: in parallel they give the same numbers.
            context = multiprocessing.get_context("forkserver")
            with worker_pool(
                ProcessPoolExecutor(
                    config.grid.jobs, context, _init_worker, (data.frame, config, out, os.getpid())
                )
            ) as pool:
                start_workers(pool, config.grid.jobs)
                # the largest units first, so the last ones to finish are short
                ordered = sorted(units, key=len, reverse=True)
                futures = {pool.submit(_run_unit_in_worker, unit): unit for unit in ordered}
                for future in as_completed(futures):
                    future.result()
                    for cell in futures[future]:
                        finished(cell)
        else:
            for unit in units:
                bar.update(TaskID(0), info=unit[0].id)
                run_unit(unit, cache.get(unit[0]), config, out)
                bar.advance(TaskID(0), len(unit))
    tuning = collect_tuning(config, cells, out)
    ensembles = write_ensembles(config, cache.get, out)
    cell_rows = [pd.read_csv(cell_file(out, c, ".csv")) for c in [*cells, *ensembles]]
    results = pd.concat(cell_rows, ignore_index=True)[RESULT_COLUMNS]
    write_csv(results, out / "results.csv")
    summary = data.summary(config.data)
    summary["n_samples"] = counts
    write_json(summary, out / "data_summary.json")
    asset = config.data.display_name("BTC")
    description = (
        f"Data: {summary['start']} .. {summary['end']}, calendar {summary['calendar']}, "
        f"{summary['n_days']} days; target {asset} {config.target.kind}, horizons "
        f"{', '.join(map(str, config.target.horizons))} rows ahead; "
        f"{_split_text(config.split)}, purge gap of h rows between parts."
    )
    backtest = None
    redone_backtests: list[str] = []
    if config.evaluation.backtest.enabled:
        folds, pooled, redone_backtests = _run_backtests(config, cache, out)
        write_csv(folds, out / "backtest.csv")
        write_csv(pooled, out / "backtest_pooled.csv")
        backtest = (folds, pooled)
    importance = importance_outputs(config, cells, out, headline_split(results))
    atomic_write_text(
        out / "tables.md",
        results_markdown(
            results,
            config.grid.feature_sets,
            data.sentiment_source,
            description,
            backtest,
            importance,
            config.data.names,
            tuned=sorted(set(tuning["model"])) if not tuning.empty else (),
        )
        + tuning_markdown(tuning),
    )
    if config.evaluation.plots:
        _plots(config, results, out)
    lines = [
        f"cells: {len(cells)} ({len(todo)} run, {len(cells) - len(todo)} already done) "
        f"in {time.perf_counter() - start:.1f} s -> {out}",
        redone_line(redone),
        redone_line(redone_backtests, "backtest"),
        *_summary_lines(results, config.data.names),
    ]
    return "\n".join(line for line in lines if line)
