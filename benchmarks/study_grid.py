"""Run the full Bitcoin study grid (configs/study_btc.toml) and print its wall time and tables.

    nice -n 10 .venv/bin/python benchmarks/study_grid.py --out runs/benchmark_study_btc

The RUN_DIR is emptied first so every cell is trained (target: <= 15 minutes on 2 CPU cores).
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
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "study_btc.toml")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "benchmark_study_btc")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    start = time.perf_counter()
    summary = run_experiment(args.config, args.out, args.overrides)
    wall = time.perf_counter() - start
    results = pd.read_csv(args.out / "results.csv")
    fits = results[results["split"] == "train"].groupby(["model", "window"])
    print(summary)
    print(f"\nwall time: {wall:.0f} s ({wall / 60:.1f} min) for {len(results) // 2} cells")
    print("\nmean fit seconds / epochs per model and window:")
    print(fits[["fit_seconds", "epochs"]].mean().round(2).to_string())
    print()
    print((args.out / "tables.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
