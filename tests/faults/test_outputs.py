"""Fault cases: an output that is an input, or another output, is refused before anything runs."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from tests.experiments.forecast_files import experiment_toml

CLI = Callable[..., tuple[int, str, str]]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused(result: tuple[int, str, str], words: str) -> None:
    code, _, err = result
    assert code == 2, err
    assert words in err and len(err.strip().splitlines()) == 1


@pytest.fixture()
def tweets(tmp_path: Path) -> Path:
    path = tmp_path / "tweets.parquet"
    pd.DataFrame({"date": ["2020-01-01", "2020-01-02"], "text": ["good", "bad"]}).to_parquet(path)
    return path


def test_score_out_equal_to_input_keeps_the_tweets(cli: CLI, tweets: Path) -> None:
    before = _digest(tweets)
    _refused(cli("sentiment", "score", str(tweets), "--out", str(tweets)), "is also an input")
    assert _digest(tweets) == before


def test_score_scored_equal_to_out(cli: CLI, tweets: Path, tmp_path: Path) -> None:
    out, same = tmp_path / "sub" / ".." / "daily.parquet", tmp_path / "daily.parquet"
    result = cli("sentiment", "score", str(tweets), "--out", str(out), "--scored", str(same))
    _refused(result, "are the same file")
    assert not (tmp_path / "daily.parquet").exists()


def test_score_out_under_a_regular_file(cli: CLI, tweets: Path) -> None:
    result = cli("sentiment", "score", str(tweets), "--out", str(tweets / "daily.parquet"))
    _refused(result, "is a file, not a folder")


def test_market_load_out_equal_to_input(cli: CLI, market_dir: Path, tmp_path: Path) -> None:
    btc = tmp_path / "BTC-USD.csv"
    shutil.copy(market_dir / "BTC-USD.csv", btc)
    before = _digest(btc)
    _refused(cli("market", "load", str(btc), "--out", str(btc)), "is also an input")
    assert _digest(btc) == before


def test_market_fetch_cache_that_is_a_file(cli: CLI, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.write_text("not a folder", encoding="utf-8")
    _refused(cli("market", "fetch", "BTC-USD", "--cache", str(cache)), "is a file, not a folder")
    assert cache.read_text(encoding="utf-8") == "not a folder"


@pytest.fixture()
def forecast_model(cli: CLI, tmp_path: Path) -> tuple[Path, Path]:
    config = experiment_toml(tmp_path / "exp")
    model_dir = tmp_path / "model"
    code, _, err = cli(
        "forecast", "train", str(config), "--out", str(model_dir),
        "--window", "3", "--feature-set", "BTC", "--model", "naive",
    )  # fmt: skip
    assert code == 0, err
    return config, model_dir


def test_forecast_train_out_equal_to_config(cli: CLI, forecast_model: tuple[Path, Path]) -> None:
    config, _ = forecast_model
    before = _digest(config)
    result = cli("forecast", "train", str(config), "--out", str(config))
    _refused(result, "is also an input")
    assert _digest(config) == before


def test_forecast_predict_out_equal_to_market_file(
    cli: CLI, forecast_model: tuple[Path, Path]
) -> None:
    config, model_dir = forecast_model
    btc = config.parent / "data" / "BTC-USD.csv"
    before = _digest(btc)
    _refused(cli("forecast", "predict", str(model_dir), "--out", str(btc)), "is also an input")
    assert _digest(btc) == before


def test_forecast_predict_out_inside_the_model(cli: CLI, forecast_model: tuple[Path, Path]) -> None:
    _, model_dir = forecast_model
    target = model_dir / "config.json"
    before = _digest(target)
    _refused(cli("forecast", "predict", str(model_dir), "--out", str(target)), "is also an input")
    assert _digest(target) == before


def test_textclf_train_out_equal_to_data(cli: CLI, tmp_path: Path) -> None:
    data = tmp_path / "reviews.csv"
    data.write_text("text,label\ngood film,positive\nbad film,negative\n", encoding="utf-8")
    before = _digest(data)
    _refused(cli("textclf", "train", "--data", str(data), "--out", str(data)), "is also an input")
    assert _digest(data) == before


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_out_the_file_system_refuses_is_one_line(cli: CLI, tweets: Path) -> None:
    code, _, err = cli("sentiment", "score", str(tweets), "--out", "/proc/daily.parquet")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert err.startswith("error: ") and "/proc/" in err


def test_forecast_train_into_a_folder_of_other_files(
    cli: CLI, forecast_model: tuple[Path, Path], tmp_path: Path
) -> None:
    config, model_dir = forecast_model
    project = tmp_path / "project"
    project.mkdir()
    (project / "config.json").write_text('{"mine": 1}', encoding="utf-8")
    (project / "weights.pt").write_bytes(b"my weights")
    args = ["--window", "3", "--feature-set", "BTC", "--model", "naive"]
    result = cli("forecast", "train", "--config", str(config), "--out", str(project), *args)
    _refused(result, "is not a saved sentcast model folder but holds config.json, weights.pt")
    assert (project / "config.json").read_text(encoding="utf-8") == '{"mine": 1}'
    assert (project / "weights.pt").read_bytes() == b"my weights"
    retrained = cli("forecast", "train", "--config", str(config), "--out", str(model_dir), *args)
    assert retrained[0] == 0, retrained[2]  # a sentcast model folder is replaced as before


def test_textclf_train_into_a_folder_of_other_files(cli: CLI, tmp_path: Path) -> None:
    data = tmp_path / "reviews.csv"
    data.write_text("text,label\ngood film,positive\nbad film,negative\n", encoding="utf-8")
    (tmp_path / "config.json").write_text("not json", encoding="utf-8")
    (tmp_path / "state.json").write_text("{}", encoding="utf-8")
    result = cli("textclf", "train", "--data", str(data), "--out", str(tmp_path))
    _refused(result, "holds config.json, state.json; refusing to replace them")
    assert (tmp_path / "config.json").read_text(encoding="utf-8") == "not json"
