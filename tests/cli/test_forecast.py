from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.experiments.forecast_files import experiment_toml


def test_train_then_predict(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = experiment_toml(tmp_path / "exp")
    model_dir = tmp_path / "model"
    code, out, err = cli(
        "forecast", "train", str(config), "--out", str(model_dir),
        "--window", "4", "--feature-set", "BTC+Sentiment", "--model", "ridge",
    )  # fmt: skip
    assert code == 0, err
    assert "h1_w4_BTC+Sentiment_ridge_s0" in out and "test: rmse" in out
    metrics = pd.read_csv(model_dir / "metrics.csv")
    assert list(metrics["split"]) == ["train", "validation", "test"]
    code, out, err = cli("forecast", "predict", str(model_dir), "--out", str(tmp_path / "p.csv"))
    assert code == 0, err
    predictions = pd.read_csv(tmp_path / "p.csv")
    assert predictions["prediction"].notna().all()
    assert predictions["target_date"].isna().sum() == 1  # the newest, not yet known day
    # every row says which part it belongs to; the newest row is the forecast
    assert list(dict.fromkeys(predictions["split"])) == ["train", "validation", "test", "forecast"]
    assert predictions["split"].iloc[-1] == "forecast"
    assert "forecast 1 day(s) after" in out


def test_errors_exit_2_with_one_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("forecast", "predict", str(tmp_path / "nothing"))
    assert code == 2 and "not a saved sentcast model folder" in err
    config = experiment_toml(tmp_path / "exp")
    code, _, err = cli(
        "forecast", "train", "--config", str(config), "--out", str(tmp_path / "m"),
        "--set", "train.epochs=-1",
    )  # fmt: skip
    assert code == 2 and "train.epochs: must be > 0" in err
    code, _, err = cli(
        "forecast", "train", "--config", str(config), "--out", str(tmp_path / "m"),
        "--model", "xgboost",
    )  # fmt: skip
    assert code == 2 and "'xgboost' is not one of lstm, gru, cnn-lstm, ridge, rf, naive" in err
    code, _, err = cli("forecast", "train", "--out", str(tmp_path / "m"))
    assert code == 2 and "sentcast forecast train CONFIG" in err
