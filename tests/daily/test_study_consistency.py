"""The target on the study itself: a replay of configs/study_btc.toml's test part with the
model `forecast train` saves (retraining off) gives the test predictions `experiment run`
scores for that cell, and its running score is that test headline. It takes minutes, so it
runs only with ``SENTCAST_STUDY_TESTS=1`` (the fast version is ``test_replay.py``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.daily.store import query

ROOT = Path(__file__).resolve().parents[2]
CELL = "h1_w7_BTC_lstm_s0"  # the first of each grid axis: what `forecast train` fits


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("SENTCAST_STUDY_TESTS"), reason="SENTCAST_STUDY_TESTS=1")
def test_study_replay_is_experiment_run(cli, shared_data: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    study = ROOT / "configs" / "study_btc.toml"
    assert cli("forecast", "train", str(study), "--out", str(tmp_path / "model"))[0] == 0
    one_cell = ['grid.windows=[7]', 'grid.feature_sets=["BTC"]', 'grid.models=["lstm"]',
                'grid.baselines=["naive"]', "grid.seeds=[0]", "evaluation.importance=false",
                "evaluation.plots=false"]  # fmt: skip
    sets = [arg for item in one_cell for arg in ("--set", item)]
    assert cli("experiment", "run", str(study), "--out", str(tmp_path / "exp"), *sets)[0] == 0
    text = study.read_text(encoding="utf-8").replace("../../shared/data", str(shared_data))
    daily = (
        '[daily]\nrun_dir = "run"\nmodel_dir = "model"\nretrain_every_days = 0\n'
        'baselines = ["rwd"]\n'
    )
    job = tmp_path / "job.toml"
    job.write_text(re.sub(r'^kind = "forecast"', f'kind = "daily"\n\n{daily}', text, flags=re.M))
    predictions = pd.read_parquet(tmp_path / "exp" / "cells" / f"{CELL}.predictions.parquet")
    test = predictions[predictions["split"] == "test"]
    first, last = test["end_date"].iloc[0], test["target_date"].iloc[-1]
    code, out, _ = cli("daily", str(job), "--replay", f"{first:%Y-%m-%d}..{last:%Y-%m-%d}")
    assert code == 0, out

    store = tmp_path / "run" / "daily.duckdb"
    forecasts = query(store, "SELECT * FROM forecasts WHERE series = 'chosen' ORDER BY origin_day")
    mine = forecasts[pd.to_datetime(forecasts["origin_day"]).isin(test["end_date"])]
    assert len(mine) == len(test)
    for column in ("y_pred", "lower80", "upper80", "lower95", "upper95"):
        np.testing.assert_allclose(mine[column], test[column], rtol=0, atol=1e-9)
    results = pd.read_csv(tmp_path / "exp" / "cells" / f"{CELL}.csv")
    headline = results[results["split"] == "test"].iloc[0]
    score = query(store, "SELECT * FROM scores WHERE series = 'chosen' ORDER BY run_day DESC")
    own = score.iloc[0]
    assert own["n"] == headline["n"]
    for ours, theirs in {"ratio_naive": "rmse_ratio_naive", "rmse_usd": "rmse_usd",
                         "cov80": "cov80", "cov95": "cov95"}.items():  # fmt: skip
        assert own[ours] == pytest.approx(headline[theirs], rel=1e-9), ours
    assert np.isnan(own["dm_pvalue"]) == np.isnan(headline["dm_pvalue"])
    if not np.isnan(headline["dm_pvalue"]):
        assert own["dm_pvalue"] == pytest.approx(headline["dm_pvalue"], rel=1e-9)
