"""``sentcast report RUN_DIR``: write report.md and a self-contained report.html."""

from __future__ import annotations

from pathlib import Path

import typer

from sentcast.files import FolderLock
from sentcast.reporting.report import check_run_dir, write_report


def report(run_dir: Path = typer.Argument(..., help="A run directory.")) -> None:
    """Write RUN_DIR/report.md and RUN_DIR/report.html (inline images, no network assets).

    Refused while a run writes into RUN_DIR.
    """
    with FolderLock(check_run_dir(run_dir)):
        md_path, html_path = write_report(run_dir)
    typer.echo(f"wrote {html_path}\nwrote {md_path}")
