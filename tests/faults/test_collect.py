"""Hostile cases of `sentcast tweets collect` and `sentcast reddit read`, one test each."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sentcast.data.x_api import RetryPolicy, XClient, XSearch, checkpoint_dir, collect
from sentcast.errors import DataError
from tests.data.reddit_files import comment, zst
from tests.data.x_server import TOKEN, FakeX, collect_args, error_reply, tweet

PAGES = [[tweet(3 * p + i) for i in range(3)] for p in range(4)]
ALL_IDS = [1000 + n for n in range(12)]


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)


def _ids(path: Path) -> list[int]:
    return pq.read_table(path, columns=["id"])["id"].to_pylist()


def _resumes_after_page_2(cli, fake: FakeX, url: str, out: Path) -> None:  # type: ignore[no-untyped-def]
    """Run the collection again: it asks only for pages 3 and 4 and ends with every tweet once."""
    fake.requests.clear()
    code, stdout, err = cli(*collect_args(url, str(out)))
    assert code == 0, err
    assert "resumed after page 2" in stdout
    assert [r.get("next_token") for r in fake.requests] == ["t2", "t3"]
    assert _ids(out) == ALL_IDS
    assert not checkpoint_dir(out).exists()


def test_rate_limit_waits_until_the_reset_header(
    cli, httpserver: HTTPServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fake = FakeX(PAGES)
    reset = int(time.time()) + 2
    fake.faults = [
        error_reply(429, '{"title": "Too Many Requests"}', **{"x-rate-limit-reset": str(reset)})
    ]
    out = tmp_path / "t.parquet"
    began = time.time()
    code, _, err = cli(*collect_args(fake.install(httpserver), str(out)))
    assert code == 0, err
    assert time.time() >= reset - 1 and time.time() - began < 10
    assert "rate limited (HTTP 429): waiting" in err
    assert _ids(out) == ALL_IDS and len(fake.requests) == 5


def test_rate_limit_reset_far_away_stops_for_a_later_resume(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    fake = FakeX(PAGES)
    url = fake.install(httpserver)
    fake.faults = [error_reply(429, **{"x-rate-limit-reset": str(int(time.time()) + 7200)})]
    search = XSearch.from_mapping(
        {"query": "bitcoin", "start": dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
         "end": dt.datetime(2024, 5, 8, tzinfo=dt.UTC), "api_url": url}
    )  # fmt: skip
    out = tmp_path / "t.parquet"
    with XClient(url, TOKEN, RetryPolicy()) as client, pytest.raises(DataError, match="resume"):
        collect(search, out, client)
    with XClient(url, TOKEN, RetryPolicy()) as client:
        collect(search, out, client)
    assert _ids(out) == ALL_IDS


@pytest.mark.parametrize(
    "faults",
    [
        pytest.param(lambda: [error_reply(429)], id="429-without-reset-header"),
        pytest.param(lambda: [error_reply(503), error_reply(502)], id="5xx"),
        pytest.param(lambda: [error_reply(200, '{"data": [{"id": "1"')], id="malformed-json"),
    ],
)
def test_transient_fault_is_retried(cli, httpserver: HTTPServer, tmp_path: Path, faults) -> None:  # type: ignore[no-untyped-def]
    fake = FakeX(PAGES)
    fake.faults = faults()
    out = tmp_path / "t.parquet"
    code, _, err = cli(*collect_args(fake.install(httpserver), str(out)))
    assert code == 0, err
    assert _ids(out) == ALL_IDS and len(fake.requests) == 4 + len(faults())


def test_persistent_server_error_keeps_the_pages_done(
    cli, httpserver: HTTPServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fake = FakeX(PAGES)
    fake.broken = {2}
    url = fake.install(httpserver)
    out = tmp_path / "t.parquet"
    code, _, err = cli(*collect_args(url, str(out), "--retries", "2"))
    assert code == 1 and not out.exists()
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "HTTP 503" in errors[0] and "gave up after 3 tries" in errors[0]
    assert "run the same command again to resume" in errors[0]
    fake.broken = set()
    _resumes_after_page_2(cli, fake, url, out)


def test_persistent_malformed_json_is_a_data_error(
    cli, httpserver: HTTPServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fake = FakeX(PAGES)
    fake.faults = [error_reply(200, "<html>proxy error</html>") for _ in range(3)]
    code, _, err = cli(
        *collect_args(fake.install(httpserver), str(tmp_path / "t.parquet"), "--retries", "2")
    )
    assert code == 1 and "malformed JSON" in err


def test_reply_that_is_not_a_search_page(cli, httpserver: HTTPServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fake = FakeX(PAGES)
    fake.faults = [Response(json.dumps({"data": "oops"}), content_type="application/json")]
    code, _, err = cli(*collect_args(fake.install(httpserver), str(tmp_path / "t.parquet")))
    assert code == 1 and "not a search page" in err


def test_malformed_tweets_are_counted(cli, httpserver: HTTPServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = [tweet(1), {"id": "x", "text": "no number"}, {"id": "5", "text": "t"}, "junk", tweet(2)]
    out = tmp_path / "t.parquet"
    code, stdout, err = cli(*collect_args(FakeX([page]).install(httpserver), str(out)))
    assert code == 0, err
    assert "kept 2 of 5" in stdout and "malformed tweet (no id, text or created_at)=3" in stdout
    assert _ids(out) == [1001, 1002]


def test_refused_token_is_one_line_without_the_token(
    cli, httpserver: HTTPServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fake = FakeX(PAGES)
    body = {"title": "Unauthorized", "detail": "Unauthorized", "status": 401}
    fake.faults = [Response(json.dumps(body), status=401, content_type="application/json")]
    code, stdout, err = cli(*collect_args(fake.install(httpserver), str(tmp_path / "t.parquet")))
    assert code == 2 and "HTTP 401" in err and "Unauthorized" in err
    assert TOKEN not in stdout + err and len(fake.requests) == 1


def test_timeout_is_retried(httpserver: HTTPServer, tmp_path: Path) -> None:
    fake = FakeX(PAGES[:1])
    calls: list[float] = []

    def slow_once(request: Request) -> Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            time.sleep(0.6)
        return fake.handle(request)

    httpserver.expect_request("/2/tweets/search/recent").respond_with_handler(slow_once)
    url = httpserver.url_for("/").rstrip("/")
    policy = RetryPolicy(backoff_s=0.01, timeout_s=0.3)
    with XClient(url, TOKEN, policy) as client:
        body = client.get_json("/2/tweets/search/recent", {"query": "q"}, 0.0)
    assert len(calls) == 2 and len(body["data"]) == 3


def test_killed_collection_resumes_without_loss_or_duplicates(
    cli, httpserver: HTTPServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fake = FakeX(PAGES)
    fake.hold_at = 2
    url = fake.install(httpserver)
    out = tmp_path / "t.parquet"
    code = "from sentcast.cli.main import main; raise SystemExit(main())"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--quiet", *collect_args(url, str(out))],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        assert fake.held.wait(60), "the collection never reached page 3"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not out.exists() and checkpoint_dir(out).is_dir()
    fake.hold_at = None
    fake.release()
    _resumes_after_page_2(cli, fake, url, out)


def test_reddit_truncated_dump_is_a_data_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "RC_2023-11.zst"
    src.write_bytes(zst([comment(n) for n in range(200)])[:-20])
    code, _, err = cli(
        "reddit", "read", str(src), "--subreddits", "Bitcoin", "--out", str(tmp_path / "c.parquet")
    )
    assert code == 1 and "truncated" in err and not (tmp_path / "c.parquet").exists()


def test_reddit_file_that_is_not_zstd(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "RC_2023-11.zst"
    src.write_bytes(comment(1) + b"\n")
    code, _, err = cli(
        "reddit", "read", str(src), "--subreddits", "Bitcoin", "--out", str(tmp_path / "c.parquet")
    )
    assert code == 1 and "not a readable zstd file" in err


def test_reddit_bad_lines_are_counted(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lines = [
        comment(1),
        b'{"subreddit": "Bitcoin", "body": "cut',
        b'["Bitcoin"]',
        b'{"subreddit": "Bitcoin", "body": "\xff\xfe"}',
        comment(2, body="[deleted]"),
        comment(3, body=" [removed] "),
        comment(4, body="   "),
        comment(5, sub="ethereum"),
        comment(6, sub="BitcoinMarkets"),
        json.dumps({"subreddit": "bitcoin", "created_utc": "soon", "body": "x"}).encode(),
        json.dumps({"subreddit": "bitcoin", "created_utc": 1_700_000_000, "url": "x"}).encode(),
    ]
    src = tmp_path / "RC.zst"
    src.write_bytes(zst(lines, frames=3))
    out = tmp_path / "c.parquet"
    code, stdout, err = cli(
        "reddit", "read", str(src), "--subreddits", "Bitcoin", "--out", str(out)
    )
    assert code == 0, err
    assert "kept 1 of 11" in stdout
    for reason in ("bad JSON=3", "deleted or removed=2", "empty text=1", "wrong subreddit=2",
                   "bad or missing created_utc=1", "not a comment or submission=1"):  # fmt: skip
        assert reason in stdout
    assert pq.read_table(out)["id"].to_pylist() == ["c1"]


def test_reddit_over_long_line_is_skipped(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sentcast.data.reddit_dumps.MAX_LINE", 1000)
    monkeypatch.setattr("sentcast.data.reddit_dumps.READ_SIZE", 256)
    repetitive = comment(2, body="bitcoin " * 2000)  # arrives in one block
    noise = comment(3, body=random.Random(0).randbytes(3000).hex())  # spans many blocks
    src = tmp_path / "RC.zst"
    src.write_bytes(zst([comment(1), repetitive, noise, comment(4)]))
    out = tmp_path / "c.parquet"
    code, stdout, err = cli(
        "reddit", "read", str(src), "--subreddits", "Bitcoin", "--out", str(out)
    )
    assert code == 0, err
    assert "kept 2 of 4" in stdout and "bad JSON=2" in stdout
    assert pq.read_table(out)["id"].to_pylist() == ["c1", "c4"]
