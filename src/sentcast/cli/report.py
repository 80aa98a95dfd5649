"""``sentcast report RUN_DIR``: write report.md and a self-contained report.html."""

from __future__ import annotations

from pathlib import Path

import typer

from sentcast.reporting.report import write_report


def report(run_dir: Path = typer.Argument(..., help="A run directory.")) -> None:
    """Write RUN_DIR/report.md and RUN_DIR/report.html (inline images, no network assets)."""
    md_path, html_path = write_report(run_dir)
    typer.echo(f"wrote {html_path}\nwrote {md_path}")
