"""Run the full Bitcoin study grid (configs/study_btc.toml) and print its wall time and tables.

    nice -n 10 .venv/bin/python benchmarks/study_grid.py --out runs/benchmark_study_btc

The RUN_DIR is emptied first so every cell and backtest fold is trained (target: <= 15 minutes
on 2 CPU cores). ``--config`` runs another forecast grid the same way (``study_horizons.py``
does, for the horizon study); ``--set`` overrides config values, e.g.
``--set 'grid.windows=[7]'`` to time a subset.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import pandas as pd

from sentcast.experiments.runner import run_experiment

REPO = Path(__file__).resolve().parents[1]


def main(config: Path = REPO / "configs" / "study_btc.toml", description: str = __doc__) -> None:
    """Run the grid, then print wall time, per-model fit times and ``tables.md``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--config", type=Path, default=config)
    parser.add_argument("--out", type=Path, default=REPO / "runs" / f"benchmark_{config.stem}")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    start = time.perf_counter()
    summary = run_experiment(args.config, args.out, args.overrides)
    wall = time.perf_counter() - start
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
