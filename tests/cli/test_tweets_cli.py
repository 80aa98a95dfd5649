from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer

from sentcast.cli.tweets import utc_range
from sentcast.data.x_api import checkpoint_dir
from sentcast.errors import UserInputError
from sentcast.sentiment.daily import read_daily_sentiment
from tests.data.x_server import TOKEN, FakeX, collect_args, error_reply, tweet


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)


def test_collect_then_score_with_the_layout(cli, httpserver: HTTPServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pages = [[tweet(i, day=1 + i % 3) for i in range(5)], [tweet(i, day=3) for i in range(5, 8)]]
    url = FakeX(pages).install(httpserver)
    out, daily = tmp_path / "tweets.parquet", tmp_path / "daily.parquet"
    code, stdout, err = cli(*collect_args(url, str(out)))
    assert code == 0, err
    assert "kept 8 of 8" in stdout and "2 pages" in stdout
    assert TOKEN not in stdout + err
    code, stdout, err = cli(
        "sentiment", "score", str(out), "--out", str(daily), "--layout", "x-api", "--workers", "1"
    )
    assert code == 0, err
    table = read_daily_sentiment(daily)
    assert list(table.index) == list(pd.to_datetime(["2024-05-01", "2024-05-02", "2024-05-03"]))
    assert table["n_tweets"].sum() == 8


def test_existing_output_is_not_collected_again(
    cli, httpserver: HTTPServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fake = FakeX([[tweet(1)]])
    url = fake.install(httpserver)
    out = tmp_path / "tweets.parquet"
    out.write_bytes(b"old")
    code, _, err = cli(*collect_args(url, str(out)))
    assert code == 2 and "already exists" in err and not fake.requests
    assert out.read_bytes() == b"old"


def test_checkpoint_of_another_search_is_refused(
    cli, httpserver: HTTPServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fake = FakeX([[tweet(1)], [tweet(2)]])
    fake.faults = [error_reply(503) for _ in range(3)]
    url = fake.install(httpserver)
    out = tmp_path / "tweets.parquet"
    assert cli(*collect_args(url, str(out), "--retries", "2"))[0] == 1
    code, _, err = cli(*collect_args(url, str(out), "--lang", "de"))
    assert code == 2 and "another search" in err and "'bitcoin'" in err
    assert checkpoint_dir(out).is_dir()


def test_option_errors(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    url = "http://127.0.0.1:9"
    code, _, err = cli(*collect_args(url, str(tmp_path / "t.csv")))
    assert code == 2 and ".parquet" in err
    code, _, err = cli(*collect_args(url, str(tmp_path / "t.parquet"), "--endpoint", "archive"))
    assert code == 2 and "endpoint" in err
    monkeypatch.delenv("X_BEARER_TOKEN")
    code, _, err = cli(*collect_args(url, str(tmp_path / "t.parquet")))
    assert code == 2 and "X_BEARER_TOKEN" in err


def test_utc_range_end_day_is_inclusive() -> None:
    utc = dt.UTC
    assert utc_range("2024-05-01", "2024-05-07") == (
        dt.datetime(2024, 5, 1, tzinfo=utc),
        dt.datetime(2024, 5, 8, tzinfo=utc),
    )
    assert utc_range("2024-05-01T06:00:00", "2024-05-01T07:30:00")[1] == dt.datetime(
        2024, 5, 1, 7, 30, tzinfo=utc
    )
    assert utc_range(None, None) == (None, None)
    with pytest.raises(UserInputError, match="not after"):
        utc_range("2024-05-02", "2024-05-01T00:00:00")


def test_rate_limit_retries_option_bounds_the_429_retries(
    cli, httpserver: HTTPServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fake = FakeX([[tweet(1)]])
    fake.faults = [error_reply(429, **{"x-rate-limit-reset": "1"}) for _ in range(20)]
    url = fake.install(httpserver)
    out = str(tmp_path / "t.parquet")
    code, _, err = cli(*collect_args(url, out, "--rate-limit-retries", "2"))
    assert code == 1 and "rate limited (HTTP 429) 3 times; gave up after 3 tries" in err
    assert len(fake.requests) == 3


def test_request_budget_option_bounds_the_time_of_a_request(
    cli, httpserver: HTTPServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fake = FakeX([[tweet(1)]])
    fake.faults = [error_reply(503) for _ in range(20)]
    url = fake.install(httpserver)
    out = str(tmp_path / "t.parquet")
    budget = ("--retries", "100", "--backoff", "0.2", "--request-budget", "1")
    code, _, err = cli(*collect_args(url, out, *budget))
    assert code == 1 and "(at most 1 s per request)" in err
    assert len(fake.requests) == 3  # waits of 0.2 and 0.4 s fit in 1 s, a third of 0.8 does not


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--rate-limit-retries", "-1"),
        ("--request-budget", "0"),
        ("--request-budget", "-5"),
        ("--request-budget", "nan"),
        ("--request-budget", "inf"),
    ],
)
def test_retry_bound_options_refuse_nonsense(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, option: str, value: str
) -> None:
    args = collect_args("http://127.0.0.1:9", str(tmp_path / "t.parquet"), option, value)
    code, _, err = cli(*args)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"error: {option} must be ")
