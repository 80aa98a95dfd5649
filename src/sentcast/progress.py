"""Progress bars and logging shared by the CLI and long-running library calls.

Progress goes to stderr through rich; it is disabled globally by :func:`set_quiet`
(the CLI's ``--quiet``) or when stderr is not a terminal and ``SENTCAST_PROGRESS`` is unset.
Log records go to stderr: on a terminal through rich, to a file or pipe as one line per record
(``2026-11-21T12:03:55+0000 INFO sentcast.data.market: ...``, lines of a multi-line message
joined by `` | ``), never wrapped.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

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


#: ISO 8601 timestamps in every log line.
ISO_TIME = "%Y-%m-%dT%H:%M:%S%z"


class OneLineFormatter(logging.Formatter):
    """``TIME LEVEL LOGGER: message`` on one line (a multi-line message joined by `` | ``)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", ISO_TIME)

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line."""
        return " | ".join(line for line in super().format(record).splitlines() if line.strip())


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to the current ``sys.stderr`` (test capture and redirections replace it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """The stream is always ``sys.stderr``."""


def _handler() -> logging.Handler:
    """rich on a terminal (ISO times), else one plain line per record."""
    if sys.stderr.isatty():
        rich = RichHandler(
            console=stderr_console,
            show_path=False,
            rich_tracebacks=False,
            log_time_format=ISO_TIME,
        )
        rich.setFormatter(logging.Formatter("%(message)s"))
        return rich
    plain = _StderrHandler()
    plain.setFormatter(OneLineFormatter())
    return plain


def configure_logging(level: int = logging.INFO) -> None:
    """Send sentcast's log records to stderr, once per process (see the module docstring)."""
    if any(isinstance(h, RichHandler | _StderrHandler) for h in logger.handlers):
        logger.setLevel(level)
        return
    logger.addHandler(_handler())
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
