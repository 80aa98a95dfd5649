"""Run the horizon study (configs/study_horizons.toml) and print its wall time and tables.

    nice -n 10 .venv/bin/python benchmarks/study_horizons.py --out runs/benchmark_study_horizons

The RUN_DIR is emptied first so every cell and backtest fold is trained (target: <= 20 minutes
on 2 CPU cores). ``--set`` overrides config values, e.g. ``--set 'target.horizons=[1]'`` to
time a subset. The timing and printing are those of ``study_grid.py``.
"""

from __future__ import annotations

from study_grid import REPO, main

if __name__ == "__main__":
    main(REPO / "configs" / "study_horizons.toml", __doc__)
