"""Throughput of ``sentcast sentiment score``, and its speed per core against vaderSentiment.

Two corpora are built from the ~35.8k raw shared Bitcoin tweets (SOURCES.md sections 2 and 9),
with random timestamps over 2014-09-17..2019-11-23 (``date,text`` CSV):

* the large corpus: ``--rows`` rows resampled from the real tweets; ``--distinct-fraction F``
  replaces a fraction F of the rows by new texts made of the first half of one real tweet and
  the second half of another, so that it has many distinct texts (their number is printed);
* the distinct corpus: ``--reference-rows`` texts made that way, all distinct.

The script then

1. runs ``sentcast sentiment score`` on the large corpus and prints rows/s, wall time and the
   peak resident memory of the whole process tree (main process + workers);
2. on the distinct corpus, in this process and taking turns so that both see the same load
   (``--rounds`` turns each, best kept): the plain reference (``pandas.read_csv`` + a loop over
   vaderSentiment's ``polarity_scores``) and the same scoring job as the CLI on one core; prints
   both rates and the per-core ratio, then ``sentcast sentiment score --workers 1`` on it
   (start-up included) and the per-core ratio of the large run to the reference.

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


def _mixed(pool: np.ndarray, words: list[list[str]], rng: np.random.Generator, n: int) -> list:
    """``n`` new texts: the first half of one real tweet and the second half of another."""
    a = rng.integers(0, len(pool), n)
    b = rng.integers(0, len(pool), n)
    return [
        " ".join(words[i][: (len(words[i]) + 1) // 2] + words[j][len(words[j]) // 2 :])
        for i, j in zip(a, b, strict=True)
    ]


def _write_block(
    writer: pacsv.CSVWriter | None, path: Path, texts: np.ndarray, rng: np.random.Generator
) -> pacsv.CSVWriter:
    seconds = rng.integers(0, SPAN_S, len(texts)).astype("timedelta64[s]")
    stamps = np.datetime_as_string(START + seconds, unit="s")
    table = pa.table({"date": np.char.replace(stamps, "T", " "), "text": texts})
    if writer is None:
        writer = pacsv.CSVWriter(path, table.schema)
    writer.write_table(table)
    return writer


def build_corpus(path: Path, rows: int, distinct_fraction: float, seed: int) -> tuple[int, int]:
    """Write the large corpus CSV (``date,text``); return (rows, distinct texts)."""
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
            texts[mixed] = _mixed(pool, words, rng, len(mixed))
            hashes.append(pd.util.hash_array(texts))
            writer = _write_block(writer, path, texts, rng)
    finally:
        if writer is not None:
            writer.close()
    return rows, len(np.unique(np.concatenate(hashes)))


def build_distinct_corpus(path: Path, rows: int, seed: int) -> None:
    """Write ``rows`` distinct mixed texts (``date,text``), none of them a real tweet."""
    rng = np.random.default_rng(seed + 1)
    pool = real_tweets()
    words = [t.split() for t in pool]
    texts = dict.fromkeys(pool.tolist())
    while len(texts) < len(pool) + rows:
        texts.update(dict.fromkeys(_mixed(pool, words, rng, rows)))
    distinct = np.array(list(texts)[len(pool) : len(pool) + rows], dtype=object)
    _write_block(None, path, distinct, rng).close()


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
    from sentcast.sentiment.ingest import run_score_job
    from sentcast.sentiment.score_job import ScoreJob

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


def best_rates(path: Path, rows: int, chunk_size: int, rounds: int) -> tuple[float, float]:
    """Best rows/s of the reference and of the in-process job, measured in turns."""
    ref, ours = 0.0, 0.0
    for _ in range(rounds):
        ref = max(ref, reference_rate(path, rows)[0])
        ours = max(ours, in_process_rate(path, rows, chunk_size))
    return ref, ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=16_000_000, help="large corpus rows")
    parser.add_argument(
        "--distinct-fraction", type=float, default=0.0, help="share of rows with new texts"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--chunk-size", type=int, default=200_000)
    parser.add_argument("--reference-rows", type=int, default=100_000, help="distinct corpus rows")
    parser.add_argument("--rounds", type=int, default=2, help="turns of each side on it")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temp folder")
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=opts.workdir) as tmp:
        work = Path(tmp)
        corpus = work / "tweets.csv"
        t0 = time.perf_counter()
        rows, distinct = build_corpus(corpus, opts.rows, opts.distinct_fraction, opts.seed)
        print(
            f"large corpus: {rows:,} rows, {distinct:,} distinct texts ({distinct / rows:.1%}), "
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
            f"sentcast sentiment score, large corpus: {rows:,} rows in {wall:.1f} s = "
            f"{rows / wall:,.0f} rows/s with {opts.workers} workers on {os.cpu_count()} cores; "
            f"peak RSS (process tree) {peak / 2**30:.2f} GiB"
        )
        corpus.unlink()

        n_ref = opts.reference_rows
        subset = work / "distinct.csv"
        build_distinct_corpus(subset, n_ref, opts.seed)
        ref_rate, inner_rate = best_rates(subset, n_ref, opts.chunk_size, opts.rounds)
        print(
            f"distinct corpus: {n_ref:,} distinct texts; best of {opts.rounds} turns each, "
            "same process:"
        )
        print(
            f"  reference (pandas.read_csv + vaderSentiment loop, 1 core): {ref_rate:,.0f} rows/s"
        )
        print(
            f"  sentcast scoring job in-process, 1 core: {inner_rate:,.0f} rows/s; "
            f"per-core ratio {inner_rate / ref_rate:.1f}x"
        )
        one_wall, _, _ = run_cli(
            ["sentiment", "score", str(subset), "--out", str(work / "sub.parquet"),
             "--workers", "1", *common]
        )  # fmt: skip
        print(
            f"  sentcast sentiment score --workers 1: {one_wall:.1f} s = "
            f"{n_ref / one_wall:,.0f} rows/s (CLI start-up included); "
            f"ratio {n_ref / one_wall / ref_rate:.1f}x"
        )
        ours_per_core = rows / wall / max(1, min(opts.workers, os.cpu_count() or 1))
        print(
            "per-core ratio of the large run to the reference on distinct texts: "
            f"{ours_per_core / ref_rate:.1f}x"
        )


if __name__ == "__main__":
    main()
