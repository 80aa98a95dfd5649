"""The rows of one X API search page: ids at the ends of the int64 range."""

from __future__ import annotations

import pytest

from sentcast.data.report import DropReport
from sentcast.data.x_tweets import (
    ID_OUT_OF_RANGE,
    INT64_MAX,
    MAX_TOKEN_CHARS,
    _id_number,
    page_contents,
    page_table,
)
from sentcast.errors import DataError


def _tweet(ident: object) -> dict[str, object]:
    return {"id": ident, "text": "btc", "created_at": "2024-05-01T00:00:00.000Z"}


@pytest.mark.parametrize(
    ("ident", "kept"),
    [("0", True), (str(INT64_MAX), True), (INT64_MAX, True), ("1", True),
     (str(INT64_MAX + 1), False), (-1, False)],
)  # fmt: skip
def test_ids_from_zero_to_int64_max_are_kept(ident: object, kept: bool) -> None:
    report = DropReport("page")
    table, _ = page_table([_tweet(ident)], set(), None, report)
    assert table.num_rows == int(kept)
    assert report.rows_read == 1
    if kept:
        assert table.column("id").to_pylist() == [int(str(ident))]
    else:
        assert dict(report.dropped) == {ID_OUT_OF_RANGE: 1}


@pytest.mark.parametrize(("length", "ok"), [(MAX_TOKEN_CHARS, True), (MAX_TOKEN_CHARS + 1, False)])
def test_next_token_length_limit(length: int, ok: bool) -> None:
    body = {"data": [], "meta": {"next_token": "t" * length}}
    if ok:
        assert page_contents(body) == ([], "t" * length)
    else:
        with pytest.raises(
            DataError, match=f"^the API reply has a next_token of {length:,} characters$"
        ):
            page_contents(body)


def test_numbers_beyond_int64_are_counted_over_the_page() -> None:
    """Author ids and metrics up to int64's maximum are kept; each beyond it is read as missing
    and counted, over all the page's tweets."""
    tweets = [
        {**_tweet(1), "author_id": str(INT64_MAX), "public_metrics": {"like_count": INT64_MAX + 1}},
        {**_tweet(2), "author_id": str(INT64_MAX + 1), "public_metrics": {"like_count": 3}},
        {
            **_tweet(3),
            "author_id": "7",
            "public_metrics": {"like_count": INT64_MAX + 5, "retweet_count": -1},
        },
    ]
    table, out_of_range = page_table(tweets, set(), None, DropReport("page"))
    assert out_of_range == 4
    assert table.column("author_id").to_pylist() == [INT64_MAX, None, 7]
    assert table.column("like_count").to_pylist() == [None, 3, None]


@pytest.mark.parametrize(
    ("ident", "number"),
    [("+12", 12), (" 12 ", 12), ("1" * 40, int("1" * 40)), ("1" * 41, None), ("12+", None),
     ("X12", None), ("\u0661\u0662", None), ("-", None), ("1e3", None), (1.0, None), (True, None)],
)  # fmt: skip
def test_id_numbers_from_strings(ident: object, number: int | None) -> None:
    assert _id_number(ident) == number
