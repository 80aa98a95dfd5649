"""Hostile X API servers: rate limits that lie, page tokens that loop, numbers beyond int64,
error pages that echo the token. No hang, no traceback, no silent loss, no token on screen."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sentcast.data.x_client import RetryPolicy, XClient, scrub
from sentcast.errors import DataError
from tests.data.x_server import RECENT, TOKEN, FakeX, collect_args, error_reply, tweet


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)


class FakeTime:
    """A monotonic clock that only ``sleep`` moves, and the pauses asked for."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def _always(server: HTTPServer, reply: Response) -> list[int]:
    hits: list[int] = []

    def handle(request: Request) -> Response:
        hits.append(1)
        return reply

    server.expect_request(RECENT).respond_with_handler(handle)
    return hits


def test_rate_limit_reset_in_the_past_backs_off_and_gives_up(httpserver: HTTPServer) -> None:
    past = str(int(time.time()) - 3600)
    hits = _always(httpserver, error_reply(429, **{"x-rate-limit-reset": past}))
    fake = FakeTime()
    policy = RetryPolicy(backoff_s=0.5, max_backoff_s=4.0, rate_limit_retries=6)
    url = httpserver.url_for("/").rstrip("/")
    client = XClient(url, TOKEN, policy, fake.sleep, fake.clock)
    with client, pytest.raises(DataError, match=r"rate limited \(HTTP 429\) 7 times; gave up"):
        client.get_json(RECENT, {"query": "q"}, 0.0)
    assert len(hits) == 7
    waits = [p for p in fake.pauses if p > 0]
    assert waits == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]  # never 0: the floor is the backoff


def test_rate_limit_without_end_is_bounded_in_time(httpserver: HTTPServer) -> None:
    _always(httpserver, error_reply(429))
    fake = FakeTime()
    policy = RetryPolicy(backoff_s=10.0, rate_limit_retries=1000, max_total_s=100.0)
    url = httpserver.url_for("/").rstrip("/")
    client = XClient(url, TOKEN, policy, fake.sleep, fake.clock)
    with client, pytest.raises(DataError, match=r"tries in \d+ s \(at most 100 s per request"):
        client.get_json(RECENT, {"query": "q"}, 0.0)
    assert fake.now <= 100.0


def test_server_errors_are_bounded_in_time(httpserver: HTTPServer) -> None:
    hits = _always(httpserver, error_reply(503))
    fake = FakeTime()
    policy = RetryPolicy(backoff_s=30.0, retries=100, max_total_s=200.0)
    url = httpserver.url_for("/").rstrip("/")
    client = XClient(url, TOKEN, policy, fake.sleep, fake.clock)
    with client, pytest.raises(DataError, match="HTTP 503"):
        client.get_json(RECENT, {"query": "q"}, 0.0)
    assert fake.now <= 200.0 and len(hits) < 10


@pytest.mark.parametrize("backoff", [0.0, -1.0, float("nan"), float("inf")])
def test_retry_policy_refuses_a_pause_without_floor(backoff: float) -> None:
    with pytest.raises(ValueError, match="backoff"):
        RetryPolicy(backoff_s=backoff)


def test_cli_refuses_a_zero_backoff(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    args = collect_args("http://127.0.0.1:9", str(tmp_path / "t.parquet"))
    args[args.index("--backoff") + 1] = "0"
    code, _, err = cli(*args)
    assert code == 2 and "--backoff between 0.01 and 60" in err


def test_repeated_next_token_ends_the_collection_with_a_line(
    cli, httpserver: HTTPServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    pages = iter(range(1000))
    requests: list[str | None] = []

    def same_token(request: Request) -> Response:
        requests.append(request.args.get("next_token"))
        n = next(pages)
        body = {"data": [tweet(2 * n), tweet(2 * n + 1)], "meta": {"next_token": "SAME"}}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(RECENT).respond_with_handler(same_token)
    out = tmp_path / "t.parquet"
    code, stdout, err = cli(*collect_args(httpserver.url_for("/").rstrip("/"), str(out)))
    assert code == 0, err
    assert requests == [None, "SAME"]
    assert "the API sent page token 'SAME' a second time (after page 2; a loop)" in stdout
    assert pq.read_table(out).num_rows == 4


def test_numbers_beyond_int64_are_counted_not_a_traceback(
    cli, httpserver: HTTPServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    huge = str(2**64)
    page = [
        tweet(1),
        {**tweet(2), "id": huge},
        {**tweet(3), "id": 2**70},
        {**tweet(4), "author_id": huge},
        tweet(5, public_metrics={"like_count": 10**30, "retweet_count": -(2**64)}),
        {**tweet(6), "id": "9" * 5000},
        {**tweet(7), "text": "lone \ud800 surrogate"},
        {**tweet(8), "id": 1.5e18},
        {**tweet(9), "id": True},
    ]
    FakeX([page]).install(httpserver)
    out = tmp_path / "t.parquet"
    code, stdout, err = cli(*collect_args(httpserver.url_for("/").rstrip("/"), str(out)))
    assert code == 0, err
    assert "kept 4 of 9" in stdout
    assert "id beyond int64=2" in stdout
    assert "malformed tweet (no id, text or created_at)=3" in stdout
    assert "3 author ids or public metrics beyond int64 read as missing" in stdout
    table = pq.read_table(out).to_pylist()
    assert [row["id"] for row in table] == [1001, 1004, 1005, 1007]
    assert table[1]["author_id"] is None and table[2]["like_count"] is None
    assert table[3]["text"] == "lone \ufffd surrogate"


def _json_reply(status: int, **body: object) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(
            lambda: _json_reply(401, detail=f"bad header Authorization: Bearer {TOKEN}"),
            id="json-detail",
        ),
        pytest.param(
            lambda: _json_reply(403, errors=[{"message": f'{{"authorization": "{TOKEN}"}}'}]),
            id="errors-list",
        ),
        pytest.param(lambda: error_reply(401, f"Authorization: Bearer {TOKEN}"), id="text-body"),
    ],
)
def test_error_reply_echoing_the_token_is_scrubbed(
    cli, httpserver: HTTPServer, tmp_path: Path, reply
) -> None:  # type: ignore[no-untyped-def]
    fake = FakeX([[tweet(1)]])
    fake.faults = [reply()]
    fake.install(httpserver)
    code, stdout, err = cli(
        *collect_args(httpserver.url_for("/").rstrip("/"), str(tmp_path / "t.parquet"))
    )
    assert code == 2 and err.count("\n") == 1 and "HTTP 40" in err
    assert TOKEN not in stdout + err and TOKEN[5:] not in stdout + err


def test_a_server_error_page_echoing_the_token_is_scrubbed_in_the_log(
    cli, httpserver: HTTPServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    fake = FakeX([[tweet(1)]])
    fake.faults = [error_reply(200, f"<pre>Authorization: Bearer {TOKEN}</pre>")] * 3
    fake.install(httpserver)
    code, stdout, err = cli(
        *collect_args(httpserver.url_for("/").rstrip("/"), str(tmp_path / "t.parquet")),
        "--retries", "1",
    )  # fmt: skip
    assert code == 1 and "malformed JSON" in err
    assert TOKEN not in stdout + err + caplog.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def", "Authorization: ***"),
        ('{"Authorization":"Basic dXNlcjpw"}', '{"Authorization":"***"}'),
        ("authorization=tok123; x", "authorization=***; x"),
        ("got bearer AAAA%3D%3Dxyz here", "got bearer *** here"),
        ("the secret s3cr3t leaked", "the secret *** leaked"),
        ("nothing to hide", "nothing to hide"),
    ],
)
def test_scrub(text: str, expected: str) -> None:
    assert scrub(text, ["s3cr3t"]) == expected


def test_far_reset_at_an_impossible_time_is_one_line(httpserver: HTTPServer) -> None:
    _always(httpserver, error_reply(429, **{"x-rate-limit-reset": "1e300"}))
    url = httpserver.url_for("/").rstrip("/")
    client = XClient(url, TOKEN, RetryPolicy())
    with client, pytest.raises(DataError, match="rate limited until an unreadable time"):
        client.get_json(RECENT, {"query": "q"}, 0.0)


def test_endless_empty_pages_with_new_tokens_stop(
    cli, httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sentcast.data.x_api.MAX_IDLE_PAGES", 5)
    count = iter(range(10_000))

    def fresh_token(request: Request) -> Response:
        n = next(count)
        body = {"data": [tweet(0)], "meta": {"next_token": f"t{n}"}}  # the same tweet again
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(RECENT).respond_with_handler(fresh_token)
    out = tmp_path / "t.parquet"
    code, stdout, err = cli(*collect_args(httpserver.url_for("/").rstrip("/"), str(out)))
    assert code == 0, err
    assert "stopped: 5 pages in a row brought no new tweet (after page 6)" in stdout
    assert "kept 1 of 6" in stdout and "duplicate id=5" in stdout
