"""The replay is the experiment: same test predictions, intervals and headline (to 1e-9)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.daily.config import load_daily_config
from sentcast.daily.job import DataSource
from sentcast.daily.replay import replay
from sentcast.daily.store import query
from sentcast.experiments.forecast_cells import Cell, build_estimator, fit_cell, score_cell
from sentcast.experiments.forecast_data import experiment_cell, load_experiment_data
from sentcast.experiments.forecast_model import train_model

DAILY = (
    'run_dir = "run"\nmodel_dir = "model"\nretrain_every_days = 0\nbaselines = ["rwd", "theta"]\n'
)


def _experiment_test_part(config, name: str) -> tuple[pd.Series, pd.DataFrame]:  # type: ignore[no-untyped-def]
    """What `experiment run` scores for one cell (its run_cell: fit, score with intervals)."""
    exp = config.experiment
    frame = load_experiment_data(exp.data).frame
    data = experiment_cell(frame, exp, "BTC+Sentiment", 7, 1)
    model, seconds = fit_cell(build_estimator(name, exp, 0, data), data)
    cell = Cell(7, "BTC+Sentiment", name, 0, 1)
    rows, predictions = score_cell(cell, model, data, "price", seconds, exp.evaluation.intervals)
    return rows[rows["split"] == "test"].iloc[0], predictions[predictions["split"] == "test"]


def test_replay_over_the_test_part_gives_the_experiments_predictions(job, tmp_path: Path) -> None:
    config = load_daily_config(job(DAILY, start="2019-02-01"))
    train_model(config.experiment, tmp_path / "model", model="ridge")  # `forecast train`
    headline, test = _experiment_test_part(config, "ridge")
    first, last = test["end_date"].iloc[0], test["target_date"].iloc[-1]
    replay(config, tmp_path / "run", f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}")
    store = tmp_path / "run" / "daily.duckdb"

    forecasts = query(store, "SELECT * FROM forecasts ORDER BY series, origin_day")
    days = pd.to_datetime(forecasts["origin_day"])
    chosen = forecasts[(forecasts["series"] == "chosen") & days.isin(test["end_date"])]
    assert len(chosen) == len(test) and forecasts["vintage"].notna().all()
    for column in ("y_pred", "lower80", "upper80", "lower95", "upper95"):
        np.testing.assert_allclose(chosen[column], test[column], rtol=0, atol=1e-9)
    # the statistical baselines roll forward the same way (theta is left out: the experiment
    # path cannot score its first training origins, statsforecast's "tiny datasets")
    _, own = _experiment_test_part(config, "rwd")
    mine = forecasts[(forecasts["series"] == "rwd") & days.isin(own["end_date"])]
    np.testing.assert_allclose(mine["y_pred"], own["y_pred"], rtol=0, atol=1e-9)

    score = query(store, "SELECT * FROM scores WHERE run_day = (SELECT max(run_day) FROM scores)")
    mine = score[score["series"] == "chosen"].iloc[0]
    assert mine["n"] == headline["n"]
    same = {"ratio_naive": "rmse_ratio_naive", "dm_pvalue": "dm_pvalue", "rmse_usd": "rmse_usd",
            "cov80": "cov80", "cov95": "cov95"}  # fmt: skip
    for ours, theirs in same.items():
        assert mine[ours] == pytest.approx(headline[theirs], rel=1e-9, abs=1e-12), ours


def test_a_replay_day_sees_what_a_fresh_load_up_to_it_sees(job) -> None:  # type: ignore[no-untyped-def]
    config = load_daily_config(job(DAILY, start="2019-01-01", end="2019-06-30"))
    preloaded = DataSource(config, preload=dt.date(2019, 6, 30))
    for day in (dt.date(2019, 3, 1), dt.date(2019, 3, 2), dt.date(2019, 6, 29)):
        fresh = DataSource(config).frame(day)
        pd.testing.assert_frame_equal(preloaded.frame(day), fresh)
        assert fresh.index[-1] <= pd.Timestamp(day)
