"""The dashboard: self-contained, escaped, and rendered by headless Chromium without a request."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from sentcast.daily.config import load_daily_config
from sentcast.daily.dashboard import build_dashboard, write_dashboard
from sentcast.daily.replay import replay
from sentcast.daily.store import Store

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A RUN_DIR after a 12-day replay (naive chosen, rwd baseline)."""
    from tests.daily.conftest import job_file

    folder = tmp_path_factory.mktemp("dash")
    daily = 'run_dir = "run"\nmodels = ["naive"]\nbaselines = ["rwd"]\n'
    config = load_daily_config(job_file(folder, shared_data, daily, "2018-06-01", "2019-06-30"))
    replay(config, folder / "run", "2019-03-01", "2019-03-12")
    return folder / "run"


def test_the_page_has_every_part_and_loads_nothing(replayed: Path) -> None:
    page = (replayed / "daily.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 3 and "<polygon" in page and "<polyline" in page
    latest = re.search(r'<p class="lead" id="latest">(.*?)</p>', page)
    assert latest and latest.group(1).startswith("From the close of 2019-03-12")
    assert "<table>" in page and "chosen" in page and "rwd" in page
    for external in ("http:", "https:", "//", "src=", "href=", "<script", "url(", "@import"):
        assert external not in page.replace("</", ""), external


def test_text_from_the_store_is_escaped(replayed: Path, tmp_path: Path) -> None:
    copy = tmp_path / "daily.duckdb"
    shutil.copy(replayed / "daily.duckdb", copy)
    with Store(copy) as store:
        store.con.execute("UPDATE forecasts SET model = '<b onmouseover=x>&' WHERE role = 'chosen'")
        page = build_dashboard(store)
    assert "<b onmouseover" not in page and "&lt;b onmouseover=x&gt;&amp;" in page


def test_an_empty_store_gives_a_page(tmp_path: Path) -> None:
    with Store(tmp_path / "daily.duckdb") as store:
        page = write_dashboard(store, tmp_path).read_text(encoding="utf-8")
    assert "No forecast yet." in page and "no data yet" in page


def _render(page: Path, folder: Path) -> tuple[str, set[str]]:
    """Chromium's DOM of ``page`` and the hosts of every URL its net log requested."""
    assert BROWSER is not None
    netlog = folder / f"{page.stem}.netlog.json"
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
             "--disable-background-networking", "--disable-component-update", "--no-first-run",
             f"--log-net-log={netlog}", "--dump-dom", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
    urls = re.findall(r'"url":"([^"]+)"', netlog.read_text(encoding="utf-8"))
    return result.stdout, {re.sub(r"^(\w+:/*[^/?]*).*", r"\1", u) for u in urls}


@pytest.mark.skipif(BROWSER is None, reason="chromium is not installed")
def test_chromium_renders_it_without_a_network_request(replayed: Path, tmp_path: Path) -> None:
    # Chromium asks a few hosts of its own whatever the page: a blank page shows which;
    # a page with one external image shows that a request of the page is seen.
    blank, probe = tmp_path / "blank.html", tmp_path / "probe.html"
    blank.write_text("<p>blank</p>", encoding="utf-8")
    probe.write_text('<img src="http://127.0.0.1:9/x.png">', encoding="utf-8")
    _, own = _render(blank, tmp_path)
    _, probed = _render(probe, tmp_path)
    assert "http://127.0.0.1:9" in probed - own
    dom, hosts = _render(replayed / "daily.html", tmp_path)
    assert 'id="latest"' in dom and dom.count("<svg") == 3 and "From the close of" in dom
    assert {h for h in hosts - own if not h.startswith(("file:", "data:"))} == set()
