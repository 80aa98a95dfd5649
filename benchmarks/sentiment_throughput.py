"""Throughput of ``sentcast sentiment score`` on a large tweet CSV built from the real tweets.

The corpus resamples the ~35.8k raw shared Bitcoin tweets (SOURCES.md sections 2 and 9) to
``--rows`` rows with random timestamps over 2014-09-17..2019-11-23. Plain resampling gives
mostly repeated texts, which the scorer de-duplicates; ``--distinct-fraction F`` replaces a
fraction F of the rows by new texts made of the first half of one real tweet and the second
half of another, so that the corpus has many distinct texts. The number of distinct texts is
printed. The script then

1. runs ``sentcast sentiment score`` on the corpus and prints rows/s, wall time and the peak
   resident memory of the whole process tree (main process + workers);
2. runs the plain reference (``pandas.read_csv`` + a loop over vaderSentiment's
   ``polarity_scores``) and ``sentcast sentiment score --workers 1`` on the same first
   ``--reference-rows`` rows, and prints the per-core speed ratio.

Run with ``nice -n 10 .venv/bin/python benchmarks/sentiment_throughput.py [--rows N]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from sentcast.paths import shared_data_dir

RAW_TWEETS = (
    ("bitcoin_tweets_2021-01-14_1h.csv", "text"),
    ("bitcoin_tweets_2017-02-28.csv", "text"),
    ("bitcoin_tweets_2016-2017_sample.csv", "text"),
)
START = np.datetime64("2014-09-17T00:00:00")
SPAN_S = int((np.datetime64("2019-11-24T00:00:00") - START) / np.timedelta64(1, "s"))
BLOCK = 1_000_000


def real_tweets() -> np.ndarray:
    """The raw shared tweets (texts only)."""
    folder = shared_data_dir() / "tweets"
    texts = [pd.read_csv(folder / name)[col].dropna() for name, col in RAW_TWEETS]
    return pd.concat(texts, ignore_index=True).to_numpy(dtype=object)


def build_corpus(path: Path, rows: int, distinct_fraction: float, seed: int) -> tuple[int, int]:
    """Write the corpus CSV (``date,text``); return (rows, distinct texts)."""
    rng = np.random.default_rng(seed)
    pool = real_tweets()
    words = [t.split() for t in pool]
    hashes = []
    writer = None
    try:
        for start in range(0, rows, BLOCK):
            n = min(BLOCK, rows - start)
            texts = pool[rng.integers(0, len(pool), n)]
            mixed = np.flatnonzero(rng.random(n) < distinct_fraction)
            a = rng.integers(0, len(pool), len(mixed))
            b = rng.integers(0, len(pool), len(mixed))
            texts[mixed] = [
                " ".join(words[i][: (len(words[i]) + 1) // 2] + words[j][len(words[j]) // 2 :])
                for i, j in zip(a, b, strict=True)
            ]
            seconds = rng.integers(0, SPAN_S, n).astype("timedelta64[s]")
            stamps = np.datetime_as_string(START + seconds, unit="s")
            table = pa.table({"date": np.char.replace(stamps, "T", " "), "text": texts})
            hashes.append(pd.util.hash_array(texts))
            if writer is None:
                writer = pacsv.CSVWriter(path, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return rows, len(np.unique(np.concatenate(hashes)))


class TreeRss:
    """Samples the summed resident memory of a process and its descendants."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _tree(self, pid: int) -> list[int]:
        pids = [pid]
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                children = task.read_text().split()
            except OSError:
                continue
            for child in children:
                pids.extend(self._tree(int(child)))
        return pids

    @staticmethod
    def _rss(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(self._rss(p) for p in self._tree(self.pid)))
            time.sleep(interval)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_cli(args: list[str]) -> tuple[float, int, str]:
    """Run ``sentcast ARGS`` in a subprocess; return (wall s, peak tree RSS bytes, stdout)."""
    cmd = [sys.executable, "-c", "from sentcast.cli.main import run; run()", "--quiet", *args]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rss = TreeRss(proc.pid)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    peak = rss.stop()
    if proc.returncode != 0:
        raise SystemExit(f"sentcast failed ({proc.returncode}): {err.strip()}")
    return wall, peak, out


def reference_rate(path: Path, rows: int) -> tuple[float, float]:
    """Rows/s of pandas.read_csv + vaderSentiment's polarity_scores loop (one core)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    start = time.perf_counter()
    frame = pd.read_csv(path, nrows=rows)
    analyzer = SentimentIntensityAnalyzer()
    scores = [analyzer.polarity_scores(t)["compound"] for t in frame["text"].astype(str)]
    wall = time.perf_counter() - start
    assert len(scores) == rows
    return rows / wall, wall


def in_process_rate(path: Path, rows: int, chunk_size: int) -> float:
    """Rows/s of the scoring job on one core, without the CLI's start-up time."""
    from sentcast.sentiment.batch import BatchScorer
    from sentcast.sentiment.ingest import ScoreJob, run_score_job

    job = ScoreJob(
        inputs=[path],
        out=path.with_name("inprocess.parquet"),
        text_col="text",
        time_col="date",
        chunk_size=chunk_size,
    )
    start = time.perf_counter()
    with BatchScorer(workers=1) as batch:
        run_score_job(job, batch)
    return rows / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=16_000_000, help="corpus rows")
    parser.add_argument(
        "--distinct-fraction", type=float, default=0.0, help="share of rows with new texts"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--chunk-size", type=int, default=200_000)
    parser.add_argument("--reference-rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temp folder")
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=opts.workdir) as tmp:
        work = Path(tmp)
        corpus = work / "tweets.csv"
        t0 = time.perf_counter()
        rows, distinct = build_corpus(corpus, opts.rows, opts.distinct_fraction, opts.seed)
        print(
            f"corpus: {rows:,} rows, {distinct:,} distinct texts ({distinct / rows:.1%}), "
            f"distinct fraction {opts.distinct_fraction}, "
            f"{corpus.stat().st_size / 1e9:.2f} GB, built in {time.perf_counter() - t0:.0f} s"
        )
        common = ["--text-col", "text", "--time-col", "date", "--chunk-size", str(opts.chunk_size)]
        wall, peak, out = run_cli(
            ["sentiment", "score", str(corpus), "--out", str(work / "daily.parquet"),
             "--workers", str(opts.workers), *common]
        )  # fmt: skip
        print(out.strip())
        print(
            f"sentcast sentiment score: {rows:,} rows in {wall:.1f} s = {rows / wall:,.0f} rows/s "
            f"with {opts.workers} workers on {os.cpu_count()} cores; "
            f"peak RSS (process tree) {peak / 2**30:.2f} GiB"
        )

        n_ref = min(opts.reference_rows, rows)
        subset = work / "subset.csv"
        head = pd.read_csv(corpus, nrows=n_ref, dtype=str, keep_default_na=False)
        pacsv.write_csv(pa.Table.from_pandas(head, preserve_index=False), subset)
        ref_rate, ref_wall = reference_rate(subset, n_ref)
        one_wall, _, _ = run_cli(
            ["sentiment", "score", str(subset), "--out", str(work / "sub.parquet"),
             "--workers", "1", *common]
        )  # fmt: skip
        inner_rate = in_process_rate(subset, n_ref, opts.chunk_size)
        ours_per_core = rows / wall / max(1, min(opts.workers, os.cpu_count() or 1))
        print(
            f"reference (pandas.read_csv + vaderSentiment loop, 1 core) on {n_ref:,} rows: "
            f"{ref_wall:.1f} s = {ref_rate:,.0f} rows/s"
        )
        print(
            f"sentcast --workers 1 on the same {n_ref:,} rows: {one_wall:.1f} s = "
            f"{n_ref / one_wall:,.0f} rows/s (CLI start-up included); "
            f"ratio {n_ref / one_wall / ref_rate:.1f}x"
        )
        print(
            f"same job in-process, 1 core, no start-up: {inner_rate:,.0f} rows/s; "
            f"ratio {inner_rate / ref_rate:.1f}x"
        )
        print(f"per-core ratio of the full run to the reference: {ours_per_core / ref_rate:.1f}x")


if __name__ == "__main__":
    main()
