"""Run the social-sources study (configs/study_sources.toml) and print its wall time and tables.

    nice -n 10 .venv/bin/python benchmarks/study_sources.py

First scores the real crawled tweets (shared/data/tweets/crawled_2015-2020) with VADER into
runs/study_sources/twitter_vader_daily.parquet, the table the config's TwitterVader source
reads, and embeds them (MiniLM, daily means) into runs/study_sources/textemb_daily.parquet, the
config's TextEmb table (the embeddings are cached by text hash: only the first run encodes),
then runs the grid into runs/study_sources. The RUN_DIR is emptied first so every cell
is trained (target: <= 20 minutes on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from sentcast.cli.main import main as cli_main
from sentcast.experiments.runner import run_experiment
from sentcast.paths import shared_data_dir

REPO = Path(__file__).resolve().parents[1]
#: The RUN_DIR the config's TwitterVader path points into.
RUN_DIR = REPO / "runs" / "study_sources"
TWITTER_TABLE = "twitter_vader_daily.parquet"
TEXTEMB_TABLE = "textemb_daily.parquet"
#: Tweets embedded per day (the first read): bounds the MiniLM encoding (about 10k texts instead
#: of 41k) on a shared 2-core machine; the daily mean is then a mean over at most 10 tweets.
TEXTEMB_PER_DAY = 10


def crawled_tweets_table(command: str, out: Path, *options: str) -> float:
    """Write the daily table of the crawled tweets made by ``sentcast sentiment <command>``
    (``score``: VADER, ``embed``: mean sentence embeddings) to ``out``; returns seconds."""
    tweets = sorted((shared_data_dir() / "tweets" / "crawled_2015-2020").glob("*.csv.gz"))
    args = ["sentiment", command, *map(str, tweets), "--layout", "crawled-2015-2020", *options]
    start = time.perf_counter()
    code = cli_main([*args, "--out", str(out)])
    if code:
        raise SystemExit(f"sentcast sentiment {command} failed (exit {code})")
    return time.perf_counter() - start


def main() -> None:
    """Build the Twitter table, run the grid, then print wall times and ``tables.md``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "study_sources.toml")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    if RUN_DIR.exists():
        shutil.rmtree(RUN_DIR)
    RUN_DIR.mkdir(parents=True)
    start = time.perf_counter()
    scoring = crawled_tweets_table("score", RUN_DIR / TWITTER_TABLE)
    per_day = ("--max-per-day", str(TEXTEMB_PER_DAY))
    embedding = crawled_tweets_table("embed", RUN_DIR / TEXTEMB_TABLE, *per_day)
    summary = run_experiment(args.config, RUN_DIR, args.overrides)
    wall = time.perf_counter() - start
    print(summary)
    print(
        f"\nwall time: {wall:.0f} s ({wall / 60:.1f} min); scoring the tweets: {scoring:.0f} s, "
        f"embedding them: {embedding:.0f} s"
    )
    print()
    print((RUN_DIR / "tables.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
