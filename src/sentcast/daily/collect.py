"""What a daily run gathers before it forecasts: market rows, posts, daily tables.

* **Market** (``[daily.fetch] tickers``): each ticker's new rows (from the day after the
  newest cached one) are downloaded through :func:`sentcast.data.fetch.fetch_yahoo` (its
  ``download`` hook is the test seam) and merged into ``RUN_DIR/market/<ticker>.parquet``,
  which then replaces the slot's file in ``[data.market]``.
* **Posts**: the X API recent search since the newest post stored for the source
  (``[[daily.x]]``), and the ``*.zst`` dump files of a folder not read before
  (``[[daily.reddit]]``); each post is scored with VADER and stored once (by id), and every
  complete day up to the run day not in ``daily_series`` gets its mean compound score,
  also written to ``RUN_DIR/series/<source>.csv`` (a daily table a config can join).
* **Daily tables** (``[[daily.csv]]``): the rows up to the run day not yet stored.

Each source is one transaction: a kill leaves a source either loaded or not.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from sentcast.daily.config import DailyConfig, RedditSourceConfig, XSourceConfig
from sentcast.daily.store import Store
from sentcast.data.daily_series import read_daily_series
from sentcast.data.fetch import Downloader, cache_path, fetch_yahoo
from sentcast.errors import DataError, UserInputError
from sentcast.files import atomic_path, atomic_write_text

logger = logging.getLogger(__name__)


def fetch_market(
    config: DailyConfig, run_dir: Path, day: dt.date, download: Downloader | None = None
) -> dict[str, Path]:
    """Bring each configured ticker's cache up to ``day``; returns slot -> cache file."""
    folder = run_dir / "market"
    out: dict[str, Path] = {}
    for slot, ticker in config.daily.fetch.tickers.items():
        path = cache_path(folder, ticker)
        old = pd.read_parquet(path) if path.is_file() else None
        start = config.daily.fetch.start
        if old is not None and len(old):
            start = (old.index.max() + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        end = (day + dt.timedelta(days=1)).isoformat()  # exclusive, as yfinance reads it
        if start < end:
            incoming = folder / ".incoming"
            try:
                new = pd.read_parquet(fetch_yahoo([ticker], incoming, start, end, download)[ticker])
            except DataError as exc:
                if old is None:
                    raise
                logger.info("%s: nothing new (%s)", ticker, exc)
                new = None
            finally:
                shutil.rmtree(incoming, ignore_errors=True)
            if new is not None:
                merged = new if old is None else pd.concat([old, new])
                merged = merged[~merged.index.duplicated(keep="last")].sort_index()
                with atomic_path(path) as tmp:
                    merged.to_parquet(tmp)
                logger.info("%s: %d new row(s) -> %s", ticker, len(new), path)
        if not path.is_file():
            raise DataError(f"{ticker}: no market rows cached in {folder}")
        out[slot] = path
    return out


def store_panel(store: Store, frame: pd.DataFrame, day: dt.date) -> int:
    """Store the market rows and daily columns of ``frame`` newer than those stored."""
    assets = sorted({c.rsplit("_", 1)[0] for c in frame.columns if c.endswith("_Close")})
    assets = [a for a in assets if not a.endswith("_Adj")]
    newest = store.scalar("SELECT max(day) FROM market_rows")
    new = frame if newest is None else frame.loc[frame.index > pd.Timestamp(newest)]
    if new.empty:
        return 0
    rows = []
    for asset in assets:
        part = pd.DataFrame(
            {"asset": asset, "day": pd.DatetimeIndex(new.index).date, "seen_on": day}
        )
        for name in ("open", "high", "low", "close", "volume"):
            column = f"{asset}_{name.capitalize()}"
            part[name] = new[column].to_numpy(float) if column in new else float("nan")
        rows.append(part)
    market_columns = {c for a in assets for c in frame.columns if c.startswith(f"{a}_")}
    series = []
    for column in [c for c in new.columns if c not in market_columns]:
        group, _, name = column.partition("_")
        values = new[column].dropna()
        series.append(
            pd.DataFrame(
                {
                    "source": group,
                    "name": name,
                    "day": pd.DatetimeIndex(values.index).date,
                    "value": values.values,
                }
            ).assign(n_posts=None, seen_on=day)
        )
    with store.transaction():
        added = store.insert("market_rows", pd.concat(rows, ignore_index=True))
        if series:
            store.insert("daily_series", pd.concat(series, ignore_index=True))
    return added


def _score(texts: list[str]) -> Any:
    from sentcast.sentiment.vader import VaderScorer

    return VaderScorer().score(texts)[:, 3]


def _store_posts(store: Store, source: str, posts: pd.DataFrame, day: dt.date) -> int:
    """Score and insert ``posts`` (``id, created_at, text``); append the complete days."""
    posts = posts.dropna(subset=["text"])
    if len(posts):
        posts = posts.assign(
            source=source,
            id=posts["id"].astype(str),
            created_at=pd.to_datetime(posts["created_at"], utc=True).dt.tz_localize(None),
            compound=_score(posts["text"].astype(str).tolist()),
            seen_on=day,
        )
    with store.transaction():
        added = store.insert("posts", posts) if len(posts) else 0
        daily = store.frame(
            """SELECT CAST(created_at AS DATE) AS day, avg(compound) AS value,
            count(*) AS n_posts FROM posts WHERE source = ? AND CAST(created_at AS DATE) <= ?
            AND compound IS NOT NULL AND CAST(created_at AS DATE) NOT IN
            (SELECT day FROM daily_series WHERE source = ? AND name = 'compound_mean')
            GROUP BY 1 ORDER BY 1""",
            [source, day, source],
        )
        store.insert("daily_series", daily.assign(source=source, name="compound_mean", seen_on=day))
    return added


def export_series(store: Store, run_dir: Path, source: str) -> Path:
    """Write ``RUN_DIR/series/<source>.csv`` (``date, compound_mean, n_posts``) atomically."""
    table = store.frame(
        "SELECT day AS date, value AS compound_mean, n_posts FROM daily_series "
        "WHERE source = ? AND name = 'compound_mean' ORDER BY day",
        [source],
    )
    path = run_dir / "series" / f"{source}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, table.to_csv(index=False))
    return path


def collect_x(
    source: XSourceConfig,
    store: Store,
    run_dir: Path,
    day: dt.date,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> int:
    """New posts of one X search (since the newest stored, at most ``lookback_days`` back)."""
    from sentcast.data.x_api import RetryPolicy, XClient, XSearch, checkpoint_dir, collect

    token = os.environ.get(source.token_env, "").strip()
    if not token:
        raise UserInputError(f"daily.x {source.name}: set {source.token_env} to the bearer token")
    end = now().replace(microsecond=0)
    start = end - dt.timedelta(days=source.lookback_days)
    newest = store.scalar("SELECT max(created_at) FROM posts WHERE source = ?", [source.name])
    if newest is not None:
        start = max(start, pd.Timestamp(newest).to_pydatetime().replace(tzinfo=dt.UTC))
    search = XSearch(
        query=source.query, start=start, end=end, max_tweets=source.max_tweets,
        api_url=source.api_url,
    )  # fmt: skip
    out = run_dir / "posts" / f"{source.name}-{day:%Y-%m-%d}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    shutil.rmtree(checkpoint_dir(out), ignore_errors=True)
    policy = RetryPolicy(retries=source.retries, backoff_s=source.backoff_s, max_wait_s=900)
    with XClient(source.api_url, token, policy) as client:
        result = collect(search, out, client, now=now)
    logger.info("%s: %s", source.name, result.summary())
    posts = pd.read_parquet(out, columns=["id", "created_at", "text"])
    return _store_posts(store, source.name, posts, day)


def collect_reddit(source: RedditSourceConfig, config: DailyConfig, store: Store, run_dir: Path,
                   day: dt.date) -> int:  # fmt: skip
    """Read the dump files of the folder not read before."""
    from sentcast.data.reddit_dumps import read_dumps

    folder = config.input_path(source.folder)
    if not folder.is_dir():
        raise UserInputError(f"daily.reddit {source.name}: no folder {folder}")
    done = set(store.frame("SELECT path FROM source_files WHERE source = ?", [source.name])["path"])
    added = 0
    for path in sorted(folder.glob("*.zst")):
        if str(path) in done:
            continue
        out = run_dir / "posts" / f"{source.name}-{path.stem}.parquet"
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            report = read_dumps([path], source.subreddits, out)
            kept = report.rows_kept
            posts = pd.read_parquet(out, columns=["id", "created_utc", "text"])
            posts = posts.rename(columns={"created_utc": "created_at"})
        except DataError as exc:
            logger.warning("%s: %s", path, exc)
            kept, posts = 0, pd.DataFrame(columns=["id", "created_at", "text"])
        added += _store_posts(store, source.name, posts, day)
        row = {"source": source.name, "path": str(path), "size": path.stat().st_size,
               "rows_kept": kept, "seen_on": day}  # fmt: skip
        with store.transaction():
            store.insert("source_files", pd.DataFrame([row]))
    return added


def collect_csv(config: DailyConfig, store: Store, day: dt.date) -> int:
    """Copy the new rows (up to ``day``) of every ``[[daily.csv]]`` table into the store."""
    added = 0
    for source in config.daily.csv:
        table, _ = read_daily_series(config.input_path(source.path), source.columns)
        table = table.loc[: pd.Timestamp(day)]
        days = pd.DatetimeIndex(table.index).date
        parts = [
            pd.DataFrame(
                {"source": source.name, "name": column, "day": days,
                 "value": table[column].to_numpy(float)}
            ).dropna(subset=["value"])
            for column in source.columns
        ]  # fmt: skip
        with store.transaction():
            frame = pd.concat(parts, ignore_index=True).assign(n_posts=None, seen_on=day)
            added += store.insert("daily_series", frame)
    return added


def collect_all(config: DailyConfig, store: Store, run_dir: Path, day: dt.date,
                now: Callable[[], dt.datetime] | None = None) -> dict[str, int]:  # fmt: skip
    """Run every configured collector; returns new rows per source."""
    counts: dict[str, int] = {}
    for x in config.daily.x:
        counts[x.name] = collect_x(x, store, run_dir, day, *([now] if now else []))
        export_series(store, run_dir, x.name)
    for reddit in config.daily.reddit:
        counts[reddit.name] = collect_reddit(reddit, config, store, run_dir, day)
        export_series(store, run_dir, reddit.name)
    if config.daily.csv:
        counts["csv"] = collect_csv(config, store, day)
    return counts
