"""The CI entry point runs the README's test command and refuses to run without shared data."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_fails_without_shared_data(tmp_path: Path) -> None:
    absent = tmp_path / "no-such-folder"
    env = {**os.environ, "SENTCAST_SHARED_DATA": str(absent)}
    result = subprocess.run(
        ["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert f"shared data folder '{absent}' is missing" in result.stderr


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = re.findall(r"^make (\w+)$", ci, flags=re.MULTILINE)
    assert commands == ["test"]
    assert re.search(r"^make test\b", readme, flags=re.MULTILINE)
