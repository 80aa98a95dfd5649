"""``sentcast demo``: the whole Bitcoin pipeline offline, on generated data."""

from __future__ import annotations

from pathlib import Path

import typer

from sentcast.errors import UserInputError
from sentcast.experiments.demo import run_demo


def demo(
    out: Path = typer.Option(Path("runs/demo"), help="RUN_DIR for data, results and report."),
    seed: int = typer.Option(0, help="Seed of the generated data set."),
    days: int = typer.Option(730, help="Calendar days of generated data (>= 120)."),
    workers: int | None = typer.Option(None, help="Scoring processes.", show_default="CPU cores"),
    set_: list[str] = typer.Option(
        [], "--set", help="Override the packaged experiment: dotted.key=value (repeatable)."
    ),
) -> None:
    """Generate data, score tweets, build the panel, run a reduced grid, write the report.

    No network and no file from outside the package: the market data and the tweet stream are
    generated (deterministically for --seed), with a known, modest lead of daily sentiment on
    BTC returns.
    """
    if days < 120:
        raise UserInputError(f"--days must be >= 120 (the 30-day window needs data), got {days}")
    typer.echo(run_demo(out, seed=seed, days=days, workers=workers, overrides=set_))
