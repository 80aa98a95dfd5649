"""``sentcast daily``: the scheduled forecasting job, its replay, and SQL on its store.

    sentcast daily CONFIG [--as-of DAY] [--out RUN_DIR]
    sentcast daily CONFIG --replay START..END
    sentcast daily query CONFIG "SELECT ..."

Exit codes: 0 done (also "nothing new today", said on stdout), 1 a data problem, 2 a usage
problem (bad config, another run holds the folder), 130 interrupted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from sentcast.errors import UserInputError


def daily(
    target: str = typer.Argument(
        ..., metavar="CONFIG|query", help="CONFIG (daily job TOML), or `query`."
    ),
    rest: list[str] = typer.Argument(
        None, metavar="[CONFIG SQL]", help="With `query`: CONFIG and the SQL."
    ),
    replay: str | None = typer.Option(
        None, help="Run the job day by day over START..END (YYYY-MM-DD..YYYY-MM-DD)."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Run day (YYYY-MM-DD).", show_default="yesterday, UTC"
    ),
    out: Path | None = typer.Option(None, help="RUN_DIR.", show_default="daily.run_dir"),
    set_: list[str] = typer.Option([], "--set", help="Override: dotted.key=value."),
) -> None:
    """Fetch, collect, (re)train on schedule, forecast, score: one line on stdout.

    `sentcast daily query CONFIG SQL` runs SQL on the job's store (read-only) and prints CSV.
    """
    from sentcast.daily.config import load_daily_config, parse_range

    if target == "query":
        if not rest or len(rest) != 2:
            raise UserInputError('usage: sentcast daily query CONFIG "SELECT ..."')
        from sentcast.daily.store import query

        config = load_daily_config(rest[0], set_)
        frame = query(config.store_path(config.run_dir(out)), rest[1])
        typer.echo(frame.to_csv(index=False), nl=False)
        return
    if rest:
        raise UserInputError(f"unexpected argument(s): {' '.join(rest)}")
    config = load_daily_config(target, set_)
    run_dir = config.run_dir(out)
    if replay is not None:
        if as_of is not None:
            raise UserInputError("give --replay or --as-of, not both")
        from sentcast.daily.replay import replay as run_replay

        start, end = parse_range(replay)
        _, summary = run_replay(config, run_dir, start, end)
        typer.echo(summary)
        return
    from sentcast.daily.job import run_job, summary_line

    day = None
    if as_of is not None:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            raise UserInputError(f"--as-of expects YYYY-MM-DD, got {as_of!r}") from None
    result = run_job(config, run_dir, day)
    typer.echo(summary_line(result, config))
