"""``data_summary.json`` in plain words (Markdown, every value HTML-escaped).

The summary may have been edited by hand, so each sentence is written only when its keys hold
values of the expected shape; the report keeps every field in a collapsed table as well.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any


def _t(value: Any) -> str:
    """``value`` as Markdown-safe text (HTML special characters as entities, no ``|``)."""
    return html.escape(str(value), quote=False).replace("|", "/").replace("\n", " ")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _numeric_key(text: str) -> tuple[int, str]:
    digits = re.sub(r"\D", "", text)
    return (int(digits) if digits else 0, text)


def _forecast_lines(summary: Mapping[str, Any]) -> list[str]:
    lines = []
    days, start, end = _int(summary.get("n_days")), summary.get("start"), summary.get("end")
    if days is not None and start and end:
        lines.append(
            f"{days} days from {_t(start)} to {_t(end)} on the "
            f"{_t(summary.get('calendar', '?'))} calendar."
        )
    missing = summary.get("missing_days")
    if isinstance(missing, Mapping):
        left_out = [f"{n} ({_t(why).replace('_', ' ')})" for why, n in missing.items() if _int(n)]
        lines.append(
            "Days left out or filled: " + "; ".join(left_out) + "."
            if left_out
            else "No day was left out or filled."
        )
    sources = summary.get("sources")
    if isinstance(sources, Mapping):
        for group, info in sources.items():
            if not isinstance(info, Mapping):
                continue
            columns = info.get("columns")
            names = ", ".join(map(_t, columns)) if isinstance(columns, list) else "?"
            lines.append(
                f"{_t(group)} from {_t(info.get('label', '?'))} (columns {names}): values "
                f"{_t(info.get('first_value', '?'))} to {_t(info.get('last_value', '?'))}; "
                f"{_t(info.get('usable', '?'))} usable days, {_t(info.get('filled', '?'))} "
                f"filled ({_t(info.get('fill', '?'))}, at most {_t(info.get('max_fill_days', '?'))}"
                f" days old), {_t(info.get('excluded', '?'))} excluded."
            )
    per_set = summary.get("days_per_feature_set")
    if isinstance(per_set, Mapping) and per_set:
        lines.append(
            "Days per feature set: "
            + ", ".join(f"{_t(fs)} {_t(n)}" for fs, n in per_set.items())
            + "."
        )
    return lines + _samples_table(summary.get("n_samples"))


def _samples_table(samples: Any) -> list[str]:
    """Samples per part as a table: one row per (horizon, window), windows in numeric order."""
    if not isinstance(samples, Mapping):
        return []
    rows = []
    for horizon in sorted(map(str, samples), key=_numeric_key):
        windows = samples[horizon]
        if not isinstance(windows, Mapping):
            continue
        for window in sorted(map(str, windows), key=_numeric_key):
            parts = windows[window]
            if isinstance(parts, Mapping):
                counts = [_t(parts.get(p, "–")) for p in ("train", "validation", "test")]
                rows.append(f"| {_t(horizon.lstrip('h'))} | {_t(window)} | {' | '.join(counts)} |")
    if not rows:
        return []
    head = ["| Horizon | Window | Train | Validation | Test |", "|---|---|---|---|---|"]
    return ["Samples per part:\n\n" + "\n".join(head + rows)]


def _textclf_lines(summary: Mapping[str, Any]) -> list[str]:
    datasets = summary.get("datasets")
    if not isinstance(datasets, Mapping):
        return []
    lines = []
    for name, info in datasets.items():
        if not isinstance(info, Mapping):
            continue
        oov = info.get("oov_rate")
        oov_text = (
            f"; {oov:.1%} of test tokens outside the vocabulary" if isinstance(oov, float) else ""
        )
        lines.append(
            f"**{_t(name)}**: {_t(info.get('n_train', '?'))} training, "
            f"{_t(info.get('n_validation', info.get('n_val', '?')))} validation and "
            f"{_t(info.get('n_test', '?'))} test "
            f"texts, {_t(info.get('n_classes', '?'))} classes{oov_text}."
        )
    return lines


def data_sentences(summary: Any) -> list[str]:
    """Markdown paragraphs describing ``summary`` (a parsed ``data_summary.json``)."""
    if not isinstance(summary, Mapping):
        return []
    if summary.get("kind") == "textclf":
        return _textclf_lines(summary)
    return _forecast_lines(summary)
