from __future__ import annotations

import re

from sentcast.reporting.forecast_summary import headlines
from sentcast.reporting.report_summary import colour_ratio_cells, summary_html, summary_markdown
from tests.reporting.summary_results import results_frame


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table>\n<thead>\n<tr>{head}</tr>\n</thead>\n<tbody>\n{body}</tbody></table>"


def test_headline_ratio_cells_are_coloured_by_marker_and_accuracy_is_not() -> None:
    page = (
        "<p><strong>Headline: test part</strong>, n = 30.</p>\n"
        + _table(["Feature set", "LSTM", "Ridge"], [["BTC", "0.900 (better*)", "1.2 ± 0.1"]])
        + "<p>Direction accuracy</p>"
        + _table(["Feature set", "LSTM", "Ridge"], [["BTC", "0.550", "0.600"]])
    )
    out = colour_ratio_cells(page)
    assert '<td class="better">0.900 (better*)</td>' in out
    assert '<td class="same">1.2 ± 0.1</td>' in out
    assert "<td>0.550</td>" in out and "<td>BTC</td>" in out


def test_horizon_and_naive_columns_and_dm_columns_give_the_verdict() -> None:
    overview = _table(["Model", "h = 1 (n 30)"], [["LSTM", "1.500 (worse*)"]])
    pooled = _table(
        ["Model", "Ratio to naive", "DM stat", "DM p"],
        [["LSTM", "0.950", "-2.10", "0.01"], ["RF", "0.990", "-0.5", "0.6"], ["X", "–", "–", "–"]],
    )
    out = colour_ratio_cells(overview + pooled)
    assert '<td class="worse">1.500 (worse*)</td>' in out
    assert '<td class="better">0.950</td>' in out and '<td class="same">0.990</td>' in out
    assert "<td>–</td>" in out


def test_summary_escapes_names_and_marks_verdicts() -> None:
    items = headlines(results_frame(feature_set="<b>x</b>"))
    page = summary_html(items)
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert re.search(r'<td class="better" data-verdict="better"[^>]*>0\.900</td>', page)
    text = summary_markdown(items)
    assert text.startswith("**LSTM on &lt;b&gt;x&lt;/b&gt; beats naive")
    assert "| 0.900 (better) |" in text
