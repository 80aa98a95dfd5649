from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pytest_httpserver import HTTPServer

from sentcast.data.x_api import (
    SCHEMA,
    RetryPolicy,
    XClient,
    XSearch,
    checkpoint_dir,
    collect,
    countdown,
    read_bearer_token,
)
from sentcast.errors import ConfigError, DataError, UserInputError
from tests.data.x_server import TOKEN, FakeX, tweet

UTC = dt.UTC
START, END = dt.datetime(2024, 5, 1, tzinfo=UTC), dt.datetime(2024, 5, 8, tzinfo=UTC)


def _search(url: str, **extra: object) -> XSearch:
    return XSearch.from_mapping(
        {"query": "bitcoin", "start": START, "end": END, "api_url": url, **extra}
    )


def _client(url: str) -> XClient:
    return XClient(url, TOKEN, RetryPolicy(backoff_s=0.01))


def test_pages_are_followed_and_deduplicated(httpserver: HTTPServer, tmp_path: Path) -> None:
    pages = [
        [tweet(1), tweet(2, referenced_tweets=[{"type": "quoted", "id": "9"}])],
        [tweet(2), tweet(3, referenced_tweets=[{"type": "replied_to", "id": "1001"}])],
        [
            tweet(
                4,
                referenced_tweets=[{"type": "retweeted", "id": "7"}, {"type": "quoted", "id": "8"}],
            )
        ],
    ]
    fake = FakeX(pages)
    url = fake.install(httpserver)
    out = tmp_path / "tweets.parquet"
    with _client(url) as client:
        result = collect(_search(url), out, client)
    assert result.pages == 3 and result.resumed_from == 0
    assert result.report.rows_read == 5 and dict(result.report.dropped) == {"duplicate id": 1}
    table = pq.read_table(out)
    assert table.schema.equals(SCHEMA)
    assert table["id"].to_pylist() == [1001, 1002, 1003, 1004]
    assert table["reference_type"].to_pylist() == [None, "quote", "reply", "retweet,quote"]
    assert table["created_at"].type.tz == "UTC"
    assert table["like_count"].to_pylist() == [2, 4, 6, 8]
    assert [r.get("next_token") for r in fake.requests] == [None, "t1", "t2"]
    first = fake.requests[0]
    assert first["query"] == "bitcoin" and first["max_results"] == "100"
    assert (
        first["start_time"] == "2024-05-01T00:00:00Z"
        and first["end_time"] == "2024-05-08T00:00:00Z"
    )
    assert set(first["tweet.fields"].split(",")) >= {
        "created_at",
        "public_metrics",
        "referenced_tweets",
    }
    assert fake.auth == {f"Bearer {TOKEN}"}
    assert not checkpoint_dir(out).exists()


def test_max_tweets_and_lang(httpserver: HTTPServer, tmp_path: Path) -> None:
    fake = FakeX([[tweet(i) for i in range(10)], [tweet(i) for i in range(10, 20)]])
    url = fake.install(httpserver)
    out = tmp_path / "tweets.parquet"
    with _client(url) as client:
        result = collect(_search(url, max_tweets=12, lang="en"), out, client)
    assert pq.read_table(out).num_rows == 12
    assert "max-tweets 12" in result.summary()
    assert [r["max_results"] for r in fake.requests] == ["12", "10"]  # the API's least is 10
    assert fake.requests[0]["query"] == "(bitcoin) lang:en"


def test_recent_search_end_is_cut_to_the_past(httpserver: HTTPServer, tmp_path: Path) -> None:
    fake = FakeX([[tweet(1)]])
    url = fake.install(httpserver)
    now = dt.datetime(2024, 5, 3, 12, 0, 0, tzinfo=UTC)
    with _client(url) as client:
        collect(_search(url), tmp_path / "t.parquet", client, now=lambda: now)
    assert fake.requests[0]["end_time"] == "2024-05-03T11:59:30Z"


def test_empty_result_writes_an_empty_file(httpserver: HTTPServer, tmp_path: Path) -> None:
    url = FakeX([[]]).install(httpserver)
    out = tmp_path / "tweets.parquet"
    with _client(url) as client:
        result = collect(_search(url), out, client)
    assert pq.read_table(out).num_rows == 0 and result.report.rows_read == 0


def test_search_validation() -> None:
    with pytest.raises(ConfigError, match="not after start"):
        _search("http://x", end=START)
    with pytest.raises(ConfigError, match="max_tweets"):
        _search("http://x", max_tweets=0)
    with pytest.raises(ConfigError, match="endpoint"):
        _search("http://x", endpoint="archive")


def test_bearer_token_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", " env-token \n")
    assert read_bearer_token() == "env-token"
    token_file = tmp_path / "token"
    token_file.write_text("file-token\n")
    assert read_bearer_token(token_file) == "file-token"
    monkeypatch.delenv("X_BEARER_TOKEN")
    with pytest.raises(UserInputError, match="X_BEARER_TOKEN"):
        read_bearer_token()
    token_file.write_text("")
    with pytest.raises(UserInputError, match="is empty"):
        read_bearer_token(token_file)


def test_full_archive_endpoint_and_resume_through_another_url(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    fake = FakeX([[tweet(1)], [tweet(2)]])
    fake.broken = {1}
    url = fake.install(httpserver, "/2/tweets/search/all")
    out = tmp_path / "t.parquet"
    policy = RetryPolicy(retries=0, min_interval_s=0.0)
    with XClient(url, TOKEN, policy) as client, pytest.raises(DataError, match="HTTP 503"):
        collect(_search(url, endpoint="all"), out, client)
    fake.broken = set()
    proxy = url.replace("localhost", "127.0.0.1")
    assert proxy != url
    with XClient(proxy, TOKEN, policy) as client:
        result = collect(_search(proxy, endpoint="all"), out, client)
    assert result.resumed_from == 1 and pq.read_table(out)["id"].to_pylist() == [1001, 1002]
    assert fake.requests[0]["max_results"] == "500"


def test_countdown_shows_whole_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTCAST_PROGRESS", "1")
    slept: list[float] = []
    countdown(2.5, "rate limited", slept.append)
    assert slept == [1.0, 1.0, 0.5]
