"""Collect tweets from the X API v2 search endpoints into a Parquet file, resumably.

The client is ``httpx`` rather than tweepy's ``Client``: tweepy v4 hard-codes the API host
(no base URL for proxies or a local test server), logs the request headers, bearer token
included, at debug level, sleeps through a rate limit without showing how long, and does not
retry server errors or timeouts. Here:

* ``GET /2/tweets/search/recent`` (last 7 days) or ``/2/tweets/search/all`` (full archive),
  following ``meta.next_token`` page by page;
* HTTP 429: wait until ``x-rate-limit-reset`` with a countdown on stderr, then retry;
* 5xx, timeouts, dropped connections and malformed JSON: retry with exponential backoff;
* other 4xx: a one-line error with the API's own explanation (never the token);
* after every page, the page's new tweets go to their own Parquet file in a checkpoint folder
  beside the output and the state (next token, counts) is rewritten atomically, so a killed
  collection resumes where it stopped; tweets are de-duplicated by id;
* at the end the pages are joined into the output (atomically) and the checkpoint removed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import Field, model_validator

from sentcast.config.base import FrozenModel
from sentcast.data.report import DropReport
from sentcast.errors import DataError, UserInputError
from sentcast.files import atomic_path, atomic_write_text
from sentcast.progress import logger, progress_enabled, stderr_console

DEFAULT_API_URL = "https://api.x.com"
TOKEN_ENV = "X_BEARER_TOKEN"
SEARCH_PATHS = {"recent": "/2/tweets/search/recent", "all": "/2/tweets/search/all"}
PAGE_SIZE = {"recent": 100, "all": 500}
"""Most results per request (``max_results``) each endpoint allows; the least is 10."""
MIN_INTERVAL_S = {"recent": 0.0, "all": 1.0}
"""Full-archive search also allows at most one request per second."""
TWEET_FIELDS = "created_at,author_id,lang,public_metrics,referenced_tweets"
METRICS = ("retweet_count", "reply_count", "like_count", "quote_count", "impression_count")
REFERENCE_TYPES = {"retweeted": "retweet", "replied_to": "reply", "quoted": "quote"}
STATE_VERSION = 1

SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("created_at", pa.timestamp("ms", tz="UTC")),
        ("text", pa.string()),
        ("author_id", pa.int64()),
        ("lang", pa.string()),
        *[(name, pa.int64()) for name in METRICS],
        ("reference_type", pa.string()),
    ]
)
"""Columns of a collected tweet file (``reference_type``: retweet, reply, quote, comma-joined
when a tweet has several references; null for an original tweet)."""


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


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before giving up.

    Attributes
    ----------
    retries : int
        Retries of one request after a server error, timeout or malformed reply.
    backoff_s, max_backoff_s : float
        First wait between retries (doubled each time) and its ceiling.
    timeout_s : float
        Connect/read timeout of one request.
    max_wait_s : float
        Longest rate-limit wait accepted; a later reset (a monthly usage cap, say) stops the
        collection so it can be resumed later.
    min_interval_s : float or None
        Least time between two requests (default: the endpoint's, 1 s for full archive).
    """

    retries: int = 5
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    timeout_s: float = 30.0
    max_wait_s: float = 3600.0
    min_interval_s: float | None = None


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


class XClient:
    """GET requests to the X API with rate-limit waits and retries.

    Parameters
    ----------
    api_url : str
        Base URL, e.g. ``https://api.x.com``.
    token : str
        Bearer token (sent in the ``Authorization`` header only).
    policy : RetryPolicy
        Retries, backoff and timeouts.
    sleep : callable
        ``time.sleep`` (replaceable in tests).
    """

    def __init__(
        self,
        api_url: str,
        token: str,
        policy: RetryPolicy,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.policy = policy
        self._sleep = sleep
        self._last = -math.inf
        self._http = httpx.Client(
            base_url=api_url,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "sentcast"},
            timeout=policy.timeout_s,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> XClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_json(self, path: str, params: Mapping[str, str], min_interval_s: float) -> Any:
        """``GET path`` and the decoded JSON body, after any rate-limit waits and retries.

        Raises
        ------
        UserInputError
            For 4xx replies other than 429 (bad query, token or access level).
        DataError
            When retries are exhausted or a rate limit resets later than ``max_wait_s``.
        """
        failures = 0
        while True:
            self._sleep(max(0.0, self._last + min_interval_s - time.monotonic()))
            self._last = time.monotonic()
            try:
                response = self._http.get(path, params=params)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                problem = f"{type(exc).__name__} ({exc})"
            else:
                if response.status_code == 429 and self._wait_for_reset(response):
                    continue
                if 400 <= response.status_code < 500 and response.status_code != 429:
                    raise UserInputError(
                        f"X API refused {path} (HTTP {response.status_code}): "
                        f"{_api_problem(response)}"
                    )
                problem = f"HTTP {response.status_code} {response.reason_phrase}"
                if response.status_code < 400:
                    try:
                        return response.json()
                    except (json.JSONDecodeError, UnicodeDecodeError):
                        problem = f"malformed JSON in an HTTP {response.status_code} reply"
            failures += 1
            if failures > self.policy.retries:
                raise DataError(f"{path}: {problem}; gave up after {failures} tries")
            wait = min(self.policy.backoff_s * 2 ** (failures - 1), self.policy.max_backoff_s)
            logger.warning("%s: %s; retry %d in %.1f s", path, problem, failures, wait)
            self._sleep(wait)

    def _wait_for_reset(self, response: httpx.Response) -> bool:
        """Wait until ``x-rate-limit-reset``; ``False`` when the header is missing or bad."""
        try:
            reset = float(response.headers.get("x-rate-limit-reset", ""))
        except ValueError:
            return False
        if not math.isfinite(reset):
            return False
        wait = max(0.0, reset - time.time())
        if wait > self.policy.max_wait_s:
            at = dt.datetime.fromtimestamp(reset, dt.UTC)
            raise DataError(
                f"rate limited until {at:%Y-%m-%d %H:%M} UTC ({wait / 60:.0f} min; a usage cap?)"
            )
        countdown(wait, "rate limited (HTTP 429)", self._sleep)
        return True


def countdown(seconds: float, why: str, sleep: Callable[[float], None] = time.sleep) -> None:
    """Sleep ``seconds``: one log line, then the time left counting down on a terminal."""
    until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    logger.warning("%s: waiting %.0f s, until %s UTC", why, seconds, f"{until:%H:%M:%S}")
    if not progress_enabled():
        sleep(seconds)
        return
    left = seconds
    with stderr_console.status("") as status:
        while left > 0:
            status.update(f"{why}: resuming in {math.ceil(left)} s")
            step = min(1.0, left)
            sleep(step)
            left -= step


def _api_problem(response: httpx.Response) -> str:
    """The API's explanation of an error reply (``detail``/``title`` or ``errors[0]``)."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.reason_phrase
    if isinstance(body, dict):
        errors = body.get("errors")
        first = errors[0] if isinstance(errors, list) and errors else {}
        for source in (body, first if isinstance(first, dict) else {}):
            for key in ("detail", "message", "title"):
                if isinstance(source.get(key), str):
                    return " ".join(source[key].split())
    return response.reason_phrase


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
            tweets, next_token = _page_contents(body)
        except DataError as exc:
            raise DataError(
                f"{exc}; {state.pages} pages are kept in {parts}: "
                "run the same command again to resume"
            ) from None
        table = _page_table(tweets, seen, search.max_tweets, result.report)
        state.pages += 1
        pq.write_table(table, parts / _page_name(state.pages))
        state.next_token = next_token
        state.done = next_token is None or _full(search, seen)
        state.rows_read, state.dropped = result.report.rows_read, dict(result.report.dropped)
        _save_state(parts, state)
        result.pages = state.pages
        logger.info("page %d: %d new tweets, %d in all", state.pages, table.num_rows, len(seen))
    _join_pages(parts, state.pages, out)
    shutil.rmtree(parts)
    if _full(search, seen):
        result.stopped = f"stopped at --max-tweets {search.max_tweets}"
    return result


def _full(search: XSearch, seen: set[int]) -> bool:
    return search.max_tweets is not None and len(seen) >= search.max_tweets


def _identity(search: XSearch) -> dict[str, Any]:
    """What makes two searches the same collection (the base URL does not)."""
    return search.model_dump(mode="json", exclude={"api_url"})


@dataclass
class _State:
    """The checkpoint: the search, pages written, where the next page starts, counts."""

    search: dict[str, Any]
    end_time: str
    pages: int = 0
    next_token: str | None = None
    done: bool = False
    rows_read: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    version: int = STATE_VERSION


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


def _page_contents(body: Any) -> tuple[list[Any], str | None]:
    """The tweets and next token of a search reply; ``DataError`` if it is not one."""
    meta = body.get("meta") if isinstance(body, dict) else None
    data = body.get("data", []) if isinstance(body, dict) else None
    if not isinstance(meta, dict) or not isinstance(data, list):
        raise DataError("the API reply is not a search page (no 'meta' or 'data' list)")
    token = meta.get("next_token")
    return data, token if isinstance(token, str) and token else None


def _page_table(
    tweets: list[Any], seen: set[int], max_tweets: int | None, report: DropReport
) -> pa.Table:
    """New tweets of one page as a :data:`SCHEMA` table; drops counted in ``report``."""
    rows: list[dict[str, Any]] = []
    for tweet in tweets:
        if max_tweets is not None and len(seen) >= max_tweets:
            break
        report.rows_read += 1
        row = _tweet_row(tweet)
        if row is None:
            report.drop("malformed tweet (no id, text or created_at)")
        elif row["id"] in seen:
            report.drop("duplicate id")
        else:
            seen.add(row["id"])
            rows.append(row)
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def _tweet_row(tweet: Any) -> dict[str, Any] | None:
    if not isinstance(tweet, dict) or not isinstance(tweet.get("text"), str):
        return None
    try:
        tweet_id = int(tweet["id"])
        created = dt.datetime.fromisoformat(str(tweet["created_at"]).replace("Z", "+00:00"))
    except (KeyError, TypeError, ValueError):
        return None
    if created.utcoffset() is None:
        created = created.replace(tzinfo=dt.UTC)
    metrics = tweet.get("public_metrics")
    metrics = metrics if isinstance(metrics, dict) else {}
    refs = tweet.get("referenced_tweets")
    kinds = [
        REFERENCE_TYPES.get(str(ref.get("type")), str(ref.get("type")))
        for ref in (refs if isinstance(refs, list) else [])
        if isinstance(ref, dict)
    ]
    return {
        "id": tweet_id,
        "created_at": created.astimezone(dt.UTC),
        "text": tweet["text"],
        "author_id": _int_or_none(tweet.get("author_id")),
        "lang": tweet.get("lang") if isinstance(tweet.get("lang"), str) else None,
        **{name: _int_or_none(metrics.get(name)) for name in METRICS},
        "reference_type": ",".join(kinds) or None,
    }


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


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
