"""``report.md`` and a self-contained ``report.html`` for any run directory.

The report is written once as Markdown (relative links to ``plots/*.png``); the HTML is the same
Markdown rendered by the ``markdown`` package with every image inlined as a data URI, so the file
opens offline with no external asset.

A run directory holds ``config.toml``, ``results.csv``, ``tables.md``, ``plots/*.png`` and
``data_summary.json`` (see ``docs/architecture.md``); missing pieces are reported as missing.
"""

from __future__ import annotations

import base64
import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import markdown

from sentcast.errors import DataError, UserInputError
from sentcast.reporting.environment import environment

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
"""


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
    lines = [f"| {head[0]} | {head[1]} |", "|---|---|"]
    lines += [f"| {k} | {v.replace('|', '/')} |" for k, v in rows]
    return "\n".join(lines)


def _plots(run_dir: Path) -> list[Path]:
    folder = run_dir / "plots"
    return sorted(folder.glob("*.png")) if folder.is_dir() else []


def _plot_title(path: Path) -> str:
    return path.stem.replace("_", " ")


def build_markdown(run_dir: str | Path) -> str:
    """The report of ``run_dir`` as Markdown (images linked relative to the folder)."""
    run = Path(run_dir)
    if not run.is_dir():
        raise UserInputError(f"run directory not found: {run}")
    config_file = run / "config.toml"
    if not config_file.is_file() and not (run / "results.csv").is_file():
        raise UserInputError(f"{run} is not a run directory (no config.toml or results.csv)")
    config_text = config_file.read_text(encoding="utf-8") if config_file.is_file() else ""
    kind_match = re.search(r'^kind\s*=\s*"(\w+)"', config_text, flags=re.MULTILINE)
    kind = kind_match.group(1) if kind_match else "unknown"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"# sentcast report: {run.name}", f"Kind: **{kind}** · written {stamp}"]

    summary_file = run / "data_summary.json"
    parts.append("## Data")
    if summary_file.is_file():
        try:
            summary = json.loads(summary_file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError(f"{summary_file}: not valid JSON ({exc.msg})") from exc
        parts.append(_key_value_table(_flatten(summary), ("item", "value")))
    else:
        parts.append("_No data_summary.json in this run._")

    parts.append("## Results")
    tables = run / "tables.md"
    if tables.is_file():
        # Nest the run's own headings under "Results" (# -> ###, ## -> ####).
        text = tables.read_text(encoding="utf-8").strip()
        parts.append(re.sub(r"^(#+) ", r"##\1 ", text, flags=re.MULTILINE))
    else:
        parts.append("_No tables.md in this run (the run may still be in progress)._")
    if kind == "forecast":
        parts.append(
            '<div class="note">RMSE in scaled units is relative to the min–max range of the '
            "training period; <code>rmse_ratio_naive</code> &lt; 1 means better than "
            "\u201ctomorrow = today\u201d. Skill is only claimed relative to that naive baseline."
            "</div>"
        )

    plots = _plots(run)
    if plots:
        parts.append("## Plots")
        for plot in plots:
            title = _plot_title(plot)
            parts.append(f"### {title}\n\n![{title}]({plot.relative_to(run).as_posix()})")

    parts.append("## Configuration (resolved)")
    parts.append(f"```toml\n{config_text.strip()}\n```" if config_text else "_No config.toml._")
    parts.append("## Environment")
    parts.append(_key_value_table(list(environment().items()), ("component", "version")))
    return "\n\n".join(parts) + "\n"


def _inline_images(body: str, run: Path) -> str:
    def replace(match: re.Match[str]) -> str:
        src = html.unescape(match.group(1))
        path = run / src
        if src.startswith("data:") or not path.is_file():
            return match.group(0)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'src="data:image/png;base64,{data}"'

    return re.sub(r'src="([^"]+)"', replace, body)


def write_report(run_dir: str | Path) -> tuple[Path, Path]:
    """Write ``report.md`` and self-contained ``report.html`` into ``run_dir``.

    Returns
    -------
    (Path, Path)
        The Markdown and HTML files.
    """
    run = Path(run_dir)
    text = build_markdown(run)
    md_path = run / "report.md"
    md_path.write_text(text, encoding="utf-8")
    body = markdown.markdown(text, extensions=["tables", "fenced_code"], output_format="html")
    title = html.escape(f"sentcast report: {run.name}")
    page = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{_CSS}</style></head>\n"
        f"<body>\n{_inline_images(body, run)}\n</body></html>\n"
    )
    html_path = run / "report.html"
    html_path.write_text(page, encoding="utf-8")
    return md_path, html_path
