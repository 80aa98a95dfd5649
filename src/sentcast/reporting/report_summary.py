"""The forecast report's summary block and the significance colours of its ratio tables.

The summary is sentcast's own markup (a ``<section id="summary">`` whose table cells carry
``class`` and ``data-verdict`` = ``better`` / ``worse`` / ``same``); every string in it comes
from ``results.csv`` and is HTML-escaped. :func:`colour_ratio_cells` adds the same classes to
the ratio-to-naive cells of the rendered ``tables.md`` (whose text the renderer already
escaped): the headline ratio tables, the columns headed ``h = …`` or naming naive.
"""

from __future__ import annotations

import html
import math
import re

from sentcast.reporting.forecast_summary import (
    ALPHA,
    VERDICT_TEXT,
    Headline,
    Verdict,
    overall_sentence,
)

LEGEND = (
    "Colours: green = significantly better than naive, red = significantly worse "
    "(Diebold–Mariano p < 0.05 for every seed), grey = no significant difference."
)
_HEADER = (
    "Horizon", "Window", "Best model (chosen on validation)", "Part", "n", "RMSE / naive",
    "DM p", "Direction acc. (p)", "Coverage 80 %", "Coverage 95 %",
)  # fmt: skip


def _num(value: float, spec: str) -> str:
    return "–" if math.isnan(value) else format(value, spec)


def _cells(h: Headline) -> list[str]:
    direction = _num(h.dir_acc, ".3f")
    if not math.isnan(h.dir_pvalue):
        direction += f" (p {h.dir_pvalue:.2g})"
    return [
        str(h.horizon), str(h.window), html.escape(h.label, quote=False),
        html.escape(h.split, quote=False), str(h.n), _num(h.ratio, ".3f"),
        _num(h.dm_pvalue, ".2g"), direction, _num(h.cov80, ".3f"), _num(h.cov95, ".3f"),
    ]  # fmt: skip


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def summary_markdown(items: list[Headline]) -> str:
    """The summary as Markdown: the overall sentence, a table, one sentence per row."""
    lines = [f"**{_first_upper(html.escape(overall_sentence(items), quote=False))}.**", ""]
    if items:
        lines += ["| " + " | ".join(_HEADER) + " |", "|" + "---|" * len(_HEADER)]
        for h in items:
            cells = _cells(h)
            cells[5] += f" ({VERDICT_TEXT[h.verdict]})"
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", *(f"- {html.escape(h.sentence(), quote=False)}" for h in items)]
    return "\n".join(lines)


def summary_html(items: list[Headline]) -> str:
    """The summary as sentcast's own HTML (every inserted string escaped)."""
    overall = _first_upper(html.escape(overall_sentence(items), quote=False))
    parts = ['<section id="summary">', "<h2>Summary</h2>", f'<p class="answer">{overall}.</p>']
    if items:
        rows = []
        for h in items:
            cells = [f"<td>{c}</td>" for c in _cells(h)]
            cells[5] = (
                f'<td class="{h.verdict}" data-verdict="{h.verdict}" '
                f'title="{VERDICT_TEXT[h.verdict]}">{_cells(h)[5]}</td>'
            )
            rows.append(f'<tr data-horizon="{h.horizon}" data-window="{h.window}">')
            rows.append("".join(cells) + "</tr>")
        head = "".join(f"<th>{c}</th>" for c in _HEADER)
        sentences = "".join(f"<li>{html.escape(h.sentence(), quote=False)}</li>" for h in items)
        parts += [
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>",
            f"<ul>{sentences}</ul>",
            f'<p class="legend">{LEGEND}</p>',
        ]
    parts.append("</section>")
    return "\n".join(parts)


_TABLE = re.compile(r"<table>.*?</table>", re.DOTALL)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.DOTALL)
_CELL = re.compile(r"<(t[dh])>(.*?)</t[dh]>", re.DOTALL)
_RATIO = re.compile(r"^\d+\.\d+(?: ± \d+\.\d+)?(?: \((better|worse)\*\))?$")


def _cell_verdict(text: str) -> Verdict | None:
    match = _RATIO.match(text.strip())
    if match is None:
        return None
    marker = match.group(1)
    return "better" if marker == "better" else "worse" if marker == "worse" else "same"


def _dm_verdict(stat: str, pvalue: str) -> Verdict:
    """The verdict of one row's ``DM stat`` and ``DM p`` cells."""
    try:
        significant = float(pvalue) < ALPHA
        sign = float(stat)
    except ValueError:
        return "same"
    return "same" if not significant else "better" if sign < 0 else "worse"


def _colour_table(table: str, headline: bool) -> str:
    rows = _ROW.findall(table)
    if not rows:
        return table
    header = [text for tag, text in _CELL.findall(rows[0]) if tag == "th"]
    ratio_columns = {
        i
        for i, text in enumerate(header)
        if (headline and i > 0) or text.startswith("h = ") or "naive" in text.lower()
    }
    if not ratio_columns:
        return table
    dm = (
        (header.index("DM stat"), header.index("DM p"))
        if {"DM stat", "DM p"} <= set(header)
        else None
    )

    def colour_row(match: re.Match[str]) -> str:
        found = _CELL.findall(match.group(1))
        cells = []
        for i, (tag, text) in enumerate(found):
            kind = _cell_verdict(text) if tag == "td" and i in ratio_columns else None
            if kind == "same" and dm is not None:
                kind = _dm_verdict(found[dm[0]][1], found[dm[1]][1])
            cells.append(f'<td class="{kind}">{text}</td>' if kind else f"<{tag}>{text}</{tag}>")
        return "<tr>" + "\n".join(cells) + "</tr>"

    return _ROW.sub(colour_row, table)


def colour_ratio_cells(page: str) -> str:
    """``page`` (rendered ``tables.md``) with its ratio-to-naive cells classed by verdict."""
    out, last = [], 0
    for match in _TABLE.finditer(page):
        before = page[last : match.start()]
        out.append(before)
        out.append(_colour_table(match.group(0), "<strong>Headline:" in before))
        last = match.end()
    out.append(page[last:])
    return "".join(out)
