"""What running on Ray costs on one machine: local engine vs a local Ray, same work, same outputs.

    nice -n 10 .venv/bin/python benchmarks/ray_overhead.py scoring --rows 1000000
    nice -n 10 .venv/bin/python benchmarks/ray_overhead.py scoring --rows 16000000
    nice -n 10 .venv/bin/python benchmarks/ray_overhead.py grid   # configs/study_btc.toml

``scoring`` builds the corpus of ``benchmarks/sentiment_throughput.py`` (real shared tweets
resampled to ``--rows`` rows; ``--distinct-fraction`` as there), then runs
``sentcast sentiment score`` on it with ``--engine local`` and with ``--engine ray`` (a Ray
started for the run, ``--workers`` CPUs), each in a fresh process, and prints wall times, the
job's own time (without process and Ray start-up), the overhead of Ray and whether the daily
tables are identical. ``grid`` runs a forecast grid (``--config``, ``--set``) into two
RUN_DIRs, locally (``grid.jobs`` processes) and as Ray tasks, and prints the same figures.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sentiment_throughput import build_corpus, run_cli

REPO = Path(__file__).resolve().parents[1]


def _row(what: str, local: float, ray: float, same: bool) -> str:
    return (
        f"{what}: local {local:.1f} s, ray {ray:.1f} s, overhead {ray - local:+.1f} s "
        f"({ray / local:.2f}x); outputs identical: {'yes' if same else 'NO'}"
    )


def scoring(opts: argparse.Namespace) -> None:
    """Score one corpus with each engine; print walls, job times and the overhead."""
    with tempfile.TemporaryDirectory(dir=opts.workdir) as tmp:
        work = Path(tmp)
        corpus = work / "tweets.csv"
        rows, distinct = build_corpus(corpus, opts.rows, opts.distinct_fraction, opts.seed)
        print(f"corpus: {rows:,} rows, {distinct:,} distinct texts, {os.cpu_count()} cores")
        walls, jobs = {}, {}
        for engine in ("local", "ray"):
            out = work / f"{engine}.parquet"
            wall, peak, stdout = run_cli(
                ["sentiment", "score", str(corpus), "--out", str(out), "--text-col", "text",
                 "--time-col", "date", "--chunk-size", str(opts.chunk_size),
                 "--workers", str(opts.workers), "--engine", engine]
            )  # fmt: skip
            job = re.search(r"wall time ([\d.]+) s", stdout)
            walls[engine], jobs[engine] = wall, float(job.group(1)) if job else float("nan")
            print(
                f"{engine}: {wall:.1f} s wall ({rows / wall:,.0f} rows/s), job {jobs[engine]:.1f} "
                f"s, peak RSS of the process tree {peak / 2**30:.2f} GiB"
            )
        same = pd.read_parquet(work / "local.parquet").equals(pd.read_parquet(work / "ray.parquet"))
        print(_row(f"scoring {rows:,} rows, wall", walls["local"], walls["ray"], same))
        print(_row(f"scoring {rows:,} rows, job only", jobs["local"], jobs["ray"], same))


def grid(opts: argparse.Namespace) -> None:
    """Run a forecast grid with each engine; print walls and the overhead."""
    from sentcast.engines import Engine
    from sentcast.experiments.runner import run_experiment

    walls = {}
    for engine in ("local", "ray"):
        out = opts.out / engine
        if out.exists():
            shutil.rmtree(out)
        start = time.perf_counter()
        run_experiment(
            opts.config,
            out,
            opts.overrides,
            engine=Engine(engine, num_cpus=opts.workers if engine == "ray" else None),
        )
        walls[engine] = time.perf_counter() - start
        print(f"{engine}: {walls[engine]:.1f} s")
    results = [pd.read_csv(opts.out / e / "results.csv").drop(columns="fit_seconds") for e in walls]
    print(
        _row(
            f"grid {opts.config.name}", walls["local"], walls["ray"], results[0].equals(results[1])
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["scoring", "grid"])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rows", type=int, default=1_000_000, help="scoring: corpus rows")
    parser.add_argument("--distinct-fraction", type=float, default=0.0)
    parser.add_argument("--chunk-size", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None, help="scoring: default a temp folder")
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "study_btc.toml")
    parser.add_argument("--out", type=Path, default=REPO / "runs" / "benchmark_ray_overhead")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    opts = parser.parse_args()
    scoring(opts) if opts.what == "scoring" else grid(opts)


if __name__ == "__main__":
    main()
