"""``sentcast report``: placeholder until its issue lands (exits 2, prints nothing fake)."""

from __future__ import annotations

import typer

from sentcast.cli.common import not_implemented

app = typer.Typer(help="report (not implemented yet).", invoke_without_command=True)


@app.callback()
def _placeholder() -> None:
    raise not_implemented("report")
