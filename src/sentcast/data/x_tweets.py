"""One page of X API v2 search results as rows of a tweet table, nothing lost silently.

Numbers from the API (ids, author ids, public metrics) are JSON integers or strings of any
size; they are read as Python integers and checked against int64 before any typed column: a
tweet whose id is beyond it is dropped (``id beyond int64``), another number beyond it is
read as missing and counted. Texts with lone surrogates (which JSON allows and UTF-8 cannot
hold) get U+FFFD in their place.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from sentcast.data.report import DropReport
from sentcast.data.text_files import without_surrogates
from sentcast.errors import DataError

METRICS = ("retweet_count", "reply_count", "like_count", "quote_count", "impression_count")
REFERENCE_TYPES = {"retweeted": "retweet", "replied_to": "reply", "quoted": "quote"}
INT64_MAX = 2**63 - 1
MALFORMED_TWEET = "malformed tweet (no id, text or created_at)"
ID_OUT_OF_RANGE = "id beyond int64"

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
MAX_TOKEN_CHARS = 1024


def page_contents(body: Any) -> tuple[list[Any], str | None]:
    """The tweets and next token of a search reply; ``DataError`` if it is not one."""
    meta = body.get("meta") if isinstance(body, dict) else None
    data = body.get("data", []) if isinstance(body, dict) else None
    if not isinstance(meta, dict) or not isinstance(data, list):
        raise DataError("the API reply is not a search page (no 'meta' or 'data' list)")
    token = meta.get("next_token")
    if token is not None and not (
        isinstance(token, str) and token.isascii() and token.isprintable()
    ):
        raise DataError("the API reply has a next_token that is not printable ASCII text")
    if token is not None and len(token) > MAX_TOKEN_CHARS:
        raise DataError(f"the API reply has a next_token of {len(token):,} characters")
    return data, token or None


def page_table(
    tweets: list[Any], seen: set[int], max_tweets: int | None, report: DropReport
) -> tuple[pa.Table, int]:
    """New tweets of one page as a :data:`SCHEMA` table, and how many author ids or metrics
    beyond int64 it read as missing; drops are counted in ``report``, kept ids added to
    ``seen``."""
    rows: list[dict[str, Any]] = []
    out_of_range = 0
    for tweet in tweets:
        if max_tweets is not None and len(seen) >= max_tweets:
            break
        report.rows_read += 1
        row = _tweet_row(tweet)
        if isinstance(row, str):
            report.drop(row)
        elif row["id"] in seen:
            report.drop("duplicate id")
        else:
            seen.add(row["id"])
            out_of_range += row.pop("_out_of_range")
            rows.append(row)
    return pa.Table.from_pylist(rows, schema=SCHEMA), out_of_range


def _tweet_row(tweet: Any) -> dict[str, Any] | str:
    """The output row of one tweet, or the reason it is dropped."""
    if not isinstance(tweet, dict) or not isinstance(tweet.get("text"), str):
        return MALFORMED_TWEET
    tweet_id = _id_number(tweet.get("id"))
    if tweet_id is None:
        return MALFORMED_TWEET
    if not 0 <= tweet_id <= INT64_MAX:
        return ID_OUT_OF_RANGE
    try:
        created = dt.datetime.fromisoformat(str(tweet["created_at"]).replace("Z", "+00:00"))
        if created.utcoffset() is None:
            created = created.replace(tzinfo=dt.UTC)
        created = created.astimezone(dt.UTC)
    except (KeyError, TypeError, ValueError, OverflowError):
        return MALFORMED_TWEET
    metrics = tweet.get("public_metrics")
    metrics = metrics if isinstance(metrics, dict) else {}
    refs = tweet.get("referenced_tweets")
    kinds = [
        REFERENCE_TYPES.get(str(ref.get("type")), str(ref.get("type")))
        for ref in (refs if isinstance(refs, list) else [])
        if isinstance(ref, dict)
    ]
    numbers = {
        "author_id": _id_number(tweet.get("author_id")),
        **{name: _id_number(metrics.get(name)) for name in METRICS},
    }
    out_of_range = sum(1 for v in numbers.values() if v is not None and not 0 <= v <= INT64_MAX)
    lang = tweet.get("lang")
    return {
        "id": tweet_id,
        "created_at": created,
        "text": without_surrogates(tweet["text"]),
        **{k: v if v is not None and 0 <= v <= INT64_MAX else None for k, v in numbers.items()},
        "lang": without_surrogates(lang) if isinstance(lang, str) else None,
        "reference_type": without_surrogates(",".join(kinds)) or None,
        "_out_of_range": out_of_range,
    }


def _id_number(value: Any) -> int | None:
    """A whole number from a JSON int or a string of digits (any size); ``None`` otherwise.

    Floats and booleans are not numbers here (an id ``1e18`` or ``true`` is malformed), and a
    string is read only when it is at most 40 characters (no quadratic ``int`` of a huge one).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and len(value) <= 40 and value.strip().lstrip("+-").isdigit():
        return int(value.strip()) if value.strip().isascii() else None
    return None
