"""``RUN_DIR/daily.html``: the job's dashboard, one self-contained page without script.

Drawn from the store after every run: the latest forecast in one sentence, the last
``days`` days of the chosen model's forecasts with their 80 % / 95 % intervals against the
realised close, the running RMSE ratio to naive of the chosen model and of each statistical
baseline, and the interval coverage over time. Charts are inline SVG; the page loads no
external resource (no link, image, font or script URL), and every text from the store or
the config is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sentcast.daily.store import LATEST_FORECASTS, Store
from sentcast.files import atomic_write_text

PAGE = "daily.html"
WIDTH, HEIGHT, PAD = 760, 260, 48
COLOURS = ("#1f5fa8", "#b5472f", "#3f8f3f", "#7a4fa0", "#a07a1f", "#2f8f8f", "#555555")

STYLE = """body{font-family:system-ui,sans-serif;max-width:820px;margin:2em auto;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}svg{background:#fafafa}
table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}
.lead{font-size:1.1em;background:#eef3fa;padding:.6em 1em;border-radius:4px}"""


def _x(days: pd.Series, first: Any, last: Any) -> np.ndarray:
    span = max((last - first).days, 1)
    offsets = (pd.to_datetime(days) - first).dt.days.to_numpy(dtype=float)
    return PAD + offsets / span * (WIDTH - 2 * PAD)


def _points(xs: np.ndarray, ys: np.ndarray) -> str:
    keep = np.isfinite(xs) & np.isfinite(ys)
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs[keep], ys[keep], strict=True))


def _chart(
    title: str,
    lines: Sequence[tuple[str, pd.Series, pd.Series, str]],
    bands: Sequence[tuple[pd.Series, pd.Series, pd.Series, str]] = (),
    reference: float | None = None,
) -> str:
    """An SVG line chart: ``lines`` (label, days, values, colour), ``bands`` (days, lower,
    upper, colour) drawn below them, an optional horizontal reference line."""
    frames = [pd.Series(pd.to_datetime(d)) for _, d, _, _ in lines]
    all_days = pd.concat(frames) if frames else pd.Series([], dtype="datetime64[ns]")
    values = [np.asarray(v, float) for _, _, v, _ in lines]
    values += [np.asarray(b, float) for _, lo, hi, _ in bands for b in (lo, hi)]
    finite = np.concatenate([v[np.isfinite(v)] for v in values] + [np.array([reference or np.nan])])
    finite = finite[np.isfinite(finite)]
    name = html.escape(title)
    if all_days.empty or not len(finite):
        return f'<p class="empty">{name}: no data yet.</p>'
    first, last = all_days.min(), all_days.max()
    low, high = float(finite.min()), float(finite.max())
    if high == low:
        low, high = low - 1, high + 1

    def y(v: Any) -> np.ndarray:
        return HEIGHT - PAD / 2 - (np.asarray(v, float) - low) / (high - low) * (HEIGHT - PAD)

    parts = [f'<svg role="img" aria-label="{name}" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}">']  # fmt: skip
    for days, lower, upper, colour in bands:
        xs = _x(days, first, last)
        top, bottom = _points(xs, y(upper)), _points(xs[::-1], y(lower)[::-1])
        if top:
            parts.append(f'<polygon points="{top} {bottom}" fill="{colour}" opacity="0.18"/>')
    if reference is not None and low <= reference <= high:
        ref = float(y(np.array([reference]))[0])
        parts.append(f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{ref:.1f}" y2="{ref:.1f}" '
                     'stroke="#999" stroke-dasharray="4 3"/>')  # fmt: skip
    for i, (label, days, vals, colour) in enumerate(lines):
        pts = _points(_x(days, first, last), y(vals))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.6"/>')
        parts.append(f'<text x="{PAD + 130 * i}" y="14" font-size="11" fill="{colour}">'
                     f"{html.escape(label)}</text>")  # fmt: skip
    for value, pos in ((high, PAD / 2), (low, HEIGHT - PAD / 2)):
        label = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
        parts.append(f'<text x="2" y="{pos:.0f}" font-size="10">{label}</text>')
    for day, anchor, x in ((first, "start", PAD), (last, "end", WIDTH - PAD)):
        parts.append(f'<text x="{x}" y="{HEIGHT - 4}" font-size="10" text-anchor="{anchor}">'
                     f"{day:%Y-%m-%d}</text>")  # fmt: skip
    parts.append("</svg>")
    return f"<h2>{name}</h2>\n" + "".join(parts)


def _latest_sentence(store: Store) -> str:
    row = store.frame(
        f"""SELECT * FROM ({LATEST_FORECASTS}) WHERE role = 'chosen'
        ORDER BY origin_day DESC, horizon LIMIT 1"""
    )
    if row.empty:
        return "No forecast yet."
    r = row.iloc[0]
    band = ""
    if np.isfinite(r["lower80"]) and np.isfinite(r["upper80"]):
        band = f", 80 % interval {r['lower80']:,.0f} to {r['upper80']:,.0f} USD"
    return (
        f"From the close of {r['origin_day']:%Y-%m-%d} ({r['last_close']:,.0f} USD), "
        f"{r['model']} forecasts {r['forecast_usd']:,.0f} USD {r['horizon']} day(s) ahead{band}."
    )


def _score_table(score: pd.DataFrame) -> str:
    if score.empty:
        return "<p>No forecast has been scored yet.</p>"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in score.columns)
    body = []
    for row in score.itertuples(index=False):
        cells = "".join(
            f"<td>{html.escape(v if isinstance(v, str) else f'{v:.4g}')}</td>" for v in row
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def build_dashboard(store: Store, days: int = 90) -> str:
    """The dashboard page as HTML text."""
    chosen = store.frame(
        f"""SELECT f.origin_day, f.horizon, f.forecast_usd, f.lower80, f.upper80, f.lower95,
        f.upper95, o.target_day FROM ({LATEST_FORECASTS}) f LEFT JOIN outcomes o
        USING (series, horizon, origin_day, vintage) WHERE f.role = 'chosen'
        AND f.origin_day > (SELECT max(origin_day) FROM forecasts) - INTERVAL {int(days)} DAY
        ORDER BY f.horizon, f.origin_day"""
    )
    horizon = int(chosen["horizon"].min()) if len(chosen) else 1
    chosen = chosen[chosen["horizon"] == horizon]
    # a forecast is drawn at its target day (the origin's next day while unknown)
    when = pd.to_datetime(chosen["target_day"]).fillna(
        pd.to_datetime(chosen["origin_day"]) + pd.Timedelta(days=1)
    )
    since = when.min() if len(when) else pd.Timestamp("1970-01-01")
    close = store.frame(
        "SELECT day, close FROM market_rows WHERE asset = 'BTC' AND day >= ? ORDER BY day",
        [since.date()],
    )
    forecasts = _chart(
        f"Forecasts at h = {horizon} with 80 % and 95 % intervals, and the realised close",
        [("realised close", close["day"], close["close"], "#222222"),
         ("forecast", when, chosen["forecast_usd"], COLOURS[0])],
        [(when, chosen["lower95"], chosen["upper95"], COLOURS[0]),
         (when, chosen["lower80"], chosen["upper80"], COLOURS[0])],
    )  # fmt: skip
    scores = store.frame("SELECT * FROM scores WHERE horizon = ? ORDER BY run_day", [horizon])
    names = [s for s in dict.fromkeys(scores["series"]) if s != "naive"]
    ratio = _chart(
        "Running RMSE / naive (below 1: better than naive)",
        [(str(s), scores.loc[scores["series"] == s, "run_day"],
          scores.loc[scores["series"] == s, "ratio_naive"], COLOURS[i % len(COLOURS)])
         for i, s in enumerate(names)],
        reference=1.0,
    )  # fmt: skip
    own = scores[scores["series"] == "chosen"]
    coverage = _chart(
        "Running coverage of the chosen model's intervals (dashed: 0.8)",
        [("80 %", own["run_day"], own["cov80"], COLOURS[0]),
         ("95 %", own["run_day"], own["cov95"], COLOURS[1])],
        reference=0.8,
    )  # fmt: skip
    latest = scores[scores["run_day"] == scores["run_day"].max()] if len(scores) else scores
    table = latest.drop(columns=["run_day"]) if len(latest) else latest
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>sentcast daily forecasts</title>"
        f"<style>{STYLE}</style></head><body>\n<h1>Daily forecasts</h1>\n"
        f'<p class="lead" id="latest">{html.escape(_latest_sentence(store))}</p>\n'
        f"{forecasts}\n{ratio}\n{coverage}\n<h2>Running score</h2>\n"
        f'<section id="score">{_score_table(table)}</section>\n</body></html>\n'
    )


def write_dashboard(store: Store, run_dir: Path, days: int = 90) -> Path:
    """Write ``RUN_DIR/daily.html`` atomically; returns its path."""
    path = run_dir / PAGE
    atomic_write_text(path, build_dashboard(store, days))
    return path
