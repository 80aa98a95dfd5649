"""Collectors: the fake X API server, Reddit dump files, daily CSV tables; each source once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer

from sentcast.daily.collect import collect_csv, collect_reddit, collect_x, export_series
from sentcast.daily.config import (
    CsvSourceConfig,
    RedditSourceConfig,
    XSourceConfig,
    load_daily_config,
)
from sentcast.daily.store import Store
from tests.data.reddit_files import comment, zst
from tests.data.x_server import TOKEN, FakeX, tweet

NOW = dt.datetime(2024, 5, 4, 12, tzinfo=dt.UTC)


def test_x_posts_are_collected_since_the_newest_stored_once(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("X_TEST_TOKEN", TOKEN)
    fake = FakeX([[tweet(1, day=1), tweet(2, day=2)], [tweet(3, day=3), tweet(4, day=4)]])
    source = XSourceConfig(name="x", query="bitcoin", api_url=fake.install(httpserver),
                           token_env="X_TEST_TOKEN", backoff_s=0.01)  # fmt: skip
    day = dt.date(2024, 5, 3)
    with Store(tmp_path / "s.duckdb") as store:
        assert collect_x(source, store, tmp_path, day, now=lambda: NOW) == 4
        daily = store.frame("SELECT * FROM daily_series ORDER BY day")
        assert daily["value"].notna().all() and list(daily["n_posts"]) == [1, 1, 1]
        assert f"{daily['day'].max():%Y-%m-%d}" == "2024-05-03"  # May 4 is not over
        start = fake.requests[0]["start_time"]
        assert collect_x(source, store, tmp_path, day, now=lambda: NOW) == 0  # same posts again
        assert fake.requests[-1]["start_time"] > start  # since the newest stored post
        assert store.scalar("SELECT count(*) FROM posts") == 4
        path = export_series(store, tmp_path, "x")
    assert list(pd.read_csv(path).columns) == ["date", "compound_mean", "n_posts"]


def test_x_without_a_token_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sentcast.errors import UserInputError

    monkeypatch.delenv("X_TEST_TOKEN", raising=False)
    source = XSourceConfig(query="bitcoin", token_env="X_TEST_TOKEN")
    with Store(tmp_path / "s.duckdb") as store, pytest.raises(UserInputError, match="X_TEST"):
        collect_x(source, store, tmp_path, dt.date(2024, 5, 3))


def test_each_dump_file_is_read_once(job, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    (dumps / "RC_2023-11.zst").write_bytes(zst([comment(1), comment(2, sub="other"), comment(3)]))
    config = load_daily_config(
        job(f'[[daily.reddit]]\nfolder = "{dumps}"\nsubreddits = ["Bitcoin"]\n')
    )
    source = config.daily.reddit[0]
    assert isinstance(source, RedditSourceConfig)
    day = dt.date(2023, 11, 20)
    with Store(tmp_path / "s.duckdb") as store:
        assert collect_reddit(source, config, store, tmp_path, day) == 2
        (dumps / "RC_2023-12.zst").write_bytes(zst([comment(4), comment(5)]))
        assert collect_reddit(source, config, store, tmp_path, day) == 2
        assert store.scalar("SELECT count(*) FROM source_files") == 2
        assert collect_reddit(source, config, store, tmp_path, day) == 0


def test_daily_csv_rows_arrive_up_to_the_day(job, shared_data: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fng = shared_data / "sentiment_daily" / "fear_greed_index_2018-2026.csv"
    config = load_daily_config(
        job(f'[[daily.csv]]\nname = "fng"\npath = "{fng}"\ncolumns = ["fng_value"]\n')
    )
    assert isinstance(config.daily.csv[0], CsvSourceConfig)
    with Store(tmp_path / "s.duckdb") as store:
        first = collect_csv(config, store, dt.date(2018, 2, 10))
        assert first == 10
        assert collect_csv(config, store, dt.date(2018, 2, 10)) == 0
        assert collect_csv(config, store, dt.date(2018, 2, 12)) == 2
