"""The ``sentcast`` console script: Ctrl-C is one line from the very first instant.

Importing the CLI (typer, pandas, torch for some commands) takes a second or two; a Ctrl-C in
that time would print a ``KeyboardInterrupt`` traceback from deep inside an import. This
module imports nothing heavy: it installs a handler that exits with 130 and one line, then
imports and runs :func:`sentcast.cli.main.run`, which installs its own handler.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType


def _interrupted_while_starting(signum: int, frame: FrameType | None) -> None:
    sys.stderr.write("interrupted\n")
    sys.stderr.flush()
    os._exit(130)


def run() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGINT, _interrupted_while_starting)
    from sentcast.cli.main import run as run_cli

    run_cli()
