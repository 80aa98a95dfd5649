"""Progress bars and logging shared by the CLI and long-running library calls.

Progress goes to stderr through rich; it is disabled globally by :func:`set_quiet`
(the CLI's ``--quiet``) or when stderr is not a terminal and ``SENTCAST_PROGRESS`` is unset.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

_state = {"quiet": False}
stderr_console = Console(stderr=True)
logger = logging.getLogger("sentcast")


def set_quiet(quiet: bool) -> None:
    """Turn progress bars off (``True``) or back on for the whole process."""
    _state["quiet"] = quiet


def progress_enabled() -> bool:
    """Whether progress bars are shown: not quiet, and stderr is a terminal or forced on."""
    if _state["quiet"]:
        return False
    forced = os.environ.get("SENTCAST_PROGRESS")
    if forced is not None:
        return forced not in ("0", "false", "")
    return sys.stderr.isatty()


def configure_logging(level: int = logging.INFO) -> None:
    """Send sentcast's log records to stderr (rich formatting), once per process."""
    if any(isinstance(h, RichHandler) for h in logger.handlers):
        logger.setLevel(level)
        return
    handler = RichHandler(console=stderr_console, show_path=False, rich_tracebacks=False)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


@contextmanager
def progress_bar(description: str, total: float | None = None) -> Iterator[Progress]:
    """A rich progress bar with elapsed time and ETA; a no-op bar when progress is disabled.

    Yields the ``Progress`` object; the task id of the single task is ``0``.
    """
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[info]}"),
        console=stderr_console,
        disable=not progress_enabled(),
        transient=False,
    )
    with progress:
        progress.add_task(description, total=total, info="")
        yield progress
