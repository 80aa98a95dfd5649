"""Tuning on validation: the search space, the median rule, a seeded study that never reads
the test part and never ends worse than the untuned network, and the grid's files."""

from __future__ import annotations

import dataclasses
import io
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sentcast.config.tuning import SearchSpace, TuningConfig
from sentcast.errors import ConfigError, UserInputError
from sentcast.experiments.forecast_cells import Cell
from sentcast.experiments.forecast_data import experiment_cell, load_experiment_data
from sentcast.experiments.runner import load_experiment, run_experiment
from sentcast.tuning.report import collect_tuning, tuning_markdown
from sentcast.tuning.study import (
    TUNING_COLUMNS,
    _suggest,
    cell_tuning,
    chosen_params,
    default_params,
    ray_round,
    read_study,
    tune_cell,
    tune_on_ray,
    tuned_estimator,
    tuning_file,
)
from sentcast.tuning.trials import (
    TUNED_PARAMS,
    MedianRule,
    TrialResult,
    run_round,
    trial_estimator,
    validation_rmse_usd,
)
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
def panel(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The tiny experiment's TOML, config (``GRID`` + ``TUNING``) and panel."""
    toml = experiment_toml(tmp_path_factory.mktemp("tune") / "exp")
    _, config = load_experiment(toml, [*GRID, *TUNING])
    data = load_experiment_data(config.data, config.grid.feature_sets)  # type: ignore[attr-defined]
    return toml, config, data.frame


@pytest.fixture(scope="module")
def cell_data(panel):  # type: ignore[no-untyped-def]
    toml, config, frame = panel
    cell = Cell(4, "BTC+Sentiment", "lstm", 0, 1)
    return toml, config, cell, experiment_cell(frame, config, "BTC+Sentiment", 4, 1)


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


# --- unit tests of tuning/trials.py, study.py and report.py (fast: fake round runners, stubs)

#: Untuned values outside the ranges below: the space is widened to contain them.
UNTUNED = {"hidden_size": 8, "layers": 1, "dropout": 0.5, "learning_rate": 1e-4, "batch_size": 16}


def _tuning(config: Any, **changes: Any) -> Any:
    """``config`` with ``[tuning]`` keys changed."""
    return config.model_copy(update={"tuning": config.tuning.model_copy(update=changes)})


def _asked() -> Any:
    """A fresh trial of a seeded Optuna study."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask()


def _objective(params: dict[str, Any]) -> float:
    """A fake validation RMSE that depends on every parameter."""
    return (
        params["hidden_size"] / 8
        + params["layers"]
        + 10 * params["dropout"]
        + 100 * params["learning_rate"]
        + params["batch_size"] / 64
    )


class FakeRounds:
    """A round runner that trains nothing: trial ``n``'s validation RMSE is ``values[n]`` (else
    :func:`_objective`), its curve ``[v + 2, v, v + 0.5]`` (best epoch 1); a trial for which
    ``prune(n, params)`` holds stops after one epoch at ``v + 1``. Records every round."""

    def __init__(
        self,
        values: dict[int, float] | None = None,
        prune: Callable[[int, dict[str, Any]], bool] = lambda n, p: False,
    ) -> None:
        self.values, self.prune = values or {}, prune
        self.rounds: list[tuple[str, Any, Any, list[int], list[list[float]]]] = []

    def __call__(
        self,
        name: str,
        config: Any,
        data: Any,
        trials: list[tuple[int, dict[str, Any]]],
        finished: list[list[float]],
    ) -> list[TrialResult]:
        assert trials, "a round asks at least one trial"
        numbers = [n for n, _ in trials]
        self.rounds.append((name, config, data, numbers, [list(c) for c in finished]))
        results = []
        for number, params in trials:
            value = self.values[number] if number in self.values else _objective(params)
            pruned = self.prune(number, params)
            curve = [value + 1.0] if pruned else [value + 2.0, value, value + 0.5]
            best = 0 if pruned else 1
            seconds = 0.25 * (number + 1)
            results.append(TrialResult(number, params, value, pruned, curve, best, seconds))
        return results


def test_the_median_is_over_the_finished_trials_best_loss_up_to_the_epoch() -> None:
    rule = MedianRule([[4.0, 3.0, 1.0], [2.0, 2.5, 2.25], [6.0, 3.0]], startup=0, warmup=0)
    assert rule.median(0) == 4.0  # first losses 4, 2, 6
    assert rule.median(1) == 3.0  # best so far 3, 2, 3
    assert rule.median(2) == 2.0  # 1, 2, 3: a shorter (early-stopped) curve keeps its best
    assert rule.median(9) == 2.0
    assert MedianRule([[1.0], [2.0]], startup=0, warmup=0).median(0) == 1.5
    # a finished trial without a single epoch counts for nothing
    assert MedianRule([[], [0.25]], startup=0, warmup=0).median(0) == 0.25
    assert MedianRule([[]], startup=0, warmup=0).median(0) is None


def test_the_median_rule_waits_for_startup_trials_and_warmup_epochs() -> None:
    two = [[1.0, 1.0, 1.0], [3.0, 3.0, 3.0]]
    assert MedianRule(two, startup=3, warmup=0).median(2) is None
    assert MedianRule(two, startup=2, warmup=0).median(0) == 2.0  # exactly startup trials
    assert MedianRule(two[:1], startup=0, warmup=0).median(0) == 1.0
    assert MedianRule([], startup=0, warmup=0).median(0) is None  # nothing finished yet
    rule = MedianRule(two, startup=1, warmup=2)
    assert [rule.median(e) for e in range(3)] == [None, None, 2.0]  # epochs 0, 1: warm-up


def test_a_trial_stops_when_its_best_loss_is_worse_than_the_median() -> None:
    rule = MedianRule([[1.0, 0.25, 0.25], [1.0, 0.75, 0.75]], startup=1, warmup=1)
    # median: None at epoch 0 (warm-up), then 0.5
    kept = rule.watcher()
    assert kept(0, 9.0) is False  # warm-up: never stopped
    assert kept(1, 0.5) is False  # as good as the median is not worse
    assert kept(2, 0.9) is False  # its best so far is still 0.5
    assert kept.pruned is False
    stopped = rule.watcher()  # a second trial of the round has its own best
    assert stopped(0, 0.6) is False
    assert stopped(1, 0.9) is True  # best 0.6 > 0.5
    assert stopped.pruned is True
    assert rule.watcher()(1, 0.4) is False  # a first report below the median


def test_a_trial_searches_the_space_widened_to_the_untuned_values() -> None:
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    space = SearchSpace(
        hidden_size=[32, 16],
        layers=[1, 2],
        dropout=(0.0, 0.3),
        learning_rate=(1e-3, 1e-2),
        batch_size=[64],
    )
    trial = _asked()
    params = _suggest(trial, space, UNTUNED)
    assert trial.distributions == {
        "hidden_size": CategoricalDistribution([8, 16, 32]),  # + untuned 8, sorted
        "layers": CategoricalDistribution([1, 2]),
        "batch_size": CategoricalDistribution([16, 64]),
        "dropout": FloatDistribution(0.0, 0.5),  # uniform, up to the untuned 0.5
        "learning_rate": FloatDistribution(1e-4, 1e-2, log=True),  # log scale, from 1e-4
    }
    assert params == trial.params


def test_a_parameter_with_one_possible_value_is_not_searched() -> None:
    # empty lists and equal ends keep the untuned value; so does a list of that value only
    space = SearchSpace(
        hidden_size=[], layers=[1], dropout=(0.5, 0.5), learning_rate=(1e-4, 1e-4), batch_size=[]
    )
    trial = _asked()
    assert _suggest(trial, space, UNTUNED) == UNTUNED
    assert trial.distributions == {}


def test_the_untuned_parameters_are_the_networks_and_train_values(cell_data) -> None:  # type: ignore[no-untyped-def]
    toml = cell_data[0]
    overrides = ["model.lstm.layers=2", "model.lstm.dropout=0.25", "model.gru.hidden_size=12"]
    _, config = load_experiment(toml, [*GRID, *overrides, "train.learning_rate=0.002"])
    assert default_params("lstm", config) == {  # type: ignore[arg-type]
        "hidden_size": 8,
        "layers": 2,
        "dropout": 0.25,
        "learning_rate": 0.002,
        "batch_size": 16,
    }
    assert default_params("gru", config)["hidden_size"] == 12  # type: ignore[arg-type]


def test_a_study_asks_rounds_and_gives_each_the_earlier_rounds_curves(cell_data) -> None:  # type: ignore[no-untyped-def]
    config = _tuning(cell_data[1], sampler="random")  # 5 trials in rounds of 2
    cell = Cell(4, "BTC+Sentiment", "lstm", seed=1, horizon=2)
    data = object()
    runner = FakeRounds({0: 5.0, 1: 0.5, 2: 3.0, 3: 3.0, 4: 4.0}, prune=lambda n, p: n == 1)
    frame = tune_cell(cell, data, config, runner)  # type: ignore[arg-type]
    assert [r[3] for r in runner.rounds] == [[0, 1], [2, 3], [4]]
    assert all(r[:3] == ("lstm", config, data) for r in runner.rounds)
    # the median rule's reference: curves of the trials of earlier rounds, pruned ones left out
    assert [r[4] for r in runner.rounds] == [
        [],
        [[7.0, 5.0, 5.5]],
        [[7.0, 5.0, 5.5], [5.0, 3.0, 3.5], [5.0, 3.0, 3.5]],
    ]
    assert list(frame.columns) == TUNING_COLUMNS
    keys = ["horizon", "window", "feature_set", "model"]
    assert frame[keys].drop_duplicates().values.tolist() == [[2, 4, "BTC+Sentiment", "lstm"]]
    assert frame["trial"].tolist() == [0, 1, 2, 3, 4]
    assert frame["state"].tolist() == ["complete", "pruned", "complete", "complete", "complete"]
    assert frame["val_rmse_usd"].tolist() == [5.0, 0.5, 3.0, 3.0, 4.0]
    assert frame["epochs"].tolist() == [3, 1, 3, 3, 3]
    assert frame["best_epoch"].tolist() == [2, 1, 2, 2, 2]  # counted from 1
    assert frame["seconds"].tolist() == [0.25, 0.5, 0.75, 1.0, 1.25]
    assert frame.iloc[0][list(TUNED_PARAMS)].to_dict() == default_params("lstm", config)
    # the lowest RMSE among trials not pruned, the earliest on a tie
    assert frame["chosen"].tolist() == [False, False, True, False, False]


def test_a_networks_own_space_is_the_one_searched(cell_data) -> None:  # type: ignore[no-untyped-def]
    # ``spaces.<network>`` replaces the shared space for that network only
    own = SearchSpace(hidden_size=[32], layers=[3], dropout=(0.0, 0.0), batch_size=[64])
    config = _tuning(cell_data[1], sampler="random", spaces={"lstm": own})
    frame = tune_cell(cell_data[2], object(), config, FakeRounds())  # type: ignore[arg-type]
    searched = frame.iloc[1:]  # trial 0 is the untuned network
    assert set(searched["hidden_size"]) <= {8, 32} and 32 in set(searched["hidden_size"])
    assert set(searched["layers"]) <= {1, 3} and 3 in set(searched["layers"])
    assert set(searched["batch_size"]) <= {16, 64} and 64 in set(searched["batch_size"])


def test_the_untuned_trial_is_chosen_when_no_trial_beats_it(cell_data) -> None:  # type: ignore[no-untyped-def]
    config, cell = _tuning(cell_data[1], sampler="random"), cell_data[2]
    runner = FakeRounds({0: 1.0, 1: 1.0, 2: 2.0, 3: 1.5, 4: 1.0})
    frame = tune_cell(cell, object(), config, runner)  # type: ignore[arg-type]
    assert frame["chosen"].tolist() == [True, False, False, False, False]
    assert chosen_params(frame) == default_params("lstm", config)


def test_a_round_that_loses_a_trial_stops_the_study(cell_data) -> None:  # type: ignore[no-untyped-def]
    config, cell = cell_data[1], cell_data[2]
    fake = FakeRounds()

    def lossy(name, config, data, trials, finished):  # type: ignore[no-untyped-def]
        return fake(name, config, data, trials[:-1], finished)

    with pytest.raises(ValueError, match="zip"):
        tune_cell(cell, object(), config, lossy)  # type: ignore[arg-type]


@pytest.mark.parametrize("sampler", ["tpe", "random"])
def test_a_study_in_rounds_of_one_is_optunas_seeded_sequential_study(cell_data, sampler) -> None:  # type: ignore[no-untyped-def]
    import optuna

    config, cell = cell_data[1], cell_data[2]
    config = _tuning(config, sampler=sampler, seed=7, trials=14, rounds_of=1, space=SearchSpace())

    def big(number: int, params: dict[str, Any]) -> bool:
        return params["hidden_size"] >= 64

    frame = tune_cell(cell, object(), config, FakeRounds(prune=big))  # type: ignore[arg-type]
    assert 0 < (frame["state"] == "pruned").sum() < 14
    # the same study with Optuna's own loop: report every epoch, raise TrialPruned
    default, space, asked = default_params("lstm", config), config.tuning.space, []

    def objective(trial: Any) -> float:
        params = _suggest(trial, space, default)
        asked.append(params)
        [result] = FakeRounds(prune=big)("lstm", config, None, [(trial.number, params)], [])
        for epoch, loss in enumerate(result.curve):
            trial.report(loss, epoch)
        if result.pruned:
            raise optuna.TrialPruned
        return result.value

    kind = optuna.samplers.TPESampler if sampler == "tpe" else optuna.samplers.RandomSampler
    study = optuna.create_study(direction="minimize", sampler=kind(seed=7))
    study.enqueue_trial(default)
    study.optimize(objective, n_trials=14)
    assert frame[list(TUNED_PARAMS)].to_dict("records") == asked


def test_tuning_files_are_one_per_network_cell_inside_the_run(tmp_path: Path) -> None:
    cell = Cell(30, "BTC+USD", "cnn-lstm", seed=2, horizon=7)
    path = tmp_path.resolve() / "tuning" / "h7_w30_BTC+USD_cnn-lstm.csv"
    assert tuning_file(tmp_path, cell) == path
    assert tuning_file(tmp_path, dataclasses.replace(cell, seed=0)) == path  # every seed
    # (a configured feature set is a name; a hand-made cell still cannot write outside)
    with pytest.raises(UserInputError, match="escapes the run folder"):
        tuning_file(tmp_path, Cell(30, "/../../../BTC", "lstm", 0))


def test_the_chosen_parameters_are_read_as_python_numbers() -> None:
    text = (
        "trial,state,hidden_size,layers,dropout,learning_rate,batch_size,chosen\n"
        "0,complete,8,1,0.0,0.01,16,False\n"
        "1,complete,32,2,0.125,0.0005,64,True\n"
        "2,pruned,16,1,0.25,0.001,32,False\n"
    )
    params = chosen_params(pd.read_csv(io.StringIO(text)))
    assert params == {
        "hidden_size": 32,
        "layers": 2,
        "dropout": 0.125,
        "learning_rate": 0.0005,
        "batch_size": 64,
    }
    assert [type(v) for v in params.values()] == [int, int, float, float, int]
    with pytest.raises(IndexError):  # no trial chosen
        chosen_params(pd.read_csv(io.StringIO(text.replace("True", "False"))))


def test_a_cell_is_tuned_once_and_its_study_read_back(cell_data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = _tuning(cell_data[1], sampler="random")
    values = {0: 2.0, 1: 3.0, 2: 2.5, 3: 1.0, 4: 1.5}
    out = tmp_path / "run"  # not made yet
    cell = Cell(4, "BTC+Sentiment", "lstm", 1)
    params = cell_tuning(cell, object(), config, out, FakeRounds(values))  # type: ignore[arg-type]
    written = read_study(out / "tuning" / "h1_w4_BTC+Sentiment_lstm.csv")
    expected = tune_cell(cell, object(), config, FakeRounds(values))  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(written, expected, check_dtype=False, check_exact=True)
    assert written["chosen"].tolist() == [False, False, False, True, False]
    assert params == chosen_params(expected)

    def untouched(*args: Any) -> Any:
        raise AssertionError("tuned again")

    other_seed = dataclasses.replace(cell, seed=0)
    assert cell_tuning(other_seed, object(), config, out, untouched) == params  # type: ignore[arg-type]


def test_a_study_read_back_gives_the_chosen_floats_exactly(cell_data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # pandas' default CSV parser reads 0.001916743885441476 as 0.0019167438854414: a resumed
    # run or a backtest would train with another learning rate than the first run's seeds
    config, cell = cell_data[1], cell_data[2]
    lr, dropout = 0.001916743885441476, 0.23751751142479938
    row = {**UNTUNED, "learning_rate": lr, "dropout": dropout, "chosen": True}
    tuning_file(tmp_path, cell).parent.mkdir()
    pd.DataFrame([row]).to_csv(tuning_file(tmp_path, cell), index=False)
    params = cell_tuning(cell, object(), config, tmp_path)  # type: ignore[arg-type]
    assert (params["learning_rate"], params["dropout"]) == (lr, dropout)
    model = tuned_estimator(cell, cell_data[3], config, tmp_path)
    assert (model.train.learning_rate, model.dropout) == (lr, dropout)
    full = pd.DataFrame([{**dict.fromkeys(TUNING_COLUMNS, 1), **row}])
    full.to_csv(tuning_file(tmp_path, cell), index=False)
    trials = collect_tuning(config, [cell], tmp_path)
    assert trials["learning_rate"].tolist() == [lr]
    assert (
        pd.read_csv(tmp_path / "tuning.csv", float_precision="round_trip")["dropout"][0] == dropout
    )


@pytest.mark.parametrize(
    "text",
    ["", "not,a,study\n1,2,3\n", "hidden_size,layers,dropout,learning_rate,batch_size,chosen\n"],
)
def test_an_unreadable_study_is_tuned_again(  # type: ignore[no-untyped-def]
    cell_data, tmp_path: Path, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    config, cell = _tuning(cell_data[1], sampler="random"), cell_data[2]
    path = tuning_file(tmp_path, cell)
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="sentcast.tuning.study"):
        params = cell_tuning(cell, object(), config, tmp_path, FakeRounds({3: 0.0}))  # type: ignore[arg-type]
    warned = [r.getMessage() for r in caplog.records if r.name == "sentcast.tuning.study"]
    assert warned == [f"{path}: unreadable, tuning again"]
    study = read_study(path)
    assert study["chosen"].tolist() == [False, False, False, True, False]
    assert params == chosen_params(study)


def test_a_tuned_networks_estimator_takes_the_chosen_parameters(cell_data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, config, cell, data = cell_data
    seed1 = dataclasses.replace(cell, seed=1)
    grid = tuned_estimator(seed1, data, config, tmp_path)  # no study yet: the grid's
    assert (grid.hidden_size, grid.train, grid.seed) == (8, config.train, 1)
    chosen = {"hidden_size": 4, "layers": 2, "dropout": 0.2, "learning_rate": 0.005}
    rows = [{**UNTUNED, "chosen": False}, {**chosen, "batch_size": 32, "chosen": True}]
    tuning_file(tmp_path, cell).parent.mkdir()
    pd.DataFrame(rows).to_csv(tuning_file(tmp_path, cell), index=False)
    model = tuned_estimator(seed1, data, config, tmp_path)
    assert (model.network, model.hidden_size, model.layers, model.dropout) == ("lstm", 4, 2, 0.2)
    assert model.train == config.train.model_copy(update={"learning_rate": 0.005, "batch_size": 32})
    assert model.seed == 1
    untuned = tuned_estimator(seed1, data, _tuning(config, enabled=False), tmp_path)
    assert (untuned.hidden_size, untuned.train, untuned.seed) == (8, config.train, 1)


def test_a_trial_estimator_replaces_only_the_trials_parameters(cell_data) -> None:  # type: ignore[no-untyped-def]
    _, config, _, data = cell_data
    lstm = config.model.network("lstm")
    model = trial_estimator("lstm", config, data, {"hidden_size": 4}, seed=3)
    assert (model.network, model.hidden_size, model.layers, model.dropout) == (
        "lstm",
        4,
        lstm.layers,
        lstm.dropout,
    )
    assert (model.train, model.seed) == (config.train, 3)
    full = {
        "hidden_size": 16,
        "layers": 2,
        "dropout": 0.25,
        "learning_rate": 0.004,
        "batch_size": 64,
    }
    model = trial_estimator("gru", config, data, full, seed=0)
    assert (model.network, model.hidden_size, model.layers, model.dropout) == ("gru", 16, 2, 0.25)
    assert model.train == config.train.model_copy(update={"learning_rate": 0.004, "batch_size": 64})


class _Answer:
    """A fitted model stand-in whose predictions are ``answer(X)``."""

    def __init__(self, answer: Callable[[Any], Any]) -> None:
        self.answer = answer
        self.seen: list[Any] = []

    def predict(self, X: Any) -> Any:
        self.seen.append(X)
        return self.answer(X)


def test_the_objective_is_the_validation_rmse_in_usd(cell_data) -> None:  # type: ignore[no-untyped-def]
    data = cell_data[3]
    val = data.split.validation
    high = _Answer(lambda X: val.target_close + 3.0)  # 3 USD too high every day
    assert validation_rmse_usd(high, data, "price") == pytest.approx(3.0)  # type: ignore[arg-type]
    assert high.seen == [val.X] and high.seen[0] is val.X
    low = _Answer(lambda X: np.log((val.target_close - 4.0) / val.last_close))
    assert validation_rmse_usd(low, data, "log_return") == pytest.approx(4.0)  # type: ignore[arg-type]


def test_a_trials_result_does_not_depend_on_the_trials_beside_it(cell_data) -> None:  # type: ignore[no-untyped-def]
    _, config, _, data = cell_data
    config = _tuning(config, pruner="none")
    default = default_params("lstm", config)
    other, small = {**default, "learning_rate": 0.003}, {**default, "hidden_size": 4}
    together = run_round("lstm", config, data, [(0, default), (1, other), (2, small)], [])
    [alone] = run_round("lstm", config, data, [(7, other)], [])
    assert [r.number for r in together] == [0, 1, 2] and alone.number == 7
    assert [r.params for r in together] == [default, other, small]
    one = together[1]
    assert (one.value, one.curve, one.best_epoch) == (alone.value, alone.curve, alone.best_epoch)
    model = trial_estimator("lstm", config, data, other, config.tuning.seed)
    split = data.split
    model.fit(split.train.X, split.train.y, validation=(split.validation.X, split.validation.y))
    assert one.value == pytest.approx(validation_rmse_usd(model, data, config.target.kind))
    assert one.curve == pytest.approx(model.history_.val_loss)
    assert one.best_epoch == model.history_.best_epoch
    for result in together:
        assert not result.pruned and result.value > 0 and result.seconds > 0


def test_a_round_prunes_by_the_median_of_earlier_rounds_only_when_asked(cell_data) -> None:  # type: ignore[no-untyped-def]
    _, config, _, data = cell_data
    trials = [(5, default_params("lstm", config))]
    unbeatable = [[1e-12] * 10]  # a finished trial no network reaches
    median = _tuning(config, pruner="median", startup_trials=1, warmup_epochs=1)
    [pruned] = run_round("lstm", median, data, trials, unbeatable)
    assert pruned.pruned and len(pruned.curve) == 2  # stopped at epoch 1, after the warm-up
    [kept] = run_round("lstm", _tuning(median, pruner="none"), data, trials, unbeatable)
    assert not kept.pruned and len(kept.curve) > 2
    [early] = run_round("lstm", _tuning(median, startup_trials=2), data, trials, unbeatable)
    assert not early.pruned and early.curve == kept.curve  # one finished trial < startup 2


class FakeRay:
    """Ray in this process: ``put`` wraps a value, a task runs at ``get`` with wrapped
    arguments unwrapped (as Ray hands tasks objects of its store); ``task`` stands in for the
    remote function when given. Records the options and every task's function and arguments."""

    class Ref:
        def __init__(self, value: Any) -> None:
            self.value = value

    def __init__(self, task: Callable[..., Any] | None = None) -> None:
        self.task = task
        self.options: list[dict[str, Any]] = []
        self.calls: list[tuple[Any, tuple[Any, ...]]] = []

    def put(self, value: Any) -> FakeRay.Ref:
        return FakeRay.Ref(value)

    def remote(self, **options: Any) -> Callable[[Any], Any]:
        self.options.append(options)
        fake = self

        def wrap(function: Any) -> Any:
            run = fake.task or function

            class Task:
                @staticmethod
                def remote(*args: Any) -> Callable[[], Any]:
                    fake.calls.append((function, args))
                    values = [a.value if isinstance(a, FakeRay.Ref) else a for a in args]
                    return lambda: run(*values)

            return Task

        return wrap

    def get(self, ref: Callable[[], Any]) -> Any:
        return ref()


def test_a_ray_round_runs_each_trial_as_one_task(cell_data) -> None:  # type: ignore[no-untyped-def]
    from sentcast.tuning import study

    _, config, cell, data = cell_data
    fake = FakeRounds({4: 1.0, 5: 2.0})

    def task(run, frame, config, cell, name, trials, finished):  # type: ignore[no-untyped-def]
        return fake(name, config, (run, frame, cell), trials, finished)

    ray = FakeRay(task)
    frame_ref = ray.put("panel")
    runner = ray_round(ray, frame_ref, "run-1", cell)  # type: ignore[arg-type]
    trials = [(4, dict(UNTUNED)), (5, {**UNTUNED, "hidden_size": 32})]
    finished = [[1.0, 0.5]]
    results = runner("lstm", config, data, trials, finished)
    assert [(r.number, r.value) for r in results] == [(4, 1.0), (5, 2.0)]
    assert ray.options == [{"max_retries": 3}]  # a task lost with its worker runs again
    assert ray.calls == [
        (study._remote_trial, ("run-1", frame_ref, config, cell, "lstm", [t], finished))
        for t in trials
    ]
    assert [r[2] for r in fake.rounds] == [("run-1", "panel", cell)] * 2


def test_tuning_on_ray_equals_the_local_study(panel, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import torch

    from sentcast.experiments import forecast
    from sentcast.tuning import study

    _, config, frame = panel
    config = config.model_copy(update={"grid": config.grid.model_copy(update={"threads": 0})})
    builds: list[int] = []

    class CountedCache(forecast.CellCache):
        def __init__(self, *args: Any) -> None:
            builds.append(1)
            super().__init__(*args)

    monkeypatch.setattr(forecast, "CellCache", CountedCache)
    monkeypatch.setattr(study, "_cache", {})
    lstm = [Cell(4, "BTC+Sentiment", "lstm", seed) for seed in (0, 1)]
    units = [lstm, [Cell(4, "BTC+Sentiment", "naive", 0)]]
    asked: list[Cell] = []

    def cell_data(cell: Cell) -> Any:
        asked.append(cell)
        return experiment_cell(frame, config, cell.feature_set, cell.window, cell.horizon)

    threads = torch.get_num_threads()
    try:
        chosen = tune_on_ray(FakeRay(), units, cell_data, frame, config, tmp_path / "ray")  # type: ignore[arg-type]
        task_threads = torch.get_num_threads()
    finally:
        torch.set_num_threads(threads)
    assert task_threads == 1  # grid.threads = 0: one torch thread per task
    assert asked == [lstm[0]] and builds == [1]  # a worker keeps the run's windows
    local = cell_tuning(lstm[0], cell_data(lstm[0]), config, tmp_path / "local")
    assert chosen == {"h1_w4_BTC+Sentiment_lstm": local}
    name = "tuning/h1_w4_BTC+Sentiment_lstm.csv"
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "ray" / name).drop(columns="seconds"),
        pd.read_csv(tmp_path / "local" / name).drop(columns="seconds"),
    )
    assert tune_on_ray(FakeRay(), units[1:], cell_data, frame, config, tmp_path) == {}


def _study(horizon: int, feature_set: str, model: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Trials of one study (``rows``: trial, state, val_rmse_usd, chosen and parameters)."""
    cell = {"horizon": horizon, "window": 4, "feature_set": feature_set, "model": model}
    extra = {"epochs": 3, "best_epoch": 2, "seconds": 0.5}
    return pd.DataFrame([{**cell, **UNTUNED, **extra, **row} for row in rows])[TUNING_COLUMNS]


def _two_studies() -> list[pd.DataFrame]:
    return [
        _study(
            2,
            "BTC+Sentiment",
            "lstm",
            [
                {"trial": 1, "state": "pruned", "val_rmse_usd": 1.5, "chosen": False},
                {"trial": 0, "state": "complete", "val_rmse_usd": 1300.0, "chosen": False},
                {
                    "trial": 2,
                    "state": "complete",
                    "val_rmse_usd": 1234.5678,
                    "chosen": True,
                    "hidden_size": 32.0,
                    "layers": 2,
                    "dropout": 0.1234,
                    "learning_rate": 0.00031234,
                    "batch_size": 64,
                },
            ],
        ),
        _study(
            1,
            "BTC",
            "gru",
            [
                {"trial": 0, "state": "complete", "val_rmse_usd": 99.999, "chosen": True},
                {"trial": 1, "state": "complete", "val_rmse_usd": 120.0, "chosen": False},
            ],
        ),
    ]


def test_tuning_csv_gathers_each_tuned_cells_study_once(cell_data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = cell_data[1]
    h2, h1 = Cell(4, "BTC+Sentiment", "lstm", 0, 2), Cell(4, "BTC", "gru", 0, 1)
    studies = _two_studies()
    for cell, frame in zip((h2, h1), studies, strict=True):
        tuning_file(tmp_path, cell).parent.mkdir(exist_ok=True)
        frame[TUNING_COLUMNS[::-1]].to_csv(tuning_file(tmp_path, cell), index=False)
    untuned = Cell(4, "BTC+Sentiment", "lstm", 0, 3)  # no study file
    cells = [h2, dataclasses.replace(h2, seed=1), Cell(4, "BTC", "naive", 0), untuned, h1]
    trials = collect_tuning(config, cells, tmp_path)
    expected = pd.concat(studies, ignore_index=True)
    pd.testing.assert_frame_equal(trials, expected, check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "tuning.csv"), trials)


def test_no_tuning_csv_without_tuning_or_studies(cell_data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config, cell = cell_data[1], cell_data[2]
    tuning_file(tmp_path, cell).parent.mkdir()
    _two_studies()[0].to_csv(tuning_file(tmp_path, cell), index=False)
    off = collect_tuning(_tuning(config, enabled=False), [cell], tmp_path)
    nothing = collect_tuning(config, [dataclasses.replace(cell, window=30)], tmp_path)
    for trials in (off, nothing):
        assert trials.empty and list(trials.columns) == TUNING_COLUMNS
    assert not (tmp_path / "tuning.csv").exists()
    assert tuning_markdown(off) == ""


def test_the_tuning_section_shows_each_choice_against_the_untuned_trial() -> None:
    trials = pd.concat(_two_studies(), ignore_index=True)
    assert tuning_markdown(trials).split("\n") == [
        "",
        "## Tuning (validation part)",
        "",
        "The networks below are **tuned**: their rows in the tables above trained with the "
        "parameters chosen by the study on the validation part (the test part was never used). "
        "Trial 0 is the untuned configuration. Every trial is in `tuning.csv`.",
        "",
        "| horizon | window | feature set | model | trials (pruned) | hidden | layers | dropout "
        "| lr | batch | val RMSE USD tuned | untuned |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        "| 2 | 4 | BTC+Sentiment | lstm | 3 (1) | 32 | 2 | 0.12 | 0.00031 | 64 "
        "| 1234.57 | 1300.00 |",
        "| 1 | 4 | BTC | gru | 2 (0) | 8 | 1 | 0.50 | 0.0001 | 16 | 100.00 | 100.00 |",
        "",
    ]
