"""Fault cases of report.html: config and data text is shown, never run; no local file inlined."""

from __future__ import annotations

import base64
import html
import re
import tomllib
from pathlib import Path

import pytest

from sentcast.experiments.runner import run_experiment
from sentcast.reporting.report import build_markdown, write_report
from tests.experiments.forecast_files import experiment_toml
from tests.experiments.textclf_files import rewrite_toml, textclf_toml

PAYLOAD = '<script>alert(1)</script><img src="/etc/hostname">'
FAST_FORECAST = [
    "grid.windows=[3]",
    "grid.seeds=[0]",
    "grid.models=[]",
    "grid.baselines=['naive', 'ridge']",
    "evaluation.backtest.folds=0",
]


def _assert_inert(page: str, run: Path) -> None:
    """No script, and every image is a data URI of a PNG file in the run's plots folder."""
    assert "<script" not in page.lower()
    assert "href=" not in page.lower()
    plots = {p.read_bytes() for p in (run / "plots").glob("*.png")}
    sources = re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", page)
    assert len(sources) == page.count("<img")
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]) in plots


def test_sentiment_source_payload_is_shown_as_text(tmp_path: Path) -> None:
    config = experiment_toml(tmp_path / "exp")
    source = PAYLOAD.replace('"', '\\"')
    out = tmp_path / "run"
    run_experiment(config, out, [*FAST_FORECAST, f'data.sentiment.source="{source}"'])
    page = (out / "report.html").read_text(encoding="utf-8")
    _assert_inert(page, out)
    assert page.count("<img") == 1  # the one predictions plot the run wrote
    visible = html.escape(PAYLOAD, quote=False)
    assert f"Sentiment source: <strong>{visible}</strong>" in page  # tables.md
    assert f"<td>{visible}</td>" in page  # data_summary.json
    with (out / "config.toml").open("rb") as fh:  # the config block shows it escaped
        assert tomllib.load(fh)["data"]["sentiment"]["source"] == PAYLOAD
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=\\&quot;" in page


def test_textclf_title_and_reference_payloads_are_shown_as_text(tmp_path: Path) -> None:
    config = textclf_toml(tmp_path)
    with config.open("rb") as fh:
        datasets = tomllib.load(fh)["datasets"]
    datasets[0]["reference"] = {"tfidf-lr": PAYLOAD, "note": "[x](javascript:alert(1))"}
    rewrite_toml(config, title=PAYLOAD, datasets=datasets, models=["tfidf-lr"])
    out = tmp_path / "run"
    run_experiment(config, out)
    page = (out / "report.html").read_text(encoding="utf-8")
    _assert_inert(page, out)
    assert page.count("<img") == 2  # the confusion matrices of the test and extra sets
    assert f"<h3>{html.escape(PAYLOAD, quote=False)}</h3>" in page
    assert "[x](javascript:alert(1))" in page


@pytest.fixture()
def hostile_run(tmp_path: Path) -> Path:
    """A run folder whose files were edited by hand: markup in tables, plots that are not."""
    run = tmp_path / "run"
    plots = run / "plots"
    plots.mkdir(parents=True)
    (run / "config.toml").write_text('kind = "forecast"\ntitle = "```\\n<script>x</script>"\n')
    (run / "tables.md").write_text(
        "# <script>alert(1)</script>\n\n| a | b |\n|---|---|\n"
        '| <img src="/etc/hostname"> | ![x](/etc/hostname) <http://example.org> |\n\n'
        '<div onclick="alert(1)">block</div>\n'
    )
    (run / "data_summary.json").write_text('{"<b>column</b>": "a | b <i>c</i>"}')
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\nSECRET")
    (plots / "outside.png").symlink_to(secret)  # a PNG, but outside the run folder
    (plots / "fake.png").write_text("<script>alert(1)</script>")  # not a PNG
    (plots / "bad name.png").write_bytes(b"\x89PNG\r\n\x1a\nNAME")  # not a name the run writes
    return run


def test_hand_edited_run_folder_gives_an_inert_page(hostile_run: Path) -> None:
    _, html_path = write_report(hostile_run)
    page = html_path.read_text(encoding="utf-8")
    assert "<img" not in page and "<script" not in page and "<div onclick" not in page
    assert "href=" not in page and "SECRET" not in page and "NAME" not in page
    assert "&lt;div onclick" in page and "&lt;b&gt;column&lt;/b&gt;" in page
    assert "a / b &lt;i&gt;c&lt;/i&gt;" in page  # a | in a cell does not split the table
    for name in ("outside.png", "fake.png", "bad name.png"):
        assert f"Not shown: {name} is not a PNG file of this run." in page


def test_markdown_report_escapes_what_sentcast_inserts(hostile_run: Path) -> None:
    text = build_markdown(hostile_run)
    assert "<b>" not in text and "&lt;b&gt;column&lt;/b&gt;" in text
    assert "\n````toml\n" in text  # the fence is longer than any backtick run in the config
    assert "](plots/" not in text  # no link to a plot the run did not write


@pytest.mark.parametrize(
    "content", [b"[" * 100_000, b"\x87\x00garbage"], ids=["deeply-nested", "not-utf-8"]
)
def test_unreadable_data_summary_is_one_line(cli, hostile_run: Path, content: bytes) -> None:  # type: ignore[no-untyped-def]
    (hostile_run / "data_summary.json").write_bytes(content)
    code, _, err = cli("report", str(hostile_run))
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "data_summary.json: not valid JSON" in err
