"""The report as a browser shows it: headless Chromium (skipped only when it is absent)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from sentcast.reporting.report import write_report

ROOT = Path(__file__).resolve().parents[2]
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(BROWSER is None, reason="chromium is not installed")


def _dom(page: Path) -> str:
    """The DOM Chromium builds from ``page`` (a fresh profile; the page has no script)."""
    assert BROWSER is not None
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [BROWSER, "--headless", "--no-sandbox", "--disable-gpu",
             f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
    return result.stdout


def test_summary_is_in_the_dom_and_the_page_renders(forecast_run: Path, tmp_path: Path) -> None:
    _, page = write_report(forecast_run)
    dom = _dom(page)
    summary = dom[dom.index('<section id="summary">') : dom.index("</section>")]
    assert "LSTM on BTC+Sentiment beats naive at h = 1, window 7" in summary
    rows = summary.count('data-verdict="better"')
    assert rows == 3 and summary.index('data-window="7"') < summary.index('data-window="30"')
    shot = tmp_path / "report.png"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "render_report.py"), str(page), str(shot),
         "--height", "1200"],
        check=True, timeout=180, capture_output=True,
    )  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
