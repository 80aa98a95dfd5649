"""What the X collector writes for each tweet and page, and how it starts, ends and finishes a
collection whose last step was interrupted."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from sentcast.data import x_api, x_tweets
from sentcast.data.x_api import SCHEMA, RetryPolicy, XClient, XSearch, checkpoint_dir, collect
from sentcast.errors import DataError, UserInputError
from tests.data.x_server import RECENT, TOKEN, FakeX, tweet

UTC = dt.UTC
START, END = dt.datetime(2024, 5, 1, tzinfo=UTC), dt.datetime(2024, 5, 8, tzinfo=UTC)


def _search(url: str, **extra: object) -> XSearch:
    return XSearch.from_mapping(
        {"query": "bitcoin", "start": START, "end": END, "api_url": url, **extra}
    )


def _collect(url: str, out: Path, **extra: Any) -> x_api.CollectResult:
    now = extra.pop("now", None)
    with XClient(url, TOKEN, RetryPolicy(retries=0, backoff_s=0.01)) as client:
        if now is None:
            return collect(_search(url, **extra), out, client)
        return collect(_search(url, **extra), out, client, now=lambda: now)


def _reply(body: object) -> Response:
    return Response(json.dumps(body), content_type="application/json")


@pytest.mark.usefixtures("kolkata")
def test_every_column_of_a_tweet_row(httpserver: HTTPServer, tmp_path: Path) -> None:
    full = tweet(5, author_id="77", lang="de")
    odd = {
        "id": "2001",
        "text": "odd one",
        "created_at": "2024-05-02T12:30:00.123456+02:00",  # an offset, microseconds
        "author_id": True,  # not a number
        "lang": 5,
        "public_metrics": ["not", "a", "dict"],
        "referenced_tweets": [{"type": "mentioned"}, "junk", {"type": "quoted"}],
    }
    naive = {
        "id": 2002,
        "text": "no zone",
        "created_at": "2024-05-03T04:05:06",
        "author_id": "x9",
        "public_metrics": {"like_count": "3", "reply_count": None},
    }
    url = FakeX([[full, odd, naive]]).install(httpserver)
    out = tmp_path / "t.parquet"
    _collect(url, out)
    table = pq.read_table(out)
    assert table.schema.equals(SCHEMA)
    rows = table.to_pylist()
    assert rows[0] == {
        "id": 1005,
        "created_at": dt.datetime(2024, 5, 1, 5, 0, tzinfo=UTC),
        "text": "bitcoin tweet 5",
        "author_id": 77,
        "lang": "de",
        "retweet_count": 5,
        "reply_count": 1,
        "like_count": 10,
        "quote_count": 0,
        "impression_count": 10,
        "reference_type": None,
    }
    assert rows[1] == {
        "id": 2001,
        "created_at": dt.datetime(2024, 5, 2, 10, 30, 0, 123000, tzinfo=UTC),  # ms, in UTC
        "text": "odd one",
        "author_id": None,
        "lang": None,
        **dict.fromkeys(x_tweets.METRICS),
        "reference_type": "mentioned,quote",  # unknown kinds keep their own name
    }
    assert rows[2]["created_at"] == dt.datetime(2024, 5, 3, 4, 5, 6, tzinfo=UTC)  # taken as UTC
    assert rows[2]["author_id"] is None and rows[2]["lang"] is None
    assert rows[2]["like_count"] == 3 and rows[2]["reply_count"] is None


@pytest.mark.parametrize(
    "body",
    [["a", "list"], "a string", {"data": []}, {"meta": {}, "data": None}, {"meta": [], "data": []},
     {"meta": {}, "data": "x"}],
    ids=["list", "string", "no-meta", "data-null", "meta-not-dict", "data-not-list"],
)  # fmt: skip
def test_reply_that_is_not_a_search_page(
    httpserver: HTTPServer, tmp_path: Path, body: object
) -> None:
    fake = FakeX([[tweet(1)]])
    fake.faults = [_reply(body)]
    url = fake.install(httpserver)
    with pytest.raises(DataError) as caught:
        _collect(url, tmp_path / "t.parquet")
    assert str(caught.value).startswith(
        "the API reply is not a search page (no 'meta' or 'data' list); 0 pages are kept in "
    )


@pytest.mark.parametrize("token", ["", None], ids=["empty", "null"])
def test_an_empty_or_null_next_token_ends_the_collection(
    httpserver: HTTPServer, tmp_path: Path, token: object
) -> None:
    fake = FakeX([[tweet(9)], [tweet(10)]])
    fake.faults = [_reply({"meta": {"next_token": token}, "data": [tweet(1)]})]
    url = fake.install(httpserver)
    out = tmp_path / "t.parquet"
    result = _collect(url, out)
    assert len(fake.requests) == 1 and result.pages == 1
    assert pq.read_table(out)["id"].to_pylist() == [1001]


@pytest.mark.parametrize(
    "token",
    [5, True, ["a"], {"t": "a"}, "tok\nen", "tok\x00", "jeton-\u00e9", "tok en\u2028"],
    ids=["number", "bool", "list", "dict", "newline", "nul", "non-ascii", "line-separator"],
)
def test_a_next_token_that_is_not_printable_ascii_is_an_error(
    httpserver: HTTPServer, tmp_path: Path, token: object
) -> None:
    """Not followed, not taken as the last page: the collection stops, resumable."""
    fake = FakeX([[tweet(9)], [tweet(10)]])
    fake.faults = [_reply({"meta": {"next_token": token}, "data": [tweet(1)]})]
    url = fake.install(httpserver)
    out = tmp_path / "t.parquet"
    with pytest.raises(DataError) as caught:
        _collect(url, out)
    assert str(caught.value) == (
        "the API reply has a next_token that is not printable ASCII text; "
        f"0 pages are kept in {checkpoint_dir(out)}: run the same command again to resume"
    )
    assert len(fake.requests) == 1 and not out.exists()


def test_summary_line(httpserver: HTTPServer, tmp_path: Path) -> None:
    url = FakeX([[tweet(1), tweet(1)], [tweet(2)]]).install(httpserver)
    out = tmp_path / "t.parquet"
    result = _collect(url, out)
    assert result.summary() == (f"{out}: kept 2 of 3 rows; dropped 1 (duplicate id=1); 2 pages")


def test_start_must_be_before_the_cut_end(httpserver: HTTPServer, tmp_path: Path) -> None:
    """The end is cut to 30 s ago; a start at that instant leaves nothing to search."""
    fake = FakeX([[tweet(1)]])
    url = fake.install(httpserver)
    out = tmp_path / "t.parquet"
    with pytest.raises(UserInputError) as caught:
        _collect(url, out, now=START + dt.timedelta(seconds=30))
    assert str(caught.value) == "--start 2024-05-01 00:00 is not in the past"
    assert fake.requests == [] and not checkpoint_dir(out).exists()
    _collect(url, out, now=START + dt.timedelta(seconds=31))
    assert fake.requests[0]["end_time"] == "2024-05-01T00:00:01Z"


def test_output_in_a_new_folder_and_a_checkpoint_folder_left_empty(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    url = FakeX([[tweet(1)]]).install(httpserver)
    deep = tmp_path / "new" / "folder" / "t.parquet"
    _collect(url, deep)
    assert pq.read_table(deep)["id"].to_pylist() == [1001]
    out = tmp_path / "t.parquet"
    checkpoint_dir(out).mkdir()  # a run killed before its first state was written
    _collect(url, out)
    assert pq.read_table(out)["id"].to_pylist() == [1001]


def test_collection_killed_after_its_last_page_only_joins(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeX([[tweet(1), tweet(2)], [tweet(2), tweet(3)]])
    url = fake.install(httpserver)
    out = tmp_path / "t.parquet"

    def killed(*args: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(x_api, "_join_pages", killed)
        with pytest.raises(KeyboardInterrupt):
            _collect(url, out)
    fake.requests.clear()
    result = _collect(url, out)
    assert fake.requests == []
    assert result.pages == 2 and result.resumed_from == 2
    assert result.summary() == (
        f"{out}: kept 3 of 4 rows; dropped 1 (duplicate id=1); 2 pages (resumed after page 2)"
    )
    assert pq.read_table(out)["id"].to_pylist() == [1001, 1002, 1003]
    assert not checkpoint_dir(out).exists()


@pytest.mark.parametrize(
    ("endpoint", "min_interval_s", "spacing"),
    [("all", None, 1.0), ("all", 0.25, 0.25), ("recent", None, 0.0), ("recent", 0.5, 0.5)],
)
def test_requests_are_spaced_by_the_policy_else_the_endpoints_interval(
    httpserver: HTTPServer,
    tmp_path: Path,
    endpoint: str,
    min_interval_s: float | None,
    spacing: float,
) -> None:
    fake = FakeX([[tweet(1)], [tweet(2)], [tweet(3)]])
    url = fake.install(httpserver, x_api.SEARCH_PATHS[endpoint])
    slept: list[float] = []
    policy = RetryPolicy(retries=0, min_interval_s=min_interval_s)
    with XClient(url, TOKEN, policy, sleep=slept.append) as client:
        collect(_search(url, endpoint=endpoint), tmp_path / "t.parquet", client)
    assert len(fake.requests) == 3 and slept[0] == 0.0  # the first request waits for nothing
    assert slept[1:] == [pytest.approx(spacing, abs=0.2)] * 2  # less the time a page took


def test_each_page_is_logged_and_a_stop_says_how_to_resume(
    httpserver: HTTPServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="sentcast")
    fake = FakeX([[tweet(1), tweet(2)], [tweet(2), tweet(3)], [tweet(4)]])
    fake.broken = {2}
    url = fake.install(httpserver)
    out = tmp_path / "t.parquet"
    with pytest.raises(DataError) as caught:
        _collect(url, out)
    assert str(caught.value).endswith(
        f"; 2 pages are kept in {checkpoint_dir(out)}: run the same command again to resume"
    )
    pages = [r.getMessage() for r in caplog.records if r.getMessage().startswith("page ")]
    assert pages == ["page 1: 2 new tweets, 2 in all", "page 2: 1 new tweets, 3 in all"]


def test_numbers_beyond_int64_are_counted_over_every_page(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    huge = str(2**64)
    pages = [
        [{**tweet(1), "author_id": huge}, tweet(2, public_metrics={"like_count": 2**63})],
        [{**tweet(3), "author_id": huge}],
    ]
    FakeX(pages).install(httpserver)
    result = _collect(httpserver.url_for("/"), tmp_path / "t.parquet")
    assert "3 author ids or public metrics beyond int64 read as missing" in result.report.notes


def test_a_repeated_token_is_logged_and_named_by_its_first_40_characters(
    httpserver: HTTPServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    token = "A" * 40 + "B" * 20
    count = iter(range(100))

    def same_token(request: Any) -> Response:
        n = next(count)
        return _reply({"data": [tweet(2 * n), tweet(2 * n + 1)], "meta": {"next_token": token}})

    httpserver.expect_request(RECENT).respond_with_handler(same_token)
    caplog.set_level("WARNING", logger="sentcast")
    result = _collect(httpserver.url_for("/"), tmp_path / "t.parquet")
    expected = (
        f"stopped: the API sent page token {'A' * 40!r} a second time (after page 2; a loop), "
    )
    expected += "so later pages were not asked for"
    assert result.stopped == expected
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [expected]


def test_idle_pages_stop_with_a_warning(
    httpserver: HTTPServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(x_api, "MAX_IDLE_PAGES", 3)
    count = iter(range(100))

    def fresh_token(request: Any) -> Response:
        return _reply({"data": [tweet(0)], "meta": {"next_token": f"t{next(count)}"}})

    httpserver.expect_request(RECENT).respond_with_handler(fresh_token)
    caplog.set_level("WARNING", logger="sentcast")
    result = _collect(httpserver.url_for("/"), tmp_path / "t.parquet")
    assert result.stopped.startswith(
        "stopped: 3 pages in a row brought no new tweet (after page 4)"
    )
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [result.stopped]


def test_times_are_sent_in_utc_whatever_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        stamp = dt.datetime(2024, 5, 1, 2, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
        assert x_api._rfc3339(stamp) == "2024-05-01T00:30:00Z"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
