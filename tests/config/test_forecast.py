from __future__ import annotations

import logging

import pytest

from sentcast.config.forecast import ForecastExperiment
from sentcast.errors import ConfigError

DATA = {"market": {"BTC": "/data/BTC-USD.csv"}}


def test_defaults_hold_out_a_test_part_and_one_horizon() -> None:
    config = ForecastExperiment.from_mapping({"data": DATA, "grid": {"feature_sets": ["BTC"]}})
    assert (config.split.validation, config.split.test) == (0.2, 0.2)
    assert config.split.has_test
    assert config.target.horizons == [1]
    assert not config.evaluation.backtest.enabled
    assert config.evaluation.backtest.all_models == ["naive", "lstm", "ridge"]


def test_older_spellings_migrate_to_the_new_keys() -> None:
    # experiment files (and models saved with them) from before multi-horizon and [backtest]
    old = {
        "data": DATA,
        "target": {"kind": "log_return", "horizon": 3},
        "grid": {"feature_sets": ["BTC"]},
        "evaluation": {"backtest_folds": 4, "backtest_models": ["naive", "rf"]},
    }
    config = ForecastExperiment.from_mapping(old)
    assert config.target.horizons == [3]
    assert config.evaluation.backtest.folds == 4
    assert config.evaluation.backtest.all_models == ["naive", "rf"]
    resolved = config.to_toml_dict()
    assert "horizon" not in resolved["target"] and "backtest_folds" not in resolved["evaluation"]
    assert ForecastExperiment.from_mapping(resolved) == config


def test_split_without_test_part() -> None:
    config = ForecastExperiment.from_mapping(
        {"data": DATA, "grid": {"feature_sets": ["BTC"]}, "split": {"test": 0}}
    )
    assert not config.split.has_test


def test_asset_slots_may_carry_a_display_name() -> None:
    data = {"market": {"BTC": "eth.csv", "USD": "dxy.csv"}, "names": {"BTC": " ETH-USD "}}
    config = ForecastExperiment.from_mapping({"data": data, "grid": {"feature_sets": ["BTC"]}})
    assert config.data.market["BTC"].endswith("eth.csv")  # the slot keeps its file
    assert config.data.display_name("BTC") == "ETH-USD"
    assert config.data.display_name("USD") == "USD"


def test_cnn_lstm_is_one_spelling_and_the_old_one_is_read_with_a_note(
    caplog: pytest.LogCaptureFixture,
) -> None:
    old = {
        "data": DATA,
        "grid": {"feature_sets": ["BTC"], "models": ["lstm", "cnn_lstm"]},
        "model": {"cnn_lstm": {"hidden_size": 7}},
        "evaluation": {"backtest": {"models": ["cnn_lstm"]}},
    }
    with caplog.at_level(logging.WARNING, logger="sentcast.config.base"):
        config = ForecastExperiment.from_mapping(old)
    assert config.grid.models == ["lstm", "cnn-lstm"]
    assert config.evaluation.backtest.models == ["cnn-lstm"]
    assert config.model.network("cnn-lstm").hidden_size == 7
    assert "cnn_lstm is spelled cnn-lstm now" in caplog.text
    resolved = config.to_toml_dict()
    assert resolved["model"]["cnn-lstm"]["hidden_size"] == 7 and "cnn_lstm" not in resolved["model"]
    assert ForecastExperiment.from_mapping(resolved) == config


def test_both_spellings_of_one_table_are_refused() -> None:
    both = {
        "data": DATA,
        "grid": {"feature_sets": ["BTC"]},
        "model": {"cnn_lstm": {"hidden_size": 7}, "cnn-lstm": {"hidden_size": 9}},
    }
    with pytest.raises(ConfigError, match="give cnn-lstm only"):
        ForecastExperiment.from_mapping(both)
