"""Collect tweets from the X API v2 search endpoints into a Parquet file, resumably.

The client is ``httpx`` rather than tweepy's ``Client``: tweepy v4 hard-codes the API host
(no base URL for proxies or a local test server), logs the request headers, bearer token
included, at debug level, sleeps through a rate limit without showing how long, and does not
retry server errors or timeouts. Here:

* ``GET /2/tweets/search/recent`` (last 7 days) or ``/2/tweets/search/all`` (full archive),
  following ``meta.next_token`` page by page;
* requests, rate-limit waits and bounded retries are :mod:`sentcast.data.x_client`'s:
  HTTP 429 waits until ``x-rate-limit-reset`` (never less than the backoff), 5xx, timeouts,
  dropped connections and malformed JSON retry with exponential backoff, other 4xx give a
  one-line error with the API's own explanation (never the token);
* a ``next_token`` the API already sent, or :data:`MAX_IDLE_PAGES` pages in a row without a
  new tweet, end the collection with a line saying so (a server that repeats its token, or
  invents new ones, would otherwise be followed forever);
* ids, author ids and public metrics are checked against int64 before they reach Parquet: a
  tweet whose id is beyond it is dropped and counted, another number beyond it is read as
  missing and counted in a note;
* after every page, the page's new tweets go to their own Parquet file in a checkpoint folder
  beside the output and the state (next token, counts) is rewritten atomically, so a killed
  collection resumes where it stopped; tweets are de-duplicated by id;
* at the end the pages are joined into the output (atomically) and the checkpoint removed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import Field, model_validator

from sentcast.config.base import FrozenModel
from sentcast.data.report import DropReport
from sentcast.data.x_client import RetryPolicy, XClient, countdown
from sentcast.data.x_tweets import SCHEMA, page_contents, page_table
from sentcast.errors import DataError, UserInputError
from sentcast.files import atomic_path, atomic_write_text
from sentcast.progress import logger

__all__ = [
    "SCHEMA",
    "CollectResult",
    "RetryPolicy",
    "XClient",
    "XSearch",
    "checkpoint_dir",
    "collect",
    "countdown",
    "read_bearer_token",
]

DEFAULT_API_URL = "https://api.x.com"
TOKEN_ENV = "X_BEARER_TOKEN"
SEARCH_PATHS = {"recent": "/2/tweets/search/recent", "all": "/2/tweets/search/all"}
PAGE_SIZE = {"recent": 100, "all": 500}
"""Most results per request (``max_results``) each endpoint allows; the least is 10."""
MIN_INTERVAL_S = {"recent": 0.0, "all": 1.0}
"""Full-archive search also allows at most one request per second."""
MAX_IDLE_PAGES = 50
"""Pages in a row without a new tweet after which a collection stops (a server that hands out
fresh page tokens for ever)."""
TWEET_FIELDS = "created_at,author_id,lang,public_metrics,referenced_tweets"
STATE_VERSION = 1


class XSearch(FrozenModel):
    """What to collect: one query over ``[start, end)`` from one search endpoint.

    Attributes
    ----------
    query : str
        X search query (operators allowed, e.g. ``bitcoin -is:retweet``).
    start, end : datetime
        UTC instants; ``end`` is exclusive.
    endpoint : {"recent", "all"}
        Recent search (last 7 days) or full-archive search.
    max_tweets : int or None
        Stop after this many distinct tweets.
    lang : str or None
        Keep only tweets X classifies as this language (added as ``lang:`` to the query).
    api_url : str
        Base URL of the API (another one for a proxy or a test server).
    """

    query: str = Field(min_length=1, max_length=4096)
    start: dt.datetime
    end: dt.datetime
    endpoint: Literal["recent", "all"] = "recent"
    max_tweets: int | None = Field(default=None, gt=0)
    lang: str | None = Field(default=None, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z]{2,4})?$")
    api_url: str = Field(default=DEFAULT_API_URL, pattern=r"^https?://[^\s]+$")

    @model_validator(mode="after")
    def _utc_range(self) -> XSearch:
        for name in ("start", "end"):
            if getattr(self, name).utcoffset() != dt.timedelta(0):
                raise ValueError(f"{name} must be a UTC time")
        if self.end <= self.start:
            raise ValueError(f"end {self.end:%Y-%m-%d %H:%M} is not after start")
        return self

    def full_query(self) -> str:
        """The query sent to the API, with the language operator when ``lang`` is set."""
        return f"({self.query}) lang:{self.lang}" if self.lang else self.query


@dataclass
class CollectResult:
    """What one ``collect`` call did.

    Attributes
    ----------
    report : DropReport
        Tweets received (``rows_read``), dropped per reason, and notes.
    pages : int
        Pages fetched, including those of earlier, interrupted runs.
    resumed_from : int
        Pages already done when this run started (0 for a fresh collection).
    stopped : str
        Why collection ended before the last page (``--max-tweets``), else empty.
    """

    report: DropReport
    pages: int = 0
    resumed_from: int = 0
    stopped: str = ""

    def summary(self) -> str:
        """One line: counts, pages, resume point and why collection stopped."""
        text = f"{self.report.summary()}; {self.pages} pages"
        if self.resumed_from:
            text += f" (resumed after page {self.resumed_from})"
        return f"{text}; {self.stopped}" if self.stopped else text


def read_bearer_token(token_file: Path | None = None) -> str:
    """The bearer token from ``token_file`` if given, else from ``$X_BEARER_TOKEN``.

    Raises
    ------
    UserInputError
        When there is no token, or the file cannot be read or is empty. Messages name where
        the token was looked for, never its value.
    """
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise UserInputError(f"--token-file {token_file}: cannot read it ({exc})") from None
        if not token:
            raise UserInputError(f"--token-file {token_file} is empty")
    else:
        token = os.environ.get(TOKEN_ENV, "").strip()
        if not token:
            raise UserInputError(f"no bearer token: set {TOKEN_ENV} or pass --token-file")
    if any(c.isspace() for c in token):
        raise UserInputError("the bearer token contains white space; check its source")
    return token


def checkpoint_dir(out: Path) -> Path:
    """The folder beside ``out`` that holds the pages of an unfinished collection."""
    return out.with_name(f".{out.name}.parts")


def collect(
    search: XSearch,
    out: Path,
    client: XClient,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> CollectResult:
    """Collect ``search`` into ``out`` (Parquet, :data:`SCHEMA`), resuming a checkpoint.

    The caller holds the output lock. An ``end`` less than 30 s ago is cut to 30 s ago (the
    API refuses later end times); that cut is kept in the checkpoint. A checkpoint is resumed
    when its search is the same one, whatever the ``api_url``.

    Raises
    ------
    UserInputError
        When ``out`` already exists without a checkpoint, or the checkpoint belongs to another
        search.
    DataError
        When the API keeps failing or returns something that is not a search page.
    """
    parts = checkpoint_dir(out)
    state = _load_state(parts, search, out)
    if state is None:
        end = min(search.end, now().replace(microsecond=0) - dt.timedelta(seconds=30))
        if end <= search.start:
            raise UserInputError(f"--start {search.start:%Y-%m-%d %H:%M} is not in the past")
        state = _State(search=_identity(search), end_time=_rfc3339(end))
        parts.mkdir(parents=True, exist_ok=True)
        _save_state(parts, state)
    result = CollectResult(DropReport(str(out)), pages=state.pages, resumed_from=state.pages)
    result.report.rows_read = state.rows_read
    result.report.dropped.update(state.dropped)
    seen = _seen_ids(parts, state.pages)
    params = {
        "query": search.full_query(),
        "start_time": _rfc3339(search.start),
        "end_time": state.end_time,
        "tweet.fields": TWEET_FIELDS,
    }
    interval = client.policy.min_interval_s
    if interval is None:
        interval = MIN_INTERVAL_S[search.endpoint]
    while not state.done:
        wanted = PAGE_SIZE[search.endpoint]
        if search.max_tweets is not None:
            wanted = max(10, min(wanted, search.max_tweets - len(seen)))
        page_params = {**params, "max_results": str(wanted)}
        if state.next_token:
            page_params["next_token"] = state.next_token
        try:
            body = client.get_json(SEARCH_PATHS[search.endpoint], page_params, interval)
            tweets, next_token = page_contents(body)
        except DataError as exc:
            raise DataError(
                f"{exc}; {state.pages} pages are kept in {parts}: "
                "run the same command again to resume"
            ) from None
        table, out_of_range = page_table(tweets, seen, search.max_tweets, result.report)
        state.out_of_range += out_of_range
        state.pages += 1
        pq.write_table(table, parts / _page_name(state.pages))
        state.idle_pages = 0 if table.num_rows else state.idle_pages + 1
        if next_token is not None and state.idle_pages >= MAX_IDLE_PAGES:
            state.stopped = (
                f"stopped: {state.idle_pages} pages in a row brought no new tweet "
                f"(after page {state.pages}), so later pages were not asked for"
            )
            logger.warning(state.stopped)
            next_token = None
        elif next_token is not None and next_token in state.tokens:
            state.stopped = (
                f"stopped: the API sent page token {next_token[:40]!r} a second time "
                f"(after page {state.pages}; a loop), so later pages were not asked for"
            )
            logger.warning(state.stopped)
            next_token = None
        elif next_token is not None:
            state.tokens.append(next_token)
        state.next_token = next_token
        state.done = next_token is None or _full(search, seen)
        state.rows_read, state.dropped = result.report.rows_read, dict(result.report.dropped)
        _save_state(parts, state)
        result.pages = state.pages
        logger.info("page %d: %d new tweets, %d in all", state.pages, table.num_rows, len(seen))
    _join_pages(parts, state.pages, out)
    shutil.rmtree(parts)
    if state.out_of_range:
        result.report.notes.append(
            f"{state.out_of_range} author ids or public metrics beyond int64 read as missing"
        )
    if _full(search, seen):
        result.stopped = f"stopped at --max-tweets {search.max_tweets}"
    elif state.stopped:
        result.stopped = state.stopped
    return result


def _full(search: XSearch, seen: set[int]) -> bool:
    return search.max_tweets is not None and len(seen) >= search.max_tweets


def _identity(search: XSearch) -> dict[str, Any]:
    """What makes two searches the same collection (the base URL does not)."""
    return search.model_dump(mode="json", exclude={"api_url"})


@dataclass
class _State:
    """The checkpoint: the search, pages written, where the next page starts, counts, the
    page tokens already followed and why the collection stopped early."""

    search: dict[str, Any]
    end_time: str
    pages: int = 0
    next_token: str | None = None
    done: bool = False
    rows_read: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    version: int = STATE_VERSION
    tokens: list[str] = field(default_factory=list)
    out_of_range: int = 0
    stopped: str = ""
    idle_pages: int = 0


def _load_state(parts: Path, search: XSearch, out: Path) -> _State | None:
    path = parts / "state.json"
    if not path.is_file():
        if out.exists():
            raise UserInputError(
                f"--out {out} already exists; delete it or choose another file to collect again"
            )
        return None
    try:
        state = _State(**json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, TypeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: unreadable checkpoint ({exc}); delete {parts}") from None
    if state.version != STATE_VERSION or state.search != _identity(search):
        raise UserInputError(
            f"{parts} holds an unfinished collection of another search "
            f"(query {state.search.get('query')!r}); run that command again to finish it, "
            "or delete the folder"
        )
    return state


def _save_state(parts: Path, state: _State) -> None:
    atomic_write_text(parts / "state.json", json.dumps(state.__dict__, indent=1))


def _page_name(number: int) -> str:
    return f"page-{number:06d}.parquet"


def _seen_ids(parts: Path, pages: int) -> set[int]:
    seen: set[int] = set()
    for number in range(1, pages + 1):
        seen.update(pq.read_table(parts / _page_name(number), columns=["id"])["id"].to_pylist())
    return seen


def _join_pages(parts: Path, pages: int, out: Path) -> None:
    """Write every page, in order, to ``out`` atomically (one page in memory at a time)."""
    with atomic_path(out) as tmp, pq.ParquetWriter(tmp, SCHEMA) as writer:
        for table in _pages(parts, pages):
            writer.write_table(table)


def _pages(parts: Path, pages: int) -> Iterator[pa.Table]:
    for number in range(1, pages + 1):
        yield pq.read_table(parts / _page_name(number), schema=SCHEMA)


def _rfc3339(stamp: dt.datetime) -> str:
    return stamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
