"""Fault cases: a killed or interrupted run leaves no worker behind; one run per output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sentcast.cli.main import INTERRUPTED

CLI = Callable[..., tuple[int, str, str]]
_MAIN = "from sentcast.cli.main import main; raise SystemExit(main())"


@pytest.fixture()
def tweets(tmp_path: Path) -> Path:
    """A CSV of distinct texts, enough for the scoring pool to start on every chunk."""
    n = 60_000
    words = ("good", "bad", "great", "awful", "fine", "sad")
    path = tmp_path / "tweets.csv"
    pd.DataFrame(
        {
            "date": pd.date_range("2020-01-01", periods=n, freq="min").strftime("%Y-%m-%d %H:%M"),
            "text": [f"tweet {i} is {words[i % 6]} and {words[i % 5]}" for i in range(n)],
        }
    ).to_csv(path, index=False)
    return path


def _score_process(src: Path, out: Path, workers: int, **popen: object) -> subprocess.Popen[bytes]:
    """``sentcast sentiment score`` in a subprocess; stderr goes to ``out`` + ``.stderr``.

    No pipes: a worker that outlived its parent would hold them open and hang the test.
    """
    args = [
        sys.executable, "-c", _MAIN, "--quiet", "sentiment", "score", str(src), "--out", str(out),
        "--workers", str(workers), "--chunk-size", "5000",
    ]  # fmt: skip
    with _stderr(out).open("wb") as err:
        return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, **popen)  # type: ignore[call-overload]


def _stderr(out: Path) -> Path:
    return out.with_name(out.name + ".stderr")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> dict[int, int]:
    """Descendant pid -> depth below ``pid``."""
    tree, found, todo = _children(), {}, [(pid, 0)]
    while todo:
        parent, depth = todo.pop()
        for child in tree.get(parent, []):
            found[child] = depth + 1
            todo.append((child, depth + 1))
    return found


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_for_workers(proc: subprocess.Popen[bytes], out: Path) -> dict[int, int]:
    """Wait until the pool's workers (children of the fork server) have scored a chunk."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        family = _descendants(proc.pid)
        if [p for p, depth in family.items() if depth == 2] and list(
            out.parent.glob(f".{out.name}.work-*/chunk-*.json")
        ):
            return family
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    pytest.fail(f"no worker pool seen: {_stderr(out).read_text()}")


def _gone_within(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [p for p in pids if _running(p)]
        if not alive:
            return []
        time.sleep(0.1)
    return alive


def test_workers_die_with_a_killed_main_process(tweets: Path, tmp_path: Path) -> None:
    proc = _score_process(tweets, tmp_path / "daily.parquet", workers=2)
    family = _wait_for_workers(proc, tmp_path / "daily.parquet")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _gone_within(list(family), 5) == []


def test_ctrl_c_prints_one_line_and_exits_130(tweets: Path, tmp_path: Path) -> None:
    out = tmp_path / "daily.parquet"
    proc = _score_process(tweets, out, workers=2, start_new_session=True)
    family = _wait_for_workers(proc, out)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
    assert proc.wait(timeout=60) == 130
    assert _stderr(out).read_text().splitlines() == [INTERRUPTED]
    assert _gone_within(list(family), 5) == []
    assert not out.exists() and list(tmp_path.glob(".daily.parquet.work-*/chunk-*.json"))


@pytest.mark.parametrize("delay", [0.2, 0.6, 1.0, 1.4])
def test_ctrl_c_while_starting_prints_one_line_and_exits_130(
    tweets: Path, tmp_path: Path, delay: float
) -> None:
    """Interrupted during imports or while the worker pool starts: still one line, 130."""
    out = tmp_path / "daily.parquet"
    sentcast = Path(sys.executable).with_name("sentcast")  # the console script, as users run it
    args = [str(sentcast), "-q", "sentiment", "score", str(tweets), "--out", str(out)]
    with _stderr(out).open("wb") as err:
        proc = subprocess.Popen(
            [*args, "--workers", "2", "--chunk-size", "5000"],
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGINT)
    code = proc.wait(timeout=60)
    lines = _stderr(out).read_text().splitlines()
    assert (code, len(lines)) in ((130, 1), (0, 0)), lines  # 0: it finished first
    assert code == 0 or lines[0].startswith("interrupted")


def test_second_run_on_the_same_out_is_refused_at_once(
    cli: CLI, tweets: Path, tmp_path: Path
) -> None:
    out = tmp_path / "daily.parquet"
    first = _score_process(tweets, out, workers=1)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".daily.parquet.work-*/chunk-*.json")):
        assert time.monotonic() < deadline and first.poll() is None, _stderr(out).read_text()
        time.sleep(0.05)
    try:
        started = time.monotonic()
        code, _, err = cli("sentiment", "score", str(tweets), "--out", str(out), "--workers", "1")
        assert time.monotonic() - started < 5
        assert code == 2 and "in use by another sentcast run" in err
        assert f"pid {first.pid}" in err and len(err.strip().splitlines()) == 1
        assert first.poll() is None and list(tmp_path.glob(".daily.parquet.work-*"))
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
