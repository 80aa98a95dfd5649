"""Every script in examples/ runs as written (each is also a page of the documentation site)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.py"))


def _run(name: str, shared_data: Path, cwd: Path) -> list[str]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / f"{name}.py"), str(shared_data)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.splitlines()


def test_the_examples_are_the_tested_ones() -> None:
    assert EXAMPLES == ["api_quickstart", "custom_daily_source", "text_classifier_scorer"]


def test_api_quickstart_runs(shared_data: Path, tmp_path: Path) -> None:
    lines = _run("api_quickstart", shared_data, tmp_path)
    assert lines[0].startswith("panel: 1304 days")
    assert any(line.startswith("lstm: ") and " epochs, " in line for line in lines)
    assert any(line.startswith("lstm ") and "test RMSE" in line for line in lines)
    assert any(
        line.startswith("naive ") and "test RMSE 0.0630 scaled, 397 USD" in line for line in lines
    )
    assert any(line.startswith("Diebold-Mariano, LSTM vs naive: ") for line in lines)
    interval = next(line for line in lines if line.startswith("80 % interval: coverage "))
    coverage = float(interval.split("coverage ")[1].split()[0])
    assert 0.7 <= coverage <= 0.95
    assert (tmp_path / "runs" / "api_quickstart_lstm" / "weights.pt").is_file()


def test_custom_daily_source_runs(shared_data: Path, tmp_path: Path) -> None:
    lines = _run("custom_daily_source", shared_data, tmp_path)
    assert lines[0].startswith("custom source: ") and "2018-02-08 .. " in lines[0]
    assert any(line.startswith("answer: ") for line in lines)
    assert any(line.startswith("ridge on BTC+FGChange: test RMSE / naive ") for line in lines)
    assert (tmp_path / "runs" / "custom_source" / "report.html").is_file()


@pytest.mark.slow
def test_text_classifier_scorer_runs(shared_data: Path, tmp_path: Path) -> None:
    lines = _run("text_classifier_scorer", shared_data, tmp_path)
    accuracy = float(lines[0].rsplit(" ", 1)[1])
    assert lines[0].startswith("tfidf-lr: trained on 20000 tweets") and accuracy > 0.7
    assert "rows read 3,242 = scored" in "\n".join(lines)
    assert any(line.startswith("learned vs VADER compound on ") for line in lines)
    assert (tmp_path / "runs" / "learned_daily.parquet").is_file()
