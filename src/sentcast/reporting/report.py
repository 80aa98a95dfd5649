"""``report.md`` and a self-contained ``report.html`` for any run directory.

The report is written once as Markdown (relative links to ``plots/*.png``); the HTML is the same
Markdown rendered by the ``markdown`` package, so the file opens offline with no external asset.

Everything in a run directory may come from a user (config values, dataset and column names,
labels, references, a hand-edited ``tables.md``), so none of it can reach the page as markup:

* text that sentcast inserts is HTML-escaped (entities render as text in every Markdown viewer);
* the HTML renderer has raw HTML, links and images switched off (:class:`_TextOnly`), so markup
  that reaches it anyway (``tables.md``) shows as text;
* the page's own markup (the note, the configuration block, the plots) is written here as HTML,
  and a plot is inlined only when it is a PNG file (magic bytes checked) with a file-safe name
  that lies inside the run folder (links followed), as the run wrote it.

A run directory holds ``config.toml``, ``results.csv``, ``tables.md``, ``plots/*.png`` and
``data_summary.json`` (see ``docs/architecture.md``); missing pieces are reported as missing.
"""

from __future__ import annotations

import base64
import html
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import markdown
import pandas as pd
from markdown.extensions import Extension

from sentcast.errors import UserInputError
from sentcast.files import SAFE_NAME, atomic_write_text, inside, read_json
from sentcast.reporting.data_words import data_sentences
from sentcast.reporting.environment import environment
from sentcast.reporting.forecast_summary import headlines
from sentcast.reporting.report_summary import (
    LEGEND,
    colour_ratio_cells,
    summary_html,
    summary_markdown,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_MARKUP_PATTERNS = (
    "html",
    "link",
    "image_link",
    "reference",
    "image_reference",
    "short_reference",
    "short_image_ref",
    "autolink",
    "automail",
)
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#1d2330;line-height:1.45}
h1{border-bottom:3px solid #2b6cb0;padding-bottom:.2em}h2{margin-top:1.8em;color:#2b6cb0}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
th,td{border:1px solid #cbd5e0;padding:.3em .6em;text-align:right}
th{background:#edf2f7}td:first-child,th:first-child{text-align:left}
tr:nth-child(even) td{background:#f7fafc}
pre{background:#f7fafc;border:1px solid #e2e8f0;padding:.8em;overflow-x:auto;font-size:.85em}
img{max-width:100%;border:1px solid #e2e8f0;margin:.5em 0}
.note{background:#fffbea;border-left:4px solid #d69e2e;padding:.5em 1em}
#summary{background:#f7fafc;border:1px solid #cbd5e0;padding:.2em 1em 1em;margin:1em 0}
#summary h2{margin-top:.5em}.answer{font-size:1.25em;font-weight:600}
table td.better{background:#c6f6d5}table td.worse{background:#fed7d7}
table td.same{background:#e2e8f0}.legend{font-size:.85em;color:#4a5568}
details{margin:.6em 0}summary{cursor:pointer;color:#2b6cb0}
"""


class _TextOnly(Extension):
    """Markdown without raw HTML, links or images: such input is rendered as plain text."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (markdown's API)
        md.preprocessors.deregister("html_block")
        for name in _MARKUP_PATTERNS:
            md.inlinePatterns.deregister(name)


def _render(text: str) -> str:
    extensions: list[str | Extension] = ["tables", "fenced_code", _TextOnly()]
    return markdown.markdown(text, extensions=extensions, output_format="html")


def _text(value: str) -> str:
    """``value`` safe to insert into Markdown: HTML special characters as entities."""
    return html.escape(value, quote=False)


@dataclass(frozen=True)
class _Part:
    """One block of the report: its Markdown, and sentcast's own HTML for it (else rendered)."""

    markdown: str
    html: str | None = None


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        rows: list[tuple[str, str]] = []
        for key, item in value.items():
            rows += _flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return rows
    if isinstance(value, float):
        return [(prefix, f"{value:.4g}")]
    return [(prefix, "—" if value is None else str(value))]


def _key_value_table(rows: list[tuple[str, str]], head: tuple[str, str]) -> str:
    def cell(value: str) -> str:
        return _text(value).replace("|", "/").replace("\n", " ")

    lines = [f"| {head[0]} | {head[1]} |", "|---|---|"]
    lines += [f"| {cell(k)} | {cell(v)} |" for k, v in rows]
    return "\n".join(lines)


def _run_plot(run: Path, path: Path) -> bytes | None:
    """The PNG bytes of ``path`` if the run wrote it (safe name, inside ``run``, PNG), else None."""
    if not SAFE_NAME.match(path.name):
        return None
    try:
        data = inside(run, path.relative_to(run)).read_bytes()
    except (UserInputError, OSError):
        return None
    return data if data.startswith(PNG_MAGIC) else None


_HW_PLOT = re.compile(r"^(predictions|importance)_h(\d+)_w(\d+)$")


def _plot_names(run: Path) -> dict[str, tuple[tuple[int, ...], str]]:
    """Sort key and title of each plot stem the run's results explain: forecast plots per
    (horizon, window) in numeric order, confusion matrices under the data-set names as written.
    """
    names: dict[str, tuple[tuple[int, ...], str]] = {}
    for path in (run / "plots").glob("*.png"):
        match = _HW_PLOT.match(path.stem)
        if match:
            kind, h, w = match.group(1), int(match.group(2)), int(match.group(3))
            what = "Predictions" if kind == "predictions" else "Permutation importance"
            names[path.stem] = (
                (0 if kind == "predictions" else 1, h, w),
                f"{what}, horizon {h}, window {w}",
            )
    results = run / "results.csv"
    if results.is_file():
        try:
            cells = pd.read_csv(results, usecols=["dataset", "eval_set", "model"], dtype=str)
        except (ValueError, pd.errors.ParserError):
            return names
        for i, (dataset, eval_set, model) in enumerate(
            cells.drop_duplicates().itertuples(index=False)
        ):
            title = f"Confusion matrix: {dataset}, {eval_set} set, {model}"
            names[f"confusion_{dataset}_{eval_set}_{model}"] = ((2, i), title)
    return names


def _plot_parts(run: Path) -> list[_Part]:
    folder = run / "plots"
    if not folder.is_dir():
        return []
    names = _plot_names(run)
    fallback = len(names)
    paths = sorted(
        folder.glob("*.png"), key=lambda p: (names.get(p.stem, ((3, fallback),))[0], p.name)
    )
    parts = []
    for path in paths:
        data = _run_plot(run, path)
        if data is None:
            parts.append(_Part(f"_Not shown: {_text(path.name)} is not a PNG file of this run._"))
            continue
        title = html.escape(names.get(path.stem, ((), path.stem.replace("_", " ")))[1])
        uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        parts.append(
            _Part(
                f"### {title}\n\n![{title}](plots/{path.name})",
                f'<h3>{title}</h3>\n<p><img alt="{title}" src="{uri}"></p>',
            )
        )
    return [_Part("## Plots"), *parts] if parts else []


def _code_block(text: str) -> _Part:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return _Part(
        f"{fence}toml\n{text}\n{fence}",
        f'<pre><code class="language-toml">{html.escape(text)}\n</code></pre>',
    )


def check_run_dir(run_dir: str | Path) -> Path:
    """``run_dir`` as a Path, after checking that it is a run directory.

    Raises
    ------
    UserInputError
        No such folder, or it holds neither ``config.toml`` nor ``results.csv``.
    """
    run = Path(run_dir)
    if not run.is_dir():
        raise UserInputError(f"run directory not found: {run}")
    if not (run / "config.toml").is_file() and not (run / "results.csv").is_file():
        raise UserInputError(f"{run} is not a run directory (no config.toml or results.csv)")
    return run


def _read_summary(run: Path) -> Any:
    summary_file = run / "data_summary.json"
    if not summary_file.is_file():
        return None
    return read_json(summary_file)


def _data_parts(summary: Any) -> list[_Part]:
    """The data summary in plain words, then every field in a collapsed table."""
    if summary is None:
        return [_Part("## Data"), _Part("_No data_summary.json in this run._")]
    parts = [_Part("## Data"), *(_Part(text) for text in data_sentences(summary))]
    table = _key_value_table(_flatten(summary), ("item", "value"))
    parts.append(
        _Part(
            f"### Every field of data_summary.json\n\n{table}",
            f"<details><summary>Every field of data_summary.json</summary>\n{_render(table)}"
            "\n</details>",
        )
    )
    return parts


def _display_names(config_text: str) -> dict[str, str]:
    """``[data.names]`` of the run's config.toml (display name per group); ``{}`` without."""
    try:
        names = tomllib.loads(config_text).get("data", {}).get("names", {})
    except tomllib.TOMLDecodeError:
        return {}
    return {str(k): str(v) for k, v in names.items()} if isinstance(names, dict) else {}


def _forecast_summary(run: Path, names: Mapping[str, str]) -> list[_Part]:
    """The answer first: best model per (horizon, window) against naive, from results.csv."""
    path = run / "results.csv"
    if not path.is_file():
        return []
    try:
        results = pd.read_csv(path)
        items = headlines(results, names)
    except (ValueError, KeyError, TypeError, pd.errors.ParserError) as exc:
        reason = _text(str(exc))
        return [_Part(f"## Summary\n\n_No summary: results.csv cannot be read ({reason})._")]
    return [_Part(f"## Summary\n\n{summary_markdown(items)}", summary_html(items))]


def _config_part(config_text: str) -> list[_Part]:
    if not config_text:
        return [_Part("## Configuration (resolved)"), _Part("_No config.toml._")]
    block = _code_block(config_text.strip())
    return [
        _Part(
            f"## Configuration (resolved)\n\n{block.markdown}",
            "<h2>Configuration</h2>\n<details><summary>The resolved configuration "
            f"(config.toml)</summary>\n{block.html}\n</details>",
        )
    ]


def _parts(run: Path) -> list[_Part]:
    config_file = run / "config.toml"
    config_text = config_file.read_text(encoding="utf-8") if config_file.is_file() else ""
    kind_match = re.search(r'^kind\s*=\s*"(\w+)"', config_text, flags=re.MULTILINE)
    kind = kind_match.group(1) if kind_match else "unknown"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        _Part(f"# sentcast report: {_text(run.name)}"),
        _Part(f"Kind: **{kind}** · written {stamp}"),
    ]
    if kind == "forecast":
        parts += _forecast_summary(run, _display_names(config_text))
    parts += _data_parts(_read_summary(run))
    parts.append(_Part("## Results"))
    tables = run / "tables.md"
    if tables.is_file():
        # Nest the run's own headings under "Results" (# -> ###, ## -> ####).
        text = _text(tables.read_text(encoding="utf-8").strip())
        nested = re.sub(r"^(#+) ", r"##\1 ", text, flags=re.MULTILINE)
        coloured = colour_ratio_cells(_render(nested)) if kind == "forecast" else None
        parts.append(_Part(nested, coloured))
    else:
        parts.append(_Part("_No tables.md in this run (the run may still be in progress)._"))
    if kind == "forecast":
        note = (
            '<div class="note">RMSE in scaled units is relative to the min–max range of the '
            "training period; <code>rmse_ratio_naive</code> &lt; 1 means better than "
            "\u201ctomorrow = today\u201d. Skill is only claimed relative to that naive baseline. "
            f"{LEGEND}</div>"
        )
        parts.append(_Part(note, note))
    parts += _plot_parts(run)
    parts += _config_part(config_text)
    parts.append(_Part("## Environment"))
    parts.append(_Part(_key_value_table(list(environment().items()), ("component", "version"))))
    return parts


def build_markdown(run_dir: str | Path) -> str:
    """The report of ``run_dir`` as Markdown (images linked relative to the folder)."""
    return _join_markdown(_parts(check_run_dir(run_dir)))


def _join_markdown(parts: list[_Part]) -> str:
    return "\n\n".join(part.markdown for part in parts) + "\n"


def write_report(run_dir: str | Path) -> tuple[Path, Path]:
    """Write ``report.md`` and self-contained ``report.html`` into ``run_dir`` (atomically).

    Returns
    -------
    (Path, Path)
        The Markdown and HTML files.
    """
    run = check_run_dir(run_dir)
    parts = _parts(run)
    md_path = run / "report.md"
    atomic_write_text(md_path, _join_markdown(parts))
    body = "\n".join(
        part.html if part.html is not None else _render(part.markdown) for part in parts
    )
    title = html.escape(f"sentcast report: {run.name}")
    page = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{_CSS}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )
    html_path = run / "report.html"
    atomic_write_text(html_path, page)
    return md_path, html_path
