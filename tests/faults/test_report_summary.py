"""Fault cases of the report's summary: a hand-edited or torn results.csv never breaks the page."""

from __future__ import annotations

from pathlib import Path

from sentcast.reporting.report import write_report
from tests.reporting.summary_results import results_frame


def _run(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.toml").write_text('kind = "forecast"\n')
    return run


def test_results_without_the_needed_columns_give_a_note(tmp_path: Path) -> None:
    run = _run(tmp_path)
    (run / "results.csv").write_text("a,b\n<script>,2\n")
    _, page = write_report(run)
    text = page.read_text(encoding="utf-8")
    assert "No summary: results.csv cannot be read" in text and "<script>" not in text


def test_markup_in_a_feature_set_name_is_text_in_the_summary(tmp_path: Path) -> None:
    run = _run(tmp_path)
    results_frame(feature_set='<img src="/etc/hostname">').to_csv(run / "results.csv")
    text = write_report(run)[1].read_text(encoding="utf-8")
    assert "<img" not in text
    assert 'LSTM on &lt;img src="/etc/hostname"&gt; beats naive' in text


def test_a_results_file_that_is_not_csv_gives_a_note(tmp_path: Path) -> None:
    run = _run(tmp_path)
    (run / "results.csv").write_bytes(b'"unterminated\n\x00\xff')
    text = write_report(run)[1].read_text(encoding="utf-8")
    assert "No summary: results.csv cannot be read" in text
