"""Run the horizon study (configs/study_horizons.toml) and print its wall time and tables.

    nice -n 10 .venv/bin/python benchmarks/study_horizons.py --out runs/benchmark_study_horizons

The RUN_DIR is emptied first so every cell and backtest fold is trained (target: <= 20 minutes
on 2 CPU cores). ``--set`` overrides config values, e.g. ``--set 'target.horizons=[1]'`` to
time a subset.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import pandas as pd

from sentcast.experiments.runner import run_experiment

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    """Run the grid, then print wall time, per-model fit times and ``tables.md``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "study_horizons.toml")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "benchmark_study_horizons")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    start = time.perf_counter()
    summary = run_experiment(args.config, args.out, args.overrides)
    wall = time.perf_counter() - start
    results = pd.read_csv(args.out / "results.csv")
    fits = results[results["split"] == "train"].groupby(["model", "horizon"])
    cells = int((results["split"] == "train").sum())
    print(summary)
    print(f"\nwall time: {wall:.0f} s ({wall / 60:.1f} min) for {cells} cells")
    print("\nmean fit seconds / epochs run per model and horizon:")
    print(fits[["fit_seconds", "epochs"]].mean().round(2).to_string())
    print()
    print((args.out / "tables.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
