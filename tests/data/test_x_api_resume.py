"""The collector's promise: a collection that stops part-way resumes where it stopped, and
nothing is duplicated, even when the API serves again tweets of any page already saved.

Each test stops a collection with a server error after some pages, then resumes it against a
server whose later pages repeat tweets of every saved page (the last one above all: the
page written just before the failure), mixed with new ones.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from pytest_httpserver import HTTPServer

from sentcast.data.x_api import (
    RetryPolicy,
    XClient,
    XSearch,
    checkpoint_dir,
    collect,
)
from sentcast.errors import DataError, UserInputError
from tests.data.x_server import TOKEN, FakeX, tweet

UTC = dt.UTC
PER_PAGE = 3


def _search(url: str, **extra: object) -> XSearch:
    return XSearch.from_mapping(
        {
            "query": "bitcoin",
            "start": dt.datetime(2024, 5, 1, tzinfo=UTC),
            "end": dt.datetime(2024, 5, 8, tzinfo=UTC),
            "api_url": url,
            **extra,
        }
    )


def _collect(url: str, out: Path, **extra: object) -> Any:
    with XClient(url, TOKEN, RetryPolicy(retries=0, backoff_s=0.01)) as client:
        return collect(_search(url, **extra), out, client)


def _stops_at(fake: FakeX, url: str, out: Path, page: int, **extra: object) -> None:
    """Collect until page ``page`` (0-based) fails; the earlier pages stay in the checkpoint."""
    fake.broken = {page}
    with pytest.raises(DataError, match="run the same command again to resume"):
        _collect(url, out, **extra)
    fake.broken = set()
    assert not out.exists() and checkpoint_dir(out).is_dir()


def _ids(path: Path) -> list[int]:
    return pq.read_table(path, columns=["id"])["id"].to_pylist()


def _first_pages(n: int) -> list[list[dict[str, Any]]]:
    """``n`` pages of :data:`PER_PAGE` new tweets each: numbers 0, 1, 2, then 3, 4, 5, ..."""
    return [[tweet(PER_PAGE * p + i) for i in range(PER_PAGE)] for p in range(n)]


@pytest.mark.parametrize("saved", [1, 2, 3])
def test_resumed_run_drops_tweets_of_every_saved_page(
    httpserver: HTTPServer, tmp_path: Path, saved: int
) -> None:
    """After ``saved`` pages, the resumed pages repeat a tweet of each saved page, the last
    saved page first and last (its first and last tweet), between new tweets."""
    new = PER_PAGE * saved
    last = saved - 1
    repeats = [tweet(PER_PAGE * last + PER_PAGE - 1)] + [
        tweet(PER_PAGE * p + 1) for p in range(saved)
    ]
    pages = [
        *_first_pages(saved),
        [tweet(new), *repeats, tweet(new + 1)],
        [tweet(PER_PAGE * last), tweet(new + 2), tweet(new)],
    ]
    fake = FakeX(pages)
    url = fake.install(httpserver)
    out = tmp_path / "t.parquet"
    _stops_at(fake, url, out, saved)
    fake.requests.clear()
    result = _collect(url, out)
    assert result.resumed_from == saved and result.pages == saved + 2
    assert [r.get("next_token") for r in fake.requests] == [f"t{saved}", f"t{saved + 1}"]
    assert _ids(out) == [1000 + n for n in range(new + 3)]  # each tweet once, in page order
    duplicates = len(repeats) + 2  # the repeats, a tweet of the last saved page, tweet(new)
    assert dict(result.report.dropped) == {"duplicate id": duplicates}
    assert result.report.rows_read == new + 3 + duplicates  # counts of the first run kept
    assert f"kept {new + 3} of {new + 3 + duplicates}" in result.summary()
    assert not checkpoint_dir(out).exists()


def test_twice_resumed_run_remembers_the_pages_of_both_earlier_runs(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    pages = [
        *_first_pages(2),
        [tweet(5), tweet(6), tweet(2)],  # page 3: repeats of pages 2 and 1, a new tweet
        [tweet(7), tweet(8)],  # page 4 (the second stop is on page 5)
        [tweet(8), tweet(6), tweet(4), tweet(0), tweet(9)],  # repeats of pages 4, 3, 2, 1
    ]
    fake = FakeX(pages)
    url = fake.install(httpserver)
    out = tmp_path / "t.parquet"
    _stops_at(fake, url, out, 2)
    _stops_at(fake, url, out, 4)
    fake.requests.clear()
    result = _collect(url, out)
    assert result.resumed_from == 4 and result.pages == 5
    assert [r.get("next_token") for r in fake.requests] == ["t4"]
    assert _ids(out) == [1000 + n for n in range(10)]
    assert dict(result.report.dropped) == {"duplicate id": 6}  # 2 in the first resumed run
    assert result.report.rows_read == 16


def test_max_tweets_counts_the_tweets_saved_before_the_stop(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    """``--max-tweets 7`` after two saved pages (six tweets): one more tweet is wanted, and a
    repeat of the last saved page is not it."""
    pages = [*_first_pages(2), [tweet(5), tweet(3), tweet(6), tweet(7)], [tweet(8)]]
    fake = FakeX(pages)
    url = fake.install(httpserver)
    out = tmp_path / "t.parquet"
    _stops_at(fake, url, out, 2, max_tweets=7)
    fake.requests.clear()
    result = _collect(url, out, max_tweets=7)
    assert [r["max_results"] for r in fake.requests] == ["10"]  # 7 - 6 = 1, the API's least 10
    assert _ids(out) == [1000 + n for n in range(7)]
    assert dict(result.report.dropped) == {"duplicate id": 2}
    assert result.report.rows_read == 9
    assert result.stopped == "stopped at --max-tweets 7"


def test_what_is_not_resumed_is_refused_with_a_reason(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    fake = FakeX([[tweet(1)], [tweet(2)]])
    url = fake.install(httpserver)
    out = tmp_path / "t.parquet"
    parts = checkpoint_dir(out)
    out.write_bytes(b"")
    with pytest.raises(UserInputError) as caught:
        _collect(url, out)
    assert str(caught.value) == (
        f"--out {out} already exists; delete it or choose another file to collect again"
    )
    out.unlink()
    _stops_at(fake, url, out, 1)
    state = json.loads((parts / "state.json").read_text(encoding="utf-8"))
    with pytest.raises(UserInputError) as caught:
        _collect(url, out, lang="de")
    assert str(caught.value) == (
        f"{parts} holds an unfinished collection of another search (query 'bitcoin'); "
        "run that command again to finish it, or delete the folder"
    )
    (parts / "state.json").write_text(json.dumps({**state, "version": 2}), encoding="utf-8")
    with pytest.raises(UserInputError, match="holds an unfinished collection"):
        _collect(url, out)
    (parts / "state.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        _collect(url, out)
    assert str(caught.value).startswith(f"{parts / 'state.json'}: unreadable checkpoint (")
    assert str(caught.value).endswith(f"); delete {parts}")
