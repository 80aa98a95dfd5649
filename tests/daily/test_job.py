"""The scheduled job: Yahoo rows through the download hook, idempotent days, kills, locks."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from pathlib import Path

import pandas as pd
import pytest

from sentcast.daily.config import load_daily_config
from sentcast.daily.job import run_job
from sentcast.daily.store import query
from sentcast.errors import UserInputError
from sentcast.files import FolderLock

LIVE = """run_dir = "run"
models = ["ridge", "naive"]
retrain_every_days = 7
baselines = ["rwd"]
[daily.fetch]
tickers = {BTC = "BTC-USD"}
start = "2018-09-01"
"""


class LocalYahoo:
    """yfinance.download from the shared CSV: rows in [start, end), (field, ticker) columns."""

    def __init__(self, market_dir: Path) -> None:
        frame = pd.read_csv(market_dir / "BTC-USD.csv", index_col="Date", parse_dates=True)
        self.frame = frame.iloc[:-1]  # the file's last row is an intraday bar
        self.calls: list[tuple[str | None, str | None]] = []

    def __call__(self, ticker: str, start: str | None, end: str | None) -> pd.DataFrame:
        self.calls.append((start, end))
        part = self.frame.loc[(self.frame.index >= start) & (self.frame.index < end)]
        part.columns = pd.MultiIndex.from_product([part.columns, [ticker]])
        return part


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_a_day_fetches_incrementally_forecasts_once_and_scores_the_next(
    job, market_dir: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    config = load_daily_config(job(LIVE, start="2018-09-01", end=""))
    yahoo, run = LocalYahoo(market_dir), tmp_path / "run"
    first = run_job(config, run, _day("2019-03-01"), download=yahoo)
    assert first.new_forecasts == 3 and first.trained and not first.nothing_new
    assert yahoo.calls == [("2018-09-01", "2019-03-02")]

    again = run_job(config, run, _day("2019-03-01"), download=yahoo)
    assert again.nothing_new and again.new_forecasts == 0 and not again.trained
    assert len(yahoo.calls) == 1  # nothing to fetch: the cache holds the day

    second = run_job(config, run, _day("2019-03-02"), download=yahoo)
    assert yahoo.calls[-1] == ("2019-03-02", "2019-03-03")
    assert second.new_forecasts == 3 and second.new_outcomes == 3
    outcomes = query(run / "daily.duckdb", "SELECT * FROM outcomes")
    assert set(pd.to_datetime(outcomes["target_day"]).dt.strftime("%Y-%m-%d")) == {"2019-03-02"}
    actual = yahoo.frame.loc["2019-03-02", "Close"]
    assert outcomes["actual_usd"].tolist() == pytest.approx([actual] * 3)
    market = query(run / "daily.duckdb", "SELECT max(day) AS d, count(*) AS n FROM market_rows")
    assert f"{market['d'].iloc[0]:%Y-%m-%d}" == "2019-03-02"
    assert (run / "daily.html").is_file() and (run / "daily.log").stat().st_size > 0


def _killed_run(path: Path, run: Path, day: dt.date, step: str, market_dir: Path) -> None:
    def stop(name: str) -> None:
        if name == step:
            os._exit(9)

    config = load_daily_config(path)
    run_job(config, run, day, download=LocalYahoo(market_dir), on_step=stop)


def _check_consistent(store: Path) -> None:
    orphans = query(store, "SELECT count(*) AS n FROM outcomes ANTI JOIN forecasts "
                           "USING (series, horizon, origin_day, vintage)")  # fmt: skip
    assert orphans["n"].iloc[0] == 0
    per_origin = query(
        store, "SELECT series, origin_day, count(*) AS n FROM forecasts GROUP BY ALL"
    )
    assert (per_origin["n"] == 1).all()  # one vintage each: a re-run adds no second one
    for folder in query(store, "SELECT folder FROM models")["folder"]:
        assert (Path(folder) / "config.json").is_file()


@pytest.mark.parametrize("step", ["model", "forecast", "score"])
def test_a_run_killed_between_steps_leaves_a_consistent_store(
    job, market_dir: Path, tmp_path: Path, step: str
) -> None:  # type: ignore[no-untyped-def]
    path = job(LIVE, start="2018-09-01", end="")
    run, day = tmp_path / "run", _day("2019-03-01")
    child = multiprocessing.get_context("fork").Process(
        target=_killed_run, args=(path, run, day, step, market_dir)
    )
    child.start()
    child.join(120)
    assert child.exitcode == 9
    _check_consistent(run / "daily.duckdb")
    config = load_daily_config(path)
    rerun = run_job(config, run, day, download=LocalYahoo(market_dir))
    assert not rerun.nothing_new  # the killed run did not finish the day
    _check_consistent(run / "daily.duckdb")
    forecasts = query(run / "daily.duckdb", "SELECT count(*) AS n FROM forecasts")
    runs = query(run / "daily.duckdb", "SELECT * FROM runs")
    assert forecasts["n"].iloc[0] == 3 and len(runs) == 1


def test_a_second_run_on_a_held_folder_is_refused(job, market_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = load_daily_config(job(LIVE, start="2018-09-01", end=""))
    with FolderLock(tmp_path / "run"), pytest.raises(UserInputError, match="in use"):
        run_job(config, tmp_path / "run", _day("2019-03-01"), download=LocalYahoo(market_dir))
