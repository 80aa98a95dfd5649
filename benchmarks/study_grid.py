"""Run the full Bitcoin study grid (configs/study_btc.toml) and print its wall time and tables.

    nice -n 10 .venv/bin/python benchmarks/study_grid.py --out runs/benchmark_study_btc

The RUN_DIR is emptied first so every cell and backtest fold is trained (target: <= 15 minutes
on 2 CPU cores). ``--config`` runs another forecast grid the same way (``study_horizons.py``
does, for the horizon study); ``--set`` overrides config values, e.g.
``--set 'grid.windows=[7]'`` to time a subset.

``--compare-unbatched`` runs the grid twice in one process, with batched network training
(``grid.batched = true``, the default: the seeds of a cell as one batch) and with the
per-model path (``grid.batched = false``), into ``OUT/batched`` and ``OUT/per_model``; it
prints both wall times, their ratio and the largest difference of any cell's test RMSE ratio
to naive (the two paths agree within rounding, target < 0.01).
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import pandas as pd

from sentcast.experiments.runner import run_experiment

REPO = Path(__file__).resolve().parents[1]
KEY = ["window", "horizon", "feature_set", "model", "seed", "split"]


def _timed(config: Path, out: Path, overrides: list[str]) -> tuple[str, float]:
    if out.exists():
        shutil.rmtree(out)
    start = time.perf_counter()
    summary = run_experiment(config, out, overrides)
    return summary, time.perf_counter() - start


def compare(config: Path, out: Path, overrides: list[str]) -> None:
    """Both paths, per-model first; print walls, ratio and the largest test-ratio gap."""
    walls = {}
    for name, batched in (("per_model", "false"), ("batched", "true")):
        _, walls[name] = _timed(config, out / name, [*overrides, f"grid.batched={batched}"])
        print(f"{name}: wall {walls[name]:.1f} s", flush=True)
    frames = {name: pd.read_csv(out / name / "results.csv") for name in walls}
    test = {name: f[f["split"] == "test"].set_index(KEY) for name, f in frames.items()}
    joined = test["batched"][["rmse_ratio_naive"]].join(
        test["per_model"][["rmse_ratio_naive"]], lsuffix="_batched", rsuffix="_per_model"
    )
    gap = (joined["rmse_ratio_naive_batched"] - joined["rmse_ratio_naive_per_model"]).abs()
    worst = gap.idxmax()
    cells = len(frames["batched"][frames["batched"]["split"] == "train"])
    nets = frames["batched"]["model"].isin(["lstm", "cnn-lstm"])
    fit = {
        name: f[nets & (f["split"] == "train")]["fit_seconds"].sum() for name, f in frames.items()
    }
    print(f"\ncells: {cells}")
    print(f"per-model path: {walls['per_model']:.1f} s wall")
    print(f"batched path:   {walls['batched']:.1f} s wall")
    print(f"speed-up:       {walls['per_model'] / walls['batched']:.2f} x")
    print(
        f"network fit seconds (sum over cells): per-model {fit['per_model']:.1f}, "
        f"batched {fit['batched']:.1f} ({fit['per_model'] / max(fit['batched'], 1e-9):.2f} x)"
    )
    print(f"largest |test ratio to naive difference|: {gap.max():.2e} at {worst}")


def main(config: Path = REPO / "configs" / "study_btc.toml", description: str = __doc__) -> None:
    """Run the grid, then print wall time, per-model fit times and ``tables.md``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--config", type=Path, default=config)
    parser.add_argument("--out", type=Path, default=REPO / "runs" / f"benchmark_{config.stem}")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument(
        "--compare-unbatched",
        action="store_true",
        help="run the grid with batched and with per-model network training, and compare",
    )
    args = parser.parse_args()
    if args.compare_unbatched:
        compare(args.config, args.out, args.overrides)
        return
    summary, wall = _timed(args.config, args.out, args.overrides)
    results = pd.read_csv(args.out / "results.csv")
    train = results[results["split"] == "train"]
    print(summary)
    print(f"\nwall time: {wall:.0f} s ({wall / 60:.1f} min) for {len(train)} cells")
    print("\nmean fit seconds / epochs run per model, horizon and window:")
    fits = train.groupby(["model", "horizon", "window"])[["fit_seconds", "epochs"]].mean()
    print(fits.round(2).to_string())
    print()
    print((args.out / "tables.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
