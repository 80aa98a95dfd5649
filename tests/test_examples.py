"""The README's Python API example runs as written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_api_quickstart_runs(shared_data: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "api_quickstart.py"), str(shared_data)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("panel: 1304 days")
    assert any(line.startswith("lstm ") for line in lines)
    assert any(
        line.startswith("naive ") and "test RMSE 0.0630 scaled, 397 USD" in line for line in lines
    )
    assert (tmp_path / "runs" / "api_quickstart_lstm" / "weights.pt").is_file()
