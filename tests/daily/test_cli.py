"""`sentcast daily`: one line on stdout, exit codes a scheduler understands, SQL on the store."""

from __future__ import annotations

from pathlib import Path

from sentcast.files import FolderLock

DAILY = 'run_dir = "run"\nmodels = ["naive"]\nbaselines = ["rwd"]\n'


def test_a_day_then_the_same_day_again(cli, job, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = str(job(DAILY, start="2018-06-01", end="2019-06-30"))
    code, out, _ = cli("daily", path, "--as-of", "2019-03-01")
    assert code == 0 and out.count("\n") == 1 and "3 new forecast(s)" in out
    code, out, _ = cli("daily", path, "--as-of", "2019-03-01")
    assert code == 0 and out.strip() == "2019-03-01: nothing new today (data up to 2019-03-01)"
    code, out, _ = cli(
        "daily", "query", path, "SELECT series, forecast_usd FROM forecasts ORDER BY 1"
    )
    assert code == 0 and out.splitlines()[0] == "series,forecast_usd" and len(out.splitlines()) == 4
    assert (tmp_path / "run" / "daily.html").is_file()


def test_failures_are_one_line_and_non_zero(cli, job, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = str(job(DAILY, start="2018-06-01", end="2019-06-30"))
    code, _, err = cli("daily", path, "--replay", "2019-03-05..2019-03-01")
    assert code == 2 and "START..END" in err and "Traceback" not in err
    code, _, err = cli("daily", "query", path, "SELECT 1")
    assert code == 2 and "no store" in err
    with FolderLock(tmp_path / "run"):
        code, _, err = cli("daily", path, "--as-of", "2019-03-01")
    assert code == 2 and "in use" in err and len(err.strip().splitlines()) == 1
    cli("daily", path, "--as-of", "2019-03-01")
    code, _, err = cli("daily", "query", path, "SELECT nope FROM forecasts")
    assert code == 2 and err.startswith("error: query failed")
    code, _, err = cli("daily", path, "--as-of", "2001-01-01")
    assert code == 1 and "before data.start" in err
    escaping = job(DAILY.replace('"run"', '"run"\nstore = "../../elsewhere.duckdb"'))
    code, _, err = cli("daily", str(escaping), "--as-of", "2019-03-01")
    assert code == 2 and "escapes the run folder" in err


def test_a_replay_prints_its_record(cli, job) -> None:  # type: ignore[no-untyped-def]
    path = str(job(DAILY, start="2018-06-01", end="2019-06-30"))
    code, out, _ = cli("daily", path, "--replay", "2019-03-01..2019-03-10")
    assert code == 0 and out.startswith("replay 2019-03-01..2019-03-10: 10 days, 30 forecasts")
    assert "27 scored" in out and "RMSE/naive 1.000" in out
    code, out, _ = cli("daily", path, "--replay", "2019-03-01..2019-03-10")
    assert code == 0 and "0 forecasts, 0 scored" in out  # the record is written once
