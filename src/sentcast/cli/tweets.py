"""``sentcast tweets``: collect tweets from the X API v2 into a file ``sentiment score`` reads."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import typer

from sentcast.cli.common import parse_date
from sentcast.data.x_api import DEFAULT_API_URL, TOKEN_ENV, XSearch, collect, read_bearer_token
from sentcast.data.x_client import MIN_BACKOFF_S, RetryPolicy, XClient
from sentcast.errors import UserInputError
from sentcast.files import FolderLock, check_outputs

MAX_BACKOFF_S = 60.0
app = typer.Typer(help="Tweets: collect from the X API v2 search endpoints.")


def utc_range(start: str | None, end: str | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``--start``/``--end`` as UTC instants (``None`` when not given), the end exclusive.

    A date alone (``YYYY-MM-DD``) given to ``--end`` includes that whole day; a date and time
    is taken as the exact (exclusive) end. Times without a zone are UTC.

    Raises
    ------
    UserInputError
        For a value that is not a date, or an end not after the start.
    """
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    begin = None if first is None else _utc(first)
    stop = None
    if last is not None:
        whole_day = dt.timedelta(days=1 if len(end or "") == 10 else 0)
        stop = _utc(last) + whole_day
    if begin is not None and stop is not None and stop <= begin:
        raise UserInputError(f"--end {end} is not after --start {start}")
    return begin, stop


def _utc(stamp: pd.Timestamp) -> dt.datetime:
    moment = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return moment.to_pydatetime()


@app.command("collect")
def collect_command(
    query: str = typer.Argument(..., help="X search query, e.g. 'bitcoin -is:retweet'."),
    start: str = typer.Option(..., help="First day or UTC time (YYYY-MM-DD[THH:MM:SS])."),
    end: str = typer.Option(
        ..., help="Last day, inclusive (YYYY-MM-DD), or an exact exclusive UTC time."
    ),
    out: Path = typer.Option(..., help="Tweet file to write (.parquet)."),
    endpoint: str = typer.Option("recent", help="recent (last 7 days) or all (full archive)."),
    max_tweets: int | None = typer.Option(None, help="Stop after this many distinct tweets."),
    lang: str | None = typer.Option(None, help="Only tweets in this language, e.g. en."),
    api_url: str = typer.Option(DEFAULT_API_URL, help="API base URL (a proxy, a test server)."),
    token_file: Path | None = typer.Option(
        None, help=f"File holding the bearer token (default: ${TOKEN_ENV})."
    ),
    retries: int = typer.Option(5, help="Retries of a request after 5xx, timeouts, bad JSON."),
    backoff: float = typer.Option(1.0, help="First wait between retries, seconds (doubles)."),
    rate_limit_retries: int = typer.Option(
        RetryPolicy.rate_limit_retries, help="Retries of a request after HTTP 429 (rate limited)."
    ),
    request_budget: float = typer.Option(
        RetryPolicy.max_total_s,
        help="Longest time spent on one request, every retry and wait included, seconds.",
    ),
) -> None:
    """Collect tweets matching QUERY with the X API v2 search into --out (Parquet).

    Columns: id, created_at (UTC), text, author_id, lang, the public metrics and
    reference_type (retweet/reply/quote). Every page is checkpointed: a killed collection
    resumes when the same command is run again. A request is retried at most --retries times
    after server errors and --rate-limit-retries times after HTTP 429, and never for longer
    than --request-budget seconds in all. Score the result with
    `sentcast sentiment score OUT --layout x-api`.
    """
    if out.suffix != ".parquet":
        raise UserInputError(f"--out must end in .parquet, got {out.name}")
    if retries < 0 or not MIN_BACKOFF_S <= backoff <= MAX_BACKOFF_S:
        raise UserInputError(
            f"--retries must be >= 0 and --backoff between {MIN_BACKOFF_S} and {MAX_BACKOFF_S} s"
        )
    if rate_limit_retries < 0:
        raise UserInputError(f"--rate-limit-retries must be >= 0, got {rate_limit_retries}")
    if not 0 < request_budget < math.inf:
        raise UserInputError(f"--request-budget must be > 0 seconds, got {request_budget}")
    first, stop = utc_range(start, end)
    search = XSearch.from_mapping(
        {
            "query": query,
            "start": first,
            "end": stop,
            "endpoint": endpoint,
            "max_tweets": max_tweets,
            "lang": lang,
            "api_url": api_url.rstrip("/"),
        }
    )
    check_outputs([], {"--out": out})
    token = read_bearer_token(token_file)
    policy = RetryPolicy(
        retries=retries,
        backoff_s=backoff,
        max_backoff_s=MAX_BACKOFF_S,
        rate_limit_retries=rate_limit_retries,
        max_total_s=request_budget,
    )
    with FolderLock(out, is_folder=False), XClient(search.api_url, token, policy) as client:
        result = collect(search, out, client)
    typer.echo(result.summary())
    typer.echo(f"wrote {out} ({result.report.rows_kept} tweets)")
