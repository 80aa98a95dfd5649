"""Fault cases of a RUN_DIR: torn resume files, names escaping the folder, two runs at once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sentcast.errors import ConfigError
from sentcast.experiments.runner import load_experiment, run_experiment
from sentcast.files import FolderLock
from tests.experiments.forecast_files import experiment_toml
from tests.experiments.textclf_files import textclf_toml

CLI = Callable[..., tuple[int, str, str]]
FORECAST = [
    "grid.windows=[3]",
    "grid.feature_sets=['BTC']",
    "grid.seeds=[0]",
    "grid.models=['lstm']",
    "grid.baselines=['naive', 'ridge']",
]
TEXTCLF = ["models=['tfidf-lr']", "seeds=[0, 1]"]
LSTM, RIDGE = "h1_w3_BTC_lstm_s0", "h1_w3_BTC_ridge_s0"


@pytest.fixture(scope="module")
def forecast_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(experiment file, a finished RUN_DIR of it): naive, ridge and LSTM cells, 2 backtests."""
    folder = tmp_path_factory.mktemp("forecast")
    config = experiment_toml(folder / "exp")
    run_experiment(config, folder / "run", FORECAST)
    return config, folder / "run"


@pytest.fixture(scope="module")
def textclf_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(experiment file, a finished RUN_DIR of it): one dataset, TF-IDF + LR, seeds 0 and 1."""
    folder = tmp_path_factory.mktemp("textclf")
    config = textclf_toml(folder)
    run_experiment(config, folder / "run", TEXTCLF)
    return config, folder / "run"


def _copy(run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run, tmp_path / "run"))


def _header_only(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


def _cut_mid_row(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-7])


def _other_cell(path: Path) -> None:
    other = path.with_name(path.name.replace("ridge", "naive"))
    shutil.copyfile(other, path)


def _empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize(
    ("file", "damage"),
    [
        (f"cells/{RIDGE}.csv", _header_only),
        (f"cells/{RIDGE}.csv", _empty),
        (f"cells/{RIDGE}.csv", _cut_mid_row),
        (f"cells/{RIDGE}.csv", _other_cell),
        (f"cells/{RIDGE}.predictions.parquet", _cut_mid_row),
        (f"cells/{LSTM}.importance.csv", _empty),
    ],
    ids=[
        "header-only",
        "zero-bytes",
        "cut-mid-row",
        "another-cells-rows",
        "torn-predictions",
        "empty-importance",
    ],
)
def test_forecast_cell_with_a_torn_file_is_redone_and_said_so(
    forecast_run: tuple[Path, Path], tmp_path: Path, file: str, damage: Callable[[Path], None]
) -> None:
    config, finished = forecast_run
    run = _copy(finished, tmp_path)
    damage(run / file)
    cell = file.split("/")[1].split(".")[0]
    summary = run_experiment(config, run, FORECAST)
    assert "(1 run, 2 already done)" in summary
    assert f"redone 1 cell with an unreadable result file: {cell}" in summary
    before = pd.read_csv(finished / "results.csv").drop(columns="fit_seconds")
    after = pd.read_csv(run / "results.csv").drop(columns="fit_seconds")
    pd.testing.assert_frame_equal(after, before)  # every seed and split is back, same numbers


def test_cell_result_that_is_a_folder_is_one_line(
    forecast_run: tuple[Path, Path], tmp_path: Path, cli: CLI
) -> None:
    config, finished = forecast_run
    run = _copy(finished, tmp_path)
    (run / f"cells/{RIDGE}.csv").unlink()
    (run / f"cells/{RIDGE}.csv").mkdir()
    sets = [arg for item in FORECAST for arg in ("--set", item)]
    code, _, err = cli("experiment", "run", str(config), "--out", str(run), *sets)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "Is a directory" in err and RIDGE in err


def test_torn_backtest_file_is_redone(forecast_run: tuple[Path, Path], tmp_path: Path) -> None:
    config, finished = forecast_run
    run = _copy(finished, tmp_path)
    _cut_mid_row(run / "backtest" / f"{RIDGE}.parquet")
    summary = run_experiment(config, run, FORECAST)
    assert f"redone 1 backtest with an unreadable result file: {RIDGE}" in summary
    pd.testing.assert_frame_equal(
        pd.read_csv(run / "backtest.csv"), pd.read_csv(finished / "backtest.csv")
    )


@pytest.mark.parametrize("damage", [_empty, _cut_mid_row], ids=["zero-bytes", "cut"])
def test_torn_config_toml_is_rewritten_and_said_so(
    forecast_run: tuple[Path, Path], tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    config, finished = forecast_run
    run = _copy(finished, tmp_path)
    damage(run / "config.toml")
    summary = run_experiment(config, run, FORECAST)
    assert "config.toml was unreadable: rewritten with this run's config" in summary
    assert "(0 run, 3 already done)" in summary
    assert (run / "config.toml").read_bytes() == (finished / "config.toml").read_bytes()


def test_resume_files_are_replaced_whole(forecast_run: tuple[Path, Path]) -> None:
    _, finished = forecast_run
    leftovers = [p.name for p in finished.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def _drop_results(run: Path) -> pd.DataFrame:
    return pd.read_csv(run / "results.csv").drop(columns=["train_seconds", "samples_per_s"])


@pytest.mark.parametrize(
    ("damage", "skipped", "message"),
    [
        (_header_only, 0, "results.csv was unreadable: every cell is run again"),
        (_empty, 0, "results.csv was unreadable: every cell is run again"),
        (_cut_mid_row, 1, "redone 1 cell with an unreadable result file: tiny__tfidf-lr__s1"),
    ],
    ids=["header-only", "zero-bytes", "cut-last-row"],
)
def test_textclf_torn_results_redo_the_cells_they_lost(
    textclf_run: tuple[Path, Path],
    tmp_path: Path,
    damage: Callable[[Path], None],
    skipped: int,
    message: str,
) -> None:
    config, finished = textclf_run
    run = _copy(finished, tmp_path)
    damage(run / "results.csv")  # (the last row belongs to seed 1)
    summary = run_experiment(config, run, TEXTCLF)
    assert f"({skipped} cells skipped)" in summary and message in summary
    pd.testing.assert_frame_equal(_drop_results(run), _drop_results(finished))


def test_textclf_torn_data_summary_is_rebuilt(
    textclf_run: tuple[Path, Path], tmp_path: Path
) -> None:
    config, finished = textclf_run
    run = _copy(finished, tmp_path)
    _cut_mid_row(run / "data_summary.json")
    summary = run_experiment(config, run, TEXTCLF)
    assert "rebuilt data_summary.json: it was unreadable" in summary
    assert (run / "data_summary.json").read_text() == (finished / "data_summary.json").read_text()


def test_variant_label_cannot_escape_the_run_folder(tmp_path: Path, cli: CLI) -> None:
    config = textclf_toml(tmp_path)
    label = "x/../../../../ESCAPED"
    hostile = [f"models=['{label}']", f"variants={{'{label}' = {{model = 'tfidf-lr'}}}}"]
    with pytest.raises(ConfigError, match=r"models\.0: name 'x/\.\./.*cannot be used in a file"):
        load_experiment(config, hostile)
    args = [arg for item in hostile for arg in ("--set", item)]
    code, _, err = cli("experiment", "validate", str(config), *args)
    assert code == 2 and err.count("\n") == 1 and "models.0" in err
    code, _, err = cli("experiment", "run", str(config), "--out", str(tmp_path / "a/b/run"), *args)
    assert code == 2 and not list(tmp_path.rglob("ESCAPED"))


HOSTILE_EVAL = (
    "datasets=[{name='tiny', format='csv', path='a.csv', "
    "eval=[{name='../up', format='csv', path='b.csv'}]}]"
)


@pytest.mark.parametrize(
    ("make", "override", "message"),
    [
        (textclf_toml, HOSTILE_EVAL, r"datasets\.0\.eval\.0\.name: name '\.\./up' cannot"),
        (textclf_toml, "datasets=[{name='..', format='csv', path='a'}]", r"datasets\.0\.name: "),
        (experiment_toml, "grid.feature_sets=['BTC/..']", r"grid\.feature_sets\.0: name 'BTC/"),
    ],
    ids=["eval-set-name", "dataset-name", "feature-set"],
)
def test_other_names_reaching_file_paths_are_checked(
    tmp_path: Path, make: Callable[[Path], Path], override: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_experiment(make(tmp_path), [override])


def test_second_run_on_the_same_folder_refuses_at_once_naming_the_first(tmp_path: Path) -> None:
    config = experiment_toml(tmp_path / "exp")
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-c", "from sentcast.cli.main import run; run()"]
    with FolderLock(out):  # this test process is the first run
        second = subprocess.run(
            [*command, "-q", "experiment", "run", str(config), "--out", str(out)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
    assert second.returncode == 2
    assert second.stderr.count("\n") == 1
    assert f"in use by another sentcast run (pid {os.getpid()}" in second.stderr
    assert sorted(p.name for p in out.iterdir()) == [".sentcast.lock"]


def test_report_and_demo_refuse_a_folder_in_use(
    forecast_run: tuple[Path, Path], tmp_path: Path, cli: CLI
) -> None:
    _, finished = forecast_run
    run = _copy(finished, tmp_path)
    with FolderLock(run):
        code, _, err = cli("report", str(run))
        assert code == 2 and "in use by another sentcast run" in err
        code, _, err = cli("demo", "--out", str(run))
        assert code == 2 and "in use by another sentcast run" in err
    assert cli("report", str(run))[0] == 0


@pytest.mark.parametrize("command", ["experiment", "demo"])
def test_out_under_a_regular_file_is_a_usage_error(tmp_path: Path, cli: CLI, command: str) -> None:
    config = experiment_toml(tmp_path / "exp")
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    for out in (blocker / "run", blocker):
        args = ["experiment", "run", str(config)] if command == "experiment" else ["demo"]
        code, _, err = cli(*args, "--out", str(out))
        assert code == 2 and err.count("\n") == 1
        assert "is a file" in err


def test_folder_of_other_files_is_not_taken_for_a_run(tmp_path: Path, cli: CLI) -> None:
    config = experiment_toml(tmp_path / "exp")
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "results.csv").write_text("mine\n", encoding="utf-8")
    sets = [arg for item in FORECAST for arg in ("--set", item)]
    code, _, err = cli("experiment", "run", str(config), "--out", str(folder), *sets)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "is not a sentcast run folder (no config.toml) but holds results.csv" in err
    assert (folder / "results.csv").read_text(encoding="utf-8") == "mine\n"
    assert not (folder / "config.toml").exists()
