"""``sentcast reddit``: filter Reddit dumps into a file that ``sentiment score`` reads."""

from __future__ import annotations

from pathlib import Path

import typer

from sentcast.cli.tweets import utc_range
from sentcast.data.reddit_dumps import read_dumps
from sentcast.errors import UserInputError
from sentcast.files import FolderLock, check_distinct_inputs, check_outputs

app = typer.Typer(help="Reddit: read the monthly zstd NDJSON dumps.")


@app.command()
def read(
    inputs: list[Path] = typer.Argument(
        ..., help="Dump files (.zst): RC_*, RS_* or per-subreddit."
    ),
    subreddits: str = typer.Option(..., help="Comma-separated names, e.g. Bitcoin,CryptoCurrency."),
    out: Path = typer.Option(..., help="Output file (.parquet)."),
    start: str | None = typer.Option(None, help="First day or UTC time (YYYY-MM-DD[THH:MM:SS])."),
    end: str | None = typer.Option(
        None, help="Last day, inclusive (YYYY-MM-DD), or an exact exclusive UTC time."
    ),
) -> None:
    """Keep the comments and submissions of --subreddits from Reddit dump files.

    Writes id, kind (comment/submission), subreddit, created_utc, author, score and text to
    --out; records with bad JSON, a deleted or removed body, another subreddit or a time
    outside --start/--end are counted per reason. Score the result with
    `sentcast sentiment score OUT --layout reddit-dump`.
    """
    check_outputs(inputs, {"--out": out})
    if out.suffix != ".parquet":
        raise UserInputError(f"--out must end in .parquet, got {out.name}")
    check_distinct_inputs(inputs)
    first, stop = utc_range(start, end)
    with FolderLock(out, is_folder=False):
        report = read_dumps(inputs, subreddits.split(","), out, first, stop)
    typer.echo(report.summary())
    typer.echo(f"wrote {out} ({report.rows_kept} records)")
