from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

CLI = Callable[..., tuple[int, str, str]]

GROUPS = ("market", "sentiment", "forecast", "textclf", "experiment", "report", "demo", "daily")


def test_help_lists_every_group(cli: CLI) -> None:
    code, out, _ = cli("--help")
    assert code == 0
    for group in GROUPS:
        assert group in out


def test_missing_file_is_one_line_exit_2(cli: CLI, tmp_path: Path) -> None:
    code, _, err = cli("market", "load", f"BTC={tmp_path / 'x.csv'}", "--out", "p.parquet")
    assert code == 2
    assert "market file not found" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_bad_date_exit_2(cli: CLI, market_dir: Path, tmp_path: Path) -> None:
    code, _, err = cli(
        "market", "load", str(market_dir / "BTC-USD.csv"), "--start", "2019-13-45",
        "--out", str(tmp_path / "p.parquet"),
    )  # fmt: skip
    assert code == 2 and "--start: not a date" in err


def test_data_problem_exit_1(cli: CLI, market_dir: Path, tmp_path: Path) -> None:
    code, _, err = cli(
        "market", "load", str(market_dir / "GSPC.csv"), "--start", "2021-01-01",
        "--out", str(tmp_path / "p.parquet"),
    )  # fmt: skip
    assert code == 1 and "SP500: no data" in err


def test_unknown_option_exit_2(cli: CLI) -> None:
    code, _, _ = cli("market", "load", "--no-such-option")
    assert code == 2


def test_debug_shows_traceback(tmp_path: Path) -> None:
    import pytest

    from sentcast.cli.main import main
    from sentcast.errors import UserInputError

    with pytest.raises(UserInputError):
        main(["--debug", "market", "load", f"BTC={tmp_path / 'x.csv'}", "--out", "p.parquet"])


def test_empty_date_exit_2(cli: CLI, market_dir: Path, tmp_path: Path) -> None:
    code, _, err = cli(
        "market", "load", str(market_dir / "BTC-USD.csv"), "--end", "",
        "--out", str(tmp_path / "p.parquet"),
    )  # fmt: skip
    assert code == 2 and "--end: not a date" in err


def test_error_message_with_brackets_is_printed_verbatim(cli: CLI, tmp_path: Path) -> None:
    missing = tmp_path / "[/red]" / "BTC.csv"
    code, _, err = cli("market", "load", f"BTC={missing}", "--out", str(tmp_path / "p.parquet"))
    assert code == 2
    assert f"market file not found: {missing}" in err


def test_missing_file_without_prefix_says_it_is_missing(cli: CLI, tmp_path: Path) -> None:
    code, _, err = cli("market", "load", "nope.csv", "--out", str(tmp_path / "p.parquet"))
    assert code == 2 and "market file not found: nope.csv" in err
    assert "cannot tell which asset" not in err


def test_quiet_and_debug_work_after_the_sub_command() -> None:
    from sentcast.cli.main import hoist_global_flags

    args = ["report", "RUN", "-q", "--debug", "--", "-q"]
    assert hoist_global_flags(args) == ["-q", "--debug", "report", "RUN", "--", "-q"]


def test_quiet_after_the_sub_command_is_accepted(cli: CLI) -> None:
    code, out, err = cli("sentiment", "text", "good", "--quiet")
    assert code == 0 and "compound=" in out, err


def test_choices_are_listed_and_old_spellings_noted(cli: CLI, tmp_path: Path) -> None:
    code, out, _ = cli("market", "load", "--help")
    assert code == 0 and "[trading|daily]" in out
    code, _, err = cli("market", "load", "x.csv", "--calendar", "weekly", "--out", "p.csv")
    assert code == 2 and "'weekly' is not one of trading, daily" in err
    code, _, err = cli(
        "textclf", "train", "--model", "cnn_lstm", "--data", str(tmp_path / "no.csv"),
        "--out", str(tmp_path / "m"),
    )  # fmt: skip
    assert "note: cnn_lstm is spelled cnn-lstm now" in err and "data file not found" in err
