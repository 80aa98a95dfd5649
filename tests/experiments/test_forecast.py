from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.config.forecast import ForecastExperiment
from sentcast.errors import ConfigError
from sentcast.experiments.forecast import grid_cells
from sentcast.experiments.runner import load_experiment, run_experiment
from sentcast.models.persistence import load_estimator
from tests.experiments.forecast_files import check_naive_comparisons

CONTRACT = [
    "window",
    "horizon",
    "feature_set",
    "n_features",
    "model",
    "seed",
    "split",
    "n",
    "rmse",
    "mae",
    "rmse_usd",
    "mae_usd",
    "mape",
    "dir_acc",
    "rmse_ratio_naive",
]


def counts_test(results: pd.DataFrame, window: int) -> int:
    """Test samples of ``window``."""
    rows = results[(results["split"] == "test") & (results["window"] == window)]
    return int(rows["n"].iloc[0])


def test_run_writes_the_run_dir_contract_and_resumes(tiny_experiment: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    summary = run_experiment(tiny_experiment, out)
    assert "14 run, 0 already done" in summary
    # stdout says plainly whether anything beats naive, then one line per (horizon, window)
    assert re.search(
        r"^answer: (no model beats naive \(best: |.+ beats naive at h = 1)", summary, re.M
    )
    assert re.search(
        r"^horizon 1, window 3: .+ \(chosen on validation\): test ratio", summary, re.M
    )
    results = pd.read_csv(out / "results.csv")
    assert list(results.columns[: len(CONTRACT)]) == CONTRACT
    # per window: naive + 2 ridge + 2 sets x 2 seeds LSTM = 7 cells, and the 2 LSTM seed
    # ensembles; train, validation, test
    assert len(results) == 2 * 9 * 3
    ensembles = results[results["model"] == "lstm-ens"]
    assert len(ensembles) == 2 * 2 * 3 and set(ensembles["seed"]) == {-1}
    cells = out / "cells"
    members = [
        pd.read_parquet(cells / f"h1_w5_BTC+Sentiment_lstm_s{seed}.predictions.parquet")
        for seed in (0, 1)
    ]
    mean = pd.read_parquet(cells / "h1_w5_BTC+Sentiment_lstm-ens_s-1.predictions.parquet")
    assert np.allclose(mean["y_pred"], (members[0]["y_pred"] + members[1]["y_pred"]) / 2)
    assert mean["lower80"].notna().sum() == counts_test(results, 5)
    assert list(results["split"].unique()) == ["train", "validation", "test"]
    check_naive_comparisons(results)
    assert set(results["n_features"]) == {6, 7}
    summary_json = json.loads((out / "data_summary.json").read_text())
    assert summary_json["kind"] == "forecast" and summary_json["calendar"] == "trading"
    assert summary_json["sentiment_columns"] == ["Sentiment_CL_sentiment"]
    counts = summary_json["n_samples"]["h1"]["5"]
    assert sum(counts.values()) == summary_json["n_days"] - 5
    assert min(counts["validation"], counts["test"]) >= 30
    test_n = results[(results["split"] == "test") & (results["window"] == 5)]["n"]
    assert (test_n == counts["test"]).all()
    tables = (out / "tables.md").read_text()
    assert "Sentiment source: **sentiment.csv**" in tables
    assert "## Horizon 1, window 3 days" in tables and "Naive (persistence" in tables
    assert "Seeds: 0, 1 (and each network's seed ensemble)." in tables
    assert f"**Headline: test part**, n = {counts['test']}." in tables
    assert "## Walk-forward backtest" in tables
    importance = pd.read_csv(out / "importance.csv")
    assert set(importance["seed"]) == {0}  # importance for seed 0 only
    assert {"feature", "group", "level", "window", "feature_set", "model", "importance"} <= set(
        importance.columns
    )
    ablation = pd.read_csv(out / "ablation.csv")  # BTC vs BTC+Sentiment: ridge and LSTM seeds
    assert len(ablation) == 2 * (1 + 2) and set(ablation["group"]) == {"Sentiment"}
    test_sizes = results[results["split"] == "test"].groupby("window")["n"].first()
    assert (ablation["n"].to_numpy() == test_sizes[ablation["window"]].to_numpy()).all()
    assert "## Feature importance (test part; target BTC)" in tables
    assert (out / "plots" / "predictions_h1_w3.png").stat().st_size > 1000
    assert (out / "plots" / "importance_h1_w5.png").is_file()
    # per window: naive + ridge on 2 feature sets, 2 folds each
    backtest = pd.read_csv(out / "backtest.csv")
    assert len(backtest) == 2 * 3 * 2
    assert set(backtest["model"]) == {"naive", "ridge"}
    assert len(pd.read_csv(out / "backtest_pooled.csv")) == 2 * 3
    model = load_estimator(out / "models" / "h1_w5_BTC+Sentiment_lstm_s1")
    assert model.n_features_in_ == 7
    # a re-run skips every finished cell and rebuilds the same results
    assert "0 run, 14 already done" in run_experiment(tiny_experiment, out)
    pd.testing.assert_frame_equal(pd.read_csv(out / "results.csv"), results)


def test_seeded_runs_reproduce_their_metrics_exactly(tiny_experiment: Path, tmp_path: Path) -> None:
    overrides = ["grid.windows=[4]", "grid.seeds=[3]", "evaluation.backtest.folds=0"]
    frames = []
    for name in ("a", "b"):
        run_experiment(tiny_experiment, tmp_path / name, overrides)
        frames.append(pd.read_csv(tmp_path / name / "results.csv").drop(columns="fit_seconds"))
    pd.testing.assert_frame_equal(frames[0], frames[1])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("grid.windows=[0]", "grid.windows: every window must be >= 1"),
        ("train.epochs=0", "train.epochs: must be > 0"),
        ("model.lstm.units=3", "model.lstm.units: unknown key"),
        ("split.validation=1.5", "split.validation: must be < 1"),
        ("grid.feature_sets=['BTC+VIX']", "grid.feature_sets: feature set 'BTC+VIX'"),
        ("data.sentiment=false", "data.sentiment"),
    ],
)
def test_config_errors_name_dotted_paths(
    tiny_experiment: Path, override: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("+", r"\+")):
        load_experiment(tiny_experiment, [override])


def test_relative_paths_resolve_against_the_file_then_the_cwd(
    tiny_experiment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, config = load_experiment(tiny_experiment)
    assert isinstance(config, ForecastExperiment)
    assert config.data.market["BTC"] == str(tiny_experiment.parent / "data" / "BTC-USD.csv")
    monkeypatch.chdir(tmp_path)
    _, config = load_experiment(tiny_experiment, ["data.market.BTC=mine.csv"])
    assert isinstance(config, ForecastExperiment)
    assert config.data.market["BTC"] == str(tmp_path / "mine.csv")


def test_grid_of_the_shipped_study_config() -> None:
    study = Path(__file__).resolve().parents[2] / "configs" / "study_btc.toml"
    _, config = load_experiment(study)
    assert isinstance(config, ForecastExperiment)
    cells = grid_cells(config)
    networks = [c for c in cells if c.is_network]
    assert len(networks) == 3 * 8 * 2 * 3
    assert len({(c.window, c.feature_set, c.model) for c in networks}) == 48
    assert config.data.sentiment is not None
    assert config.data.sentiment.path.endswith(
        "shared/data/sentiment_daily/reddit_comments_sentiment.csv"
    )


def test_parallel_cells_give_the_same_results(tiny_experiment: Path, tmp_path: Path) -> None:
    overrides = ["grid.windows=[4]", "evaluation.backtest.folds=0", "evaluation.importance=false"]
    frames = []
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        summary = run_experiment(tiny_experiment, out, [*overrides, f"grid.jobs={jobs}"])
        assert "0 already done" in summary
        frames.append(pd.read_csv(out / "results.csv").drop(columns="fit_seconds"))
    pd.testing.assert_frame_equal(frames[0], frames[1])


def test_models_saved_by_the_grid_predict_from_the_cli(
    tiny_experiment: Path, tmp_path: Path
) -> None:
    from sentcast.experiments.forecast_model import predict_model

    out = tmp_path / "run"
    overrides = ["grid.windows=[4]", "grid.seeds=[0]", "evaluation.backtest.folds=0"]
    run_experiment(tiny_experiment, out, overrides)
    frame, summary = predict_model(out / "models" / "h1_w4_BTC+Sentiment_lstm_s0")
    assert frame["target_date"].isna().iloc[-1]  # the newest window forecasts an unknown day
    assert frame["prediction"].notna().all()
    assert summary


def test_statistical_baselines_run_in_the_grid_and_the_backtest_once_per_window(
    tiny_experiment: Path, tmp_path: Path
) -> None:
    overrides = [
        "grid.models=[]",
        "grid.baselines=['naive', 'ets', 'rwd']",
        "evaluation.backtest.models=['ets']",
        "evaluation.importance=false",
        "evaluation.plots=false",
    ]
    out = tmp_path / "stats"
    run_experiment(tiny_experiment, out, overrides)
    results = pd.read_csv(out / "results.csv")
    stats = results[results["model"].isin(["ets", "rwd"])]
    # one cell per (window, model), on the close alone (feature set BTC), three parts each
    assert len(stats) == 2 * 2 * 3 and set(stats["feature_set"]) == {"BTC"}
    test = stats[stats["split"] == "test"]
    assert test["rmse_ratio_naive"].between(0.8, 1.5).all()
    assert test["cov80"].notna().all()  # conformal intervals, like every model
    pooled = pd.read_csv(out / "backtest_pooled.csv")
    ets = pooled[pooled["model"] == "ets"]
    assert len(ets) == 2 and set(ets["feature_set"]) == {"BTC"}  # once per window
    assert "AutoETS" in (out / "tables.md").read_text()
