"""Daily job files: one TOML file, dotted-path errors, paths kept inside the run folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentcast.daily.config import load_daily_config, parse_range
from sentcast.errors import ConfigError, UserInputError


def test_a_job_file_is_an_experiment_plus_daily(job, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = load_daily_config(job('run_dir = "out"\nretrain_every_days = 0\n'))
    assert config.run_dir() == tmp_path / "out" and config.daily.retrain_every_days == 0
    assert config.candidates() == ["ridge", "naive"]  # the grid's window models
    assert config.experiment.data.market["BTC"].endswith("BTC-USD.csv")
    assert config.store_path(tmp_path / "out") == (tmp_path / "out" / "daily.duckdb").resolve()
    overridden = load_daily_config(job(), ['daily.models=["naive"]'])
    assert overridden.candidates() == ["naive"]


@pytest.mark.parametrize(
    ("daily", "message"),
    [
        ('models = ["prophet"]', "daily.models: unknown model 'prophet'"),
        ('baselines = ["naive"]', "daily.baselines: unknown baseline 'naive'"),
        ("retrain_every_days = -1", "daily.retrain_every_days: must be >= 0"),
        ("colour = 1", "daily.colour: unknown key"),
    ],
)
def test_bad_values_name_their_path(job, daily: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=message):
        load_daily_config(job(daily + "\n"))


def test_kind_and_store_are_checked(job, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = job()
    path.write_text(path.read_text().replace('kind = "daily"', 'kind = "forecast"'))
    with pytest.raises(ConfigError, match="kind: must be 'daily'"):
        load_daily_config(path)
    config = load_daily_config(job('store = "../x.duckdb"\n'))
    with pytest.raises(UserInputError, match="escapes the run folder"):
        config.store_path(tmp_path / "run")


def test_replay_ranges() -> None:
    assert parse_range("2019-01-01..2019-01-31") == ("2019-01-01", "2019-01-31")
    for bad in ("2019-01-31..2019-01-01", "2019-01-01", "2019-13-01..2019-12-01"):
        with pytest.raises(UserInputError, match=r"START\.\.END"):
            parse_range(bad)
