"""What the X collector says and does when the API refuses or rate-limits it: the API's own
explanation of a refusal, the rate-limit wait (how long, until when, in which time zone) and
the countdown on a terminal."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from sentcast.data import x_client
from sentcast.data.x_api import RetryPolicy, XClient, countdown, read_bearer_token
from sentcast.errors import DataError, UserInputError
from tests.data.x_server import RECENT, TOKEN, FakeX, error_reply, tweet


def _get(
    httpserver: HTTPServer, faults: list[Response], **policy: Any
) -> tuple[Any, FakeX, list[float]]:
    """``get_json`` against a server answering ``faults`` first; the body, server and sleeps."""
    fake = FakeX([[tweet(1)]])
    fake.faults = faults
    url = fake.install(httpserver)
    slept: list[float] = []
    settings = {"backoff_s": 0.01, **policy}
    with XClient(url, TOKEN, RetryPolicy(**settings), sleep=slept.append) as client:
        body = client.get_json(RECENT, {"query": "q"}, 0.0)
    return body, fake, slept


def _refusal(httpserver: HTTPServer, body: object, status: int = 400) -> str:
    text = body if isinstance(body, str) else json.dumps(body)
    reply = Response(text, status=status, content_type="application/json")
    with pytest.raises(UserInputError) as caught:
        _get(httpserver, [reply])
    return str(caught.value)


@pytest.mark.parametrize(
    ("body", "explanation"),
    [
        ({"title": "Invalid Request", "detail": "One or more\n  parameters are bad."},
         "One or more parameters are bad."),
        ({"message": "Query too long", "title": "Invalid Request"}, "Query too long"),
        ({"title": "Forbidden", "type": "about:blank"}, "Forbidden"),
        ({"detail": 7, "title": "Client Forbidden"}, "Client Forbidden"),
        ({"errors": [{"message": "The query has  an unmatched parenthesis."}, {"message": "2nd"}]},
         "The query has an unmatched parenthesis."),
        ({"errors": [{"title": "first"}], "status": 400}, "first"),
        ({"errors": [], "status": 400}, "BAD REQUEST"),
        ({"errors": ["not a dict"]}, "BAD REQUEST"),
        ({"errors": {"message": "not a list"}}, "BAD REQUEST"),
        (["a", "list"], "BAD REQUEST"),
        ("<html>not json</html>", "BAD REQUEST"),
    ],
)  # fmt: skip
def test_refusal_shows_the_apis_explanation(
    httpserver: HTTPServer, body: object, explanation: str
) -> None:
    message = _refusal(httpserver, body)
    assert message == f"X API refused {RECENT} (HTTP 400): {explanation}"


def test_refusal_of_each_4xx_but_429_is_not_retried(httpserver: HTTPServer) -> None:
    for status in (400, 401, 403, 404, 499):
        httpserver.clear()
        message = _refusal(httpserver, {"title": "no"}, status)
        assert f"(HTTP {status})" in message


def test_server_errors_are_retried_with_doubling_backoff_up_to_its_ceiling(
    httpserver: HTTPServer,
) -> None:
    faults = [error_reply(500), error_reply(503), error_reply(502), error_reply(504)]
    body, fake, slept = _get(httpserver, faults, backoff_s=1.0, max_backoff_s=3.0)
    assert body["data"][0]["id"] == "1001" and len(fake.requests) == 5
    assert [s for s in slept if s > 0.5] == [1.0, 2.0, 3.0, 3.0]


def test_gives_up_after_the_retries(httpserver: HTTPServer) -> None:
    with pytest.raises(DataError) as caught:
        _get(httpserver, [error_reply(503) for _ in range(4)], retries=2)
    message = str(caught.value)
    assert message == f"{RECENT}: HTTP 503 SERVICE UNAVAILABLE; gave up after 3 tries"


@pytest.mark.parametrize("reset", [None, "soon", "nan", "inf"])
def test_429_without_a_usable_reset_waits_the_backoff_and_is_bounded(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, reset: str | None
) -> None:
    """No usable reset: each 429 waits the backoff schedule (never 0 s), at most
    ``rate_limit_retries`` times, whatever the server-error ``retries`` are."""
    monkeypatch.setenv("SENTCAST_PROGRESS", "0")
    headers = {} if reset is None else {"x-rate-limit-reset": reset}
    policy = {"retries": 0, "rate_limit_retries": 2, "backoff_s": 0.5}
    with pytest.raises(DataError) as caught:
        _get(httpserver, [error_reply(429, **headers) for _ in range(3)], **policy)
    assert str(caught.value) == f"{RECENT}: rate limited (HTTP 429) 3 times; gave up after 3 tries"
    httpserver.clear()
    body, fake, slept = _get(httpserver, [error_reply(429, **headers) for _ in range(2)], **policy)
    assert len(fake.requests) == 3 and body["meta"]["result_count"] == 1
    assert [s for s in slept if s > 0] == [0.5, 1.0]  # the backoff floor, doubled


def test_rate_limit_reset_already_past_waits_the_backoff_floor(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reset in the past is no reason to retry at once: the pause is the backoff."""
    monkeypatch.setenv("SENTCAST_PROGRESS", "0")
    past = str(int(time.time()) - 60)
    faults = [error_reply(429, **{"x-rate-limit-reset": past})]
    body, fake, slept = _get(httpserver, faults, retries=0, backoff_s=0.25, max_wait_s=1.0)
    assert len(fake.requests) == 2 and body["meta"]["result_count"] == 1
    assert [s for s in slept if s > 0] == [0.25]


def _setting(name: str, value: float) -> dict[str, Any]:
    return {name: value}


@pytest.mark.parametrize("name", ["timeout_s", "max_wait_s", "max_total_s"])
@pytest.mark.parametrize("value", [0.0, -1.0, float("nan"), float("inf")])
def test_times_must_be_positive_and_finite(name: str, value: float) -> None:
    with pytest.raises(ValueError) as caught:
        RetryPolicy(**_setting(name, value))
    assert str(caught.value) == f"{name} must be > 0 and finite"
    assert getattr(RetryPolicy(**_setting(name, 1e-3)), name) == 1e-3  # any positive time


@pytest.mark.parametrize("name", ["retries", "rate_limit_retries"])
def test_retry_counts_must_not_be_negative(name: str) -> None:
    with pytest.raises(ValueError) as caught:
        RetryPolicy(**_setting(name, -1))
    assert str(caught.value) == "retries must be >= 0"
    assert getattr(RetryPolicy(**_setting(name, 0)), name) == 0


def test_the_backoff_lies_between_its_floor_and_a_finite_ceiling() -> None:
    assert RetryPolicy(backoff_s=x_client.MIN_BACKOFF_S).backoff(1) == 0.01  # the floor itself
    assert RetryPolicy(backoff_s=5.0, max_backoff_s=5.0).backoff(3) == 5.0
    for backoff, ceiling in [(0.009, 60.0), (6.0, 5.0), (1.0, float("inf"))]:
        with pytest.raises(ValueError) as caught:
            RetryPolicy(backoff_s=backoff, max_backoff_s=ceiling)
        assert str(caught.value) == f"backoff must be between 0.01 s and {ceiling} s, got {backoff}"


def test_rate_limit_waits_with_the_clients_sleep_until_the_reset(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENTCAST_PROGRESS", "0")
    reset = time.time() + 30
    faults = [error_reply(429, **{"x-rate-limit-reset": str(reset)})]
    began = time.monotonic()
    body, fake, slept = _get(httpserver, faults, retries=0)
    assert time.monotonic() - began < 10  # the wait went to the client's sleep, not the clock
    assert len(fake.requests) == 2 and body["meta"]["result_count"] == 1
    assert [s for s in slept if s > 0] == [pytest.approx(30, abs=2)]


@pytest.mark.usefixtures("kolkata")
def test_rate_limit_reset_too_far_away_names_its_utc_time(httpserver: HTTPServer) -> None:
    reset = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(hours=3)
    faults = [error_reply(429, **{"x-rate-limit-reset": str(int(reset.timestamp()))})]
    with pytest.raises(DataError) as caught:
        _get(httpserver, faults, max_wait_s=3600.0)
    minutes = (reset - dt.datetime.now(dt.UTC)).total_seconds() / 60
    assert str(caught.value) in {
        f"rate limited until {reset:%Y-%m-%d %H:%M} UTC ({m:.0f} min; a usage cap?)"
        for m in (minutes - 1, minutes, minutes + 1)
    }


@pytest.mark.usefixtures("kolkata")
def test_countdown_logs_the_wait_and_its_end_in_utc(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SENTCAST_PROGRESS", "0")
    caplog.set_level(logging.WARNING, logger="sentcast")
    slept: list[float] = []
    before = dt.datetime.now(dt.UTC)
    countdown(90.4, "rate limited (HTTP 429)", slept.append)
    assert slept == [90.4]  # no terminal: one sleep
    (line,) = [r.getMessage() for r in caplog.records]
    match = re.fullmatch(
        r"rate limited \(HTTP 429\): waiting 90\.4 s, until (\d\d:\d\d:\d\d) UTC", line
    )
    assert match is not None, line
    ends = {f"{before + dt.timedelta(seconds=90.4 + s):%H:%M:%S}" for s in range(-1, 3)}
    assert match.group(1) in ends


def test_countdown_on_a_terminal_shows_whole_seconds_left(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTCAST_PROGRESS", "1")
    shown: list[str] = []

    class Status:
        def update(self, text: str) -> None:
            shown.append(text)

    class Console:
        @contextmanager
        def status(self, text: str) -> Iterator[Status]:
            shown.append(f"start {text!r}")
            yield Status()

    monkeypatch.setattr(x_client, "stderr_console", Console())
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        assert len(slept) < 10, f"the countdown of 2.5 s does not end: {slept}"

    countdown(2.5, "rate limited", sleep)
    assert slept == [1.0, 1.0, 0.5]
    assert shown == [
        "start ''",
        "rate limited: resuming in 3 s",
        "rate limited: resuming in 2 s",
        "rate limited: resuming in 1 s",
    ]


def test_token_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    with pytest.raises(UserInputError) as caught:
        read_bearer_token(tmp_path)  # a folder
    assert str(caught.value).startswith(f"--token-file {tmp_path}: cannot read it (")
    latin1 = tmp_path / "token"
    latin1.write_bytes(b"caf\xe9-token")
    with pytest.raises(UserInputError, match=r"cannot read it \(.*codec can't decode"):
        read_bearer_token(latin1)
    spaced = tmp_path / "spaced"
    spaced.write_text("two words\n", encoding="utf-8")
    with pytest.raises(UserInputError) as caught:
        read_bearer_token(spaced)
    assert str(caught.value) == "the bearer token contains white space; check its source"


@pytest.mark.parametrize("length", [299, 300, 301, 1000])
def test_an_explanation_over_300_characters_is_cut_to_300_with_an_ellipsis(length: int) -> None:
    words = ("refused " * 200)[:length]
    text = x_client.api_problem(httpx.Response(403, json={"detail": words}))
    if length <= x_client.MAX_PROBLEM_CHARS:
        assert text == " ".join(words.split())
    else:
        assert len(text) == 300 and text == words[:297] + "..."


def test_a_refusal_that_echoes_the_bare_token_is_masked(httpserver: HTTPServer) -> None:
    body = json.dumps({"detail": f"token {TOKEN} was revoked"})
    with pytest.raises(UserInputError) as caught:
        _get(httpserver, [error_reply(401, body, **{"Content-Type": "application/json"})])
    assert str(caught.value) == f"X API refused {RECENT} (HTTP 401): token *** was revoked"


class _FixedTime:
    """``x_client.time`` with a wall clock stopped at 1000 s (sleep and monotonic unused)."""

    @staticmethod
    def time() -> float:
        return 1000.0


def test_a_reset_exactly_max_wait_s_away_is_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bound is "more than ``max_wait_s``": a reset at the bound is waited for."""
    monkeypatch.setattr(x_client, "time", _FixedTime)
    with XClient("http://x.invalid", TOKEN, RetryPolicy(max_wait_s=60.0)) as client:
        at_bound = httpx.Response(429, headers={"x-rate-limit-reset": "1060"})
        assert client._rate_limit_wait(at_bound, 1) == 60.0
        beyond = httpx.Response(429, headers={"x-rate-limit-reset": "1060.5"})
        with pytest.raises(DataError, match=r"^rate limited until 1970-01-01 00:17 UTC \(1 min"):
            client._rate_limit_wait(beyond, 1)


def test_a_wait_that_ends_exactly_at_max_total_s_is_allowed() -> None:
    """``max_total_s`` bounds the time spent: reaching it exactly is within the bound."""
    policy = RetryPolicy(max_total_s=12.0)
    with XClient("http://x.invalid", TOKEN, policy, clock=lambda: 10.0) as client:
        client._check_budget(RECENT, "HTTP 503", 4.0, 6.0, 2)  # 6 s spent + 6 s = 12 s
        with pytest.raises(DataError) as caught:
            client._check_budget(RECENT, "HTTP 503", 4.0, 6.5, 2)
    assert str(caught.value) == (
        f"{RECENT}: HTTP 503; gave up after 2 tries in 6 s (at most 12 s per request)"
    )


def test_requests_carry_the_token_and_name_sentcast_as_their_agent(httpserver: HTTPServer) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "User-Agent": "sentcast"}
    httpserver.expect_request(RECENT, headers=headers).respond_with_json({"meta": {}})
    with XClient(httpserver.url_for(""), TOKEN, RetryPolicy(retries=0)) as client:
        assert client.get_json(RECENT, {"query": "q"}, 0.0) == {"meta": {}}


class _Clock:
    """A monotonic clock that only the client's own sleeps move."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps = 0

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.sleeps += 1
        assert self.sleeps < 50, "the client keeps waiting: a retry loop without its bound"

    def __call__(self) -> float:
        return self.now


def test_rate_limits_past_the_time_budget_give_up_saying_so(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """429s without a reset wait the backoff (10 s each here); the third would pass the 25 s
    budget, so the request stops there, with the tries and the time spent."""
    monkeypatch.setenv("SENTCAST_PROGRESS", "0")
    fake = FakeX([[tweet(1)]])
    fake.faults = [error_reply(429) for _ in range(5)]
    url = fake.install(httpserver)
    clock = _Clock()
    policy = RetryPolicy(backoff_s=10.0, max_backoff_s=10.0, max_total_s=25.0)
    client = XClient(url, TOKEN, policy, sleep=clock.sleep, clock=clock)
    with client, pytest.raises(DataError) as caught:
        client.get_json(RECENT, {"query": "q"}, 0.0)
    assert str(caught.value) == (
        f"{RECENT}: HTTP 429; gave up after 3 tries in 20 s (at most 25 s per request)"
    )
    assert len(fake.requests) == 3 and clock.now == 20.0


def test_a_connection_refused_names_the_exception() -> None:
    client = XClient("http://127.0.0.1:9", TOKEN, RetryPolicy(retries=0))
    with client, pytest.raises(DataError) as caught:
        client.get_json(RECENT, {"query": "q"}, 0.0)
    message = str(caught.value)
    assert message.startswith(f"{RECENT}: ConnectError (") and message.endswith(
        "); gave up after 1 tries"
    )


def _mixed_faults(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, **policy: Any
) -> tuple[str, _Clock, FakeX]:
    """A rate limit without reset, then server errors: the DataError's text, clock, server."""
    monkeypatch.setenv("SENTCAST_PROGRESS", "0")
    fake = FakeX([[tweet(1)]])
    fake.faults = [error_reply(429)] + [error_reply(503) for _ in range(5)]
    url = fake.install(httpserver)
    clock = _Clock()
    settings = RetryPolicy(backoff_s=10.0, max_backoff_s=10.0, **policy)
    client = XClient(url, TOKEN, settings, sleep=clock.sleep, clock=clock)
    with client, pytest.raises(DataError) as caught:
        client.get_json(RECENT, {"query": "q"}, 0.0)
    return str(caught.value), clock, fake


def test_tries_given_up_count_rate_limits_and_server_errors(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    message, _, fake = _mixed_faults(httpserver, monkeypatch, retries=1)
    assert len(fake.requests) == 3
    assert re.fullmatch(rf"{RECENT}: HTTP 503 [A-Za-z ]+; gave up after 3 tries", message)


def test_server_errors_past_the_time_budget_give_up_saying_so(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """10 s after the 429 and 10 s after the first 503 leave no room for another 10 s wait
    within 25 s: the third try is the last, and the retry in between was logged."""
    caplog.set_level(logging.WARNING, logger="sentcast")
    message, clock, fake = _mixed_faults(httpserver, monkeypatch, max_total_s=25.0)
    assert len(fake.requests) == 3 and clock.now == 20.0
    problem = re.fullmatch(
        rf"{RECENT}: (HTTP 503 [A-Za-z ]+); gave up after 3 tries in 20 s "
        r"\(at most 25 s per request\)",
        message,
    )
    assert problem is not None, message
    retries = [r.getMessage() for r in caplog.records if "; retry " in r.getMessage()]
    assert retries == [f"{RECENT}: {problem.group(1)}; retry 1 in 10.0 s"]
