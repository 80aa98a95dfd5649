"""``sentcast market``: download Yahoo data and build the aligned market panel."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from sentcast.cli.common import choices, parse_date
from sentcast.data.fetch import fetch_yahoo
from sentcast.data.market import DEFAULT_PREFIXES, infer_prefix, load_panel
from sentcast.errors import UserInputError
from sentcast.files import check_output_folder, check_outputs

app = typer.Typer(help="Market data: fetch with yfinance, load CSVs into an aligned panel.")


@app.command()
def fetch(
    tickers: list[str] = typer.Argument(
        None, help="Yahoo symbols.", show_default="BTC-USD DX-Y.NYB ^GSPC"
    ),
    cache: Path = typer.Option(Path(".sentcast_cache/market"), help="Parquet cache folder."),
    start: str = typer.Option("2014-09-17", help="First day (YYYY-MM-DD)."),
    end: str | None = typer.Option(
        None, help="Last day, inclusive (YYYY-MM-DD).", show_default="the newest day"
    ),
) -> None:
    """Download daily bars with yfinance into a local Parquet cache (needs internet)."""
    parse_date(start, "--start")
    last = parse_date(end, "--end")
    check_output_folder([], "--cache", cache)
    # --end is inclusive, as everywhere in sentcast; yfinance's `end` is the day after.
    after = None if last is None else f"{last + pd.Timedelta(days=1):%Y-%m-%d}"
    written = fetch_yahoo(tickers or list(DEFAULT_PREFIXES), cache, start, after)
    for ticker, path in written.items():
        typer.echo(f"{ticker}\t{path}")


def _parse_inputs(paths: list[str]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for item in paths:
        prefix, sep, path = item.partition("=")
        if not sep:
            prefix, path = "", item
        elif not prefix:
            raise UserInputError(
                f"empty asset prefix in {item!r}; use PREFIX=PATH, e.g. BTC={path}"
            )
        if not Path(path).exists():
            raise UserInputError(f"market file not found: {path}")
        prefix = prefix or infer_prefix(path)
        if prefix in files:
            raise UserInputError(f"asset {prefix} given twice ({files[prefix]} and {path})")
        files[prefix] = Path(path)
    return files


@app.command()
def load(
    paths: list[str] = typer.Argument(
        ..., help="Yahoo CSV/Parquet files, as PATH (prefix from the name) or PREFIX=PATH."
    ),
    start: str | None = typer.Option(None, help="First day (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, help="Last day, inclusive (YYYY-MM-DD)."),
    calendar: str = typer.Option(
        "trading",
        help="trading (days every asset traded) or daily (every day of --primary).",
        **choices(["trading", "daily"]),
    ),
    primary: str = typer.Option("BTC", help="Asset whose days define the daily calendar."),
    out: Path = typer.Option(..., help="Output panel (.parquet or .csv)."),
) -> None:
    """Build the aligned daily market panel and write it to --out."""
    t0, t1 = parse_date(start, "--start"), parse_date(end, "--end")
    if out.suffix not in (".parquet", ".csv"):
        raise UserInputError(f"--out must end in .parquet or .csv, got {out.name}")
    files = _parse_inputs(paths)
    check_outputs(list(files.values()), {"--out": out})
    panel, report = load_panel(files, t0, t1, calendar, primary)  # type: ignore[arg-type]
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".csv":
        panel.to_csv(out)
    else:
        panel.to_parquet(out)
    typer.echo(report.summary())
    typer.echo(f"wrote {out} ({len(panel)} rows x {panel.shape[1]} columns)")
