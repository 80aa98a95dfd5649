"""A newcomer's README: short, its links resolve, and its quickstart runs as written.

The quickstart block is run on a fresh copy of the repository's configs, with the shared data
in place of the network: ``sentcast market fetch`` is the one command that needs the internet,
so its downloads are replaced by the shared Yahoo files (same tickers, dates and cache folder,
through the same :func:`sentcast.data.fetch.fetch_yahoo`); every other line runs as written.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

from sentcast.data.fetch import fetch_yahoo

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: The shared file of each ticker the quickstart fetches.
SHARED_TICKERS = {"BTC-USD": "BTC-USD.csv", "DX-Y.NYB": "DXY.csv", "^GSPC": "GSPC.csv"}


def _section(text: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"no section {title!r}"
    return match.group(1)


def quickstart_commands() -> list[str]:
    """The README's quickstart block, one command per entry (continuation lines joined)."""
    block = re.search(r"```bash\n(.*?)```", _section(README, "Quickstart on real data"), re.S)
    assert block
    return [c.strip() for c in block.group(1).replace("\\\n", " ").splitlines() if c.strip()]


def test_readme_is_short_and_starts_with_the_two_commands() -> None:
    lines = README.splitlines()
    assert len(lines) < 200
    setup = _section(README, "Two commands")
    assert re.search(r"^make demo\b", setup, re.M) and re.search(r"^make test\b", setup, re.M)
    assert lines.index("## Two commands") < lines.index("## Quickstart on real data")


def test_readme_links_resolve() -> None:
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README):
        if not re.match(r"[a-z]+://", target):
            assert (ROOT / target).exists(), target


def test_getting_started_shows_the_same_quickstart() -> None:
    page = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", _section(README, "Quickstart on real data"), re.S)
    assert block and block.group(0) in page


def _fetch_offline(command: str, shared_data: Path, cwd: Path) -> None:
    """``sentcast market fetch`` with the shared files standing in for Yahoo Finance."""
    args = shlex.split(command)[3:]
    first_option = next(i for i, a in enumerate(args) if a.startswith("--"))
    tickers, rest = args[:first_option], args[first_option:]
    options = dict(zip(rest[::2], rest[1::2], strict=True))
    assert set(tickers) == set(SHARED_TICKERS), tickers

    def download(ticker: str, start: str | None, end: str | None) -> pd.DataFrame:
        frame = pd.read_csv(
            shared_data / "market" / SHARED_TICKERS[ticker], index_col="Date", parse_dates=True
        )
        return frame.loc[start:end]

    fetch_yahoo(
        tickers,
        cwd / options["--cache"],
        options.get("--start"),
        options.get("--end"),
        download=download,
        online_check=None,
    )


def test_quickstart_runs_as_written(shared_data: Path, tmp_path: Path) -> None:
    commands = quickstart_commands()
    assert commands[0] == "source .venv/bin/activate"  # here: the running interpreter's bin
    clone = tmp_path / "sentcast"
    shutil.copytree(ROOT / "configs", clone / "configs")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "data").symlink_to(shared_data.resolve(), target_is_directory=True)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    outputs = []
    for command in commands[1:]:
        if command.startswith("sentcast market fetch "):
            _fetch_offline(command, shared_data, clone)
            continue
        result = subprocess.run(
            ["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True, timeout=900
        )
        assert result.returncode == 0, f"{command}\n{result.stderr[-3000:]}"
        outputs.append(result.stdout)
    assert "rows read 41,488 = scored 41,461 + rejected 27" in outputs[0]
    assert re.search(r"^answer: ", outputs[-1], re.M)
    for name in ("results.csv", "tables.md", "report.html"):
        assert (clone / "runs" / "quick" / name).is_file()
