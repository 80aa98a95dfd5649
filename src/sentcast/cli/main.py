"""Entry point of the ``sentcast`` command: global options, command groups, error policy.

Exit codes: 0 success; 1 a data problem (:class:`~sentcast.errors.DataError`); 2 a usage
problem (bad option, missing file, invalid config: :class:`~sentcast.errors.UserInputError`).
No traceback is printed unless ``--debug`` is given. Ctrl-C (SIGINT) prints one line and
exits 130; worker processes ignore it (:mod:`sentcast.workers`) and stop with the run.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType

import typer
from rich.markup import escape

from sentcast import __version__
from sentcast.cli import (
    daily,
    demo,
    experiment,
    forecast,
    market,
    reddit,
    report,
    sentiment,
    textclf,
    tweets,
)
from sentcast.errors import SentcastError
from sentcast.progress import configure_logging, set_quiet, stderr_console

app = typer.Typer(
    name="sentcast",
    help="Sentiment-driven forecasting and text classification with LSTM-family models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(market.app, name="market")
app.add_typer(sentiment.app, name="sentiment")
app.add_typer(forecast.app, name="forecast")
app.add_typer(textclf.app, name="textclf")
app.add_typer(experiment.app, name="experiment")
app.add_typer(tweets.app, name="tweets")
app.add_typer(reddit.app, name="reddit")
app.command("report")(report.report)
app.command("demo")(demo.demo)
app.command("daily")(daily.daily)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sentcast {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars, warnings only."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logs."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Sentiment-driven forecasting and text classification with LSTM-family models.

    Logs go to stderr, results to files, a short summary to stdout.
    """
    set_quiet(quiet)
    configure_logging(logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO)


INTERRUPTED = "interrupted; run the same command again to resume"


class _Interrupted(BaseException):
    """Raised by the SIGINT handler; not a KeyboardInterrupt, which click would turn into an
    extra blank line and ``Abort``."""


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    raise _Interrupted


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _on_sigint) if in_main_thread else None
    try:
        return _run(args)
    except _Interrupted:
        stderr_console.print(INTERRUPTED, highlight=False)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


GLOBAL_FLAGS = ("-q", "--quiet", "--debug")


def hoist_global_flags(args: list[str]) -> list[str]:
    """``args`` with the global flags (``-q``/``--quiet``, ``--debug``) moved to the front, so
    they work after the sub-command too (``sentcast report RUN -q``); nothing after ``--``
    moves."""
    end = args.index("--") if "--" in args else len(args)
    flags = [a for a in args[:end] if a in GLOBAL_FLAGS]
    return flags + [a for a in args[:end] if a not in GLOBAL_FLAGS] + args[end:]


def _run(args: list[str]) -> int:
    args = hoist_global_flags(args)
    debug = "--debug" in args
    try:
        result = app(args=args, prog_name="sentcast", standalone_mode=False)
    except typer.Exit as exc:
        return int(getattr(exc, "exit_code", 0))
    except typer.Abort:
        stderr_console.print("aborted")
        return 130
    except typer.TyperException as exc:  # usage errors: bad option, missing argument
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            stderr_console.print(f"error: {exc}", soft_wrap=True)
        return int(getattr(exc, "exit_code", 2))
    except SentcastError as exc:
        if debug:
            raise
        stderr_console.print(
            f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True
        )
        return exc.exit_code
    except OSError as exc:  # the file system refused: no such folder, permission, disk full
        if debug:
            raise
        stderr_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 1
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
