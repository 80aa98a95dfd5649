"""Tuning on validation: the search space, the median rule, a seeded study that never reads
the test part and never ends worse than the untuned network, and the grid's files."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from sentcast.config.tuning import SearchSpace, TuningConfig
from sentcast.errors import ConfigError
from sentcast.experiments.forecast_cells import Cell
from sentcast.experiments.forecast_data import experiment_cell, load_experiment_data
from sentcast.experiments.runner import load_experiment, run_experiment
from sentcast.tuning.study import chosen_params, tune_cell
from sentcast.tuning.trials import MedianRule
from tests.experiments.forecast_files import experiment_toml

TUNING = [
    "tuning.enabled=true",
    "tuning.trials=5",
    "tuning.rounds_of=2",
    "tuning.startup_trials=1",
    "tuning.warmup_epochs=1",
    "tuning.space.hidden_size=[4, 8]",
    "tuning.space.layers=[1]",
    "tuning.space.batch_size=[16]",
]
GRID = [
    "grid.windows=[4]",
    "grid.seeds=[0, 1]",
    'grid.feature_sets=["BTC+Sentiment"]',
    'grid.models=["lstm"]',
    'grid.baselines=["naive"]',
    "evaluation.backtest.folds=0",
    "evaluation.plots=false",
    "evaluation.importance=false",
    "train.epochs=6",
    "train.patience=3",
    "train.batch_size=16",
    "model.lstm.hidden_size=8",
]


def test_search_space_ranges_are_checked() -> None:
    with pytest.raises(ValueError, match="dropout"):
        SearchSpace(dropout=(0.5, 0.2))
    with pytest.raises(ValueError, match="learning_rate"):
        SearchSpace(learning_rate=(0.0, 0.1))
    config = TuningConfig(enabled=True, spaces={"lstm": SearchSpace(layers=[3])})
    assert config.space_of("lstm").layers == [3]
    assert config.space_of("cnn-lstm").layers == [1, 2]
    assert config.tunes("lstm", ["lstm"]) and not TuningConfig().tunes("lstm", ["lstm"])


def test_unknown_tuning_keys_are_config_errors(tmp_path: Path) -> None:
    toml = experiment_toml(tmp_path / "exp")
    with pytest.raises(ConfigError, match=r"tuning\.space\.units"):
        load_experiment(toml, ["tuning.space.units=[3]"])


def test_median_rule_uses_finished_curves_after_startup_and_warmup() -> None:
    rule = MedianRule([[1.0, 0.5, 0.4], [1.0, 0.7, 0.6], [1.0, 0.9]], startup=2, warmup=1)
    assert rule.median(0) is None  # warmup
    assert rule.median(1) == 0.7
    watcher = rule.watcher()
    assert not watcher(0, 0.8)
    assert watcher(1, 0.75)  # best so far 0.75 > median 0.7
    assert MedianRule([[1.0]], startup=2, warmup=0).median(0) is None  # startup


@pytest.fixture(scope="module")
def cell_data(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    toml = experiment_toml(tmp_path_factory.mktemp("tune") / "exp")
    _, config = load_experiment(toml, [*GRID, *TUNING])
    data = load_experiment_data(config.data, config.grid.feature_sets)  # type: ignore[attr-defined]
    cell = Cell(4, "BTC+Sentiment", "lstm", 0, 1)
    return toml, config, cell, experiment_cell(data.frame, config, "BTC+Sentiment", 4, 1)  # type: ignore[arg-type]


def test_a_seeded_study_repeats_never_reads_test_and_beats_untuned(cell_data) -> None:  # type: ignore[no-untyped-def]
    _, config, cell, data = cell_data
    first = tune_cell(cell, data, config)
    no_test = dataclasses.replace(data, split=dataclasses.replace(data.split, test=None))
    again = tune_cell(cell, no_test, config)
    pd.testing.assert_frame_equal(first.drop(columns="seconds"), again.drop(columns="seconds"))
    assert len(first) == 5 and first["chosen"].sum() == 1
    assert first.iloc[0][["hidden_size", "batch_size"]].tolist() == [8, 16]  # untuned first
    chosen = first[first["chosen"]].iloc[0]
    assert chosen["val_rmse_usd"] <= first.iloc[0]["val_rmse_usd"]
    assert set(chosen_params(first)) == {
        "hidden_size",
        "layers",
        "dropout",
        "learning_rate",
        "batch_size",
    }


def test_a_tuned_grid_writes_tuning_csv_and_marks_the_tables(
    cell_data,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    toml, config, cell, data = cell_data
    out = tmp_path / "run"
    run_experiment(toml, out, [*GRID, *TUNING])
    trials = pd.read_csv(out / "tuning.csv")
    assert len(trials) == 5 and trials["chosen"].sum() == 1
    expected = tune_cell(cell, data, config)
    pd.testing.assert_frame_equal(
        trials.drop(columns="seconds"), expected.drop(columns="seconds"), check_dtype=False
    )
    tables = (out / "tables.md").read_text(encoding="utf-8")
    assert "## Tuning (validation part)" in tables and "LSTM (tuned)" in tables
    from sentcast.models.persistence import load_estimator

    model = load_estimator(out / "models" / "h1_w4_BTC+Sentiment_lstm_s1")
    assert model.hidden_size == chosen_params(trials)["hidden_size"]
    # a rerun keeps the study (read back from tuning/), the per-model path uses it too
    assert "0 run" in run_experiment(toml, out, [*GRID, *TUNING])
    single = tmp_path / "single"
    run_experiment(toml, single, [*GRID, *TUNING, "grid.batched=false"])
    pd.testing.assert_frame_equal(
        pd.read_csv(single / "tuning.csv").drop(columns="seconds"),
        trials.drop(columns="seconds"),
    )


def test_the_shipped_tuned_study_tunes_every_network_with_one_budget() -> None:
    study = Path(__file__).resolve().parents[2] / "configs" / "study_tuned.toml"
    _, config = load_experiment(study)
    from sentcast.experiments.forecast import grid_cells
    from sentcast.experiments.forecast_units import grid_units, is_tuned

    units = grid_units(grid_cells(config), config)  # type: ignore[arg-type]
    tuned = [u for u in units if is_tuned(u[0], config)]  # type: ignore[arg-type]
    assert len(tuned) == 2 * 3 * 2  # horizons x feature sets x networks
    assert all(len(u) == 3 for u in tuned)  # the seeds of a cell: one study, one batch
    assert config.tuning.trials >= 20 and config.tuning.sampler == "tpe"  # type: ignore[attr-defined]
    assert {u[0].feature_set for u in tuned} == {"BTC", "BTC+Sentiment", "BTC+StockTwits"}
