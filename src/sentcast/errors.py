"""Exceptions a user can cause, mapped by the CLI to exit codes without a traceback."""

from __future__ import annotations


class SentcastError(Exception):
    """Base class of every error sentcast raises on purpose."""

    exit_code = 1


class UserInputError(SentcastError):
    """Bad arguments: a missing file, an unknown column, ticker or date, an invalid config.

    The CLI prints the message on one line and exits with code 2.
    """

    exit_code = 2


class DataError(SentcastError):
    """The input was readable but its content cannot be used (e.g. too short, all rows bad).

    The CLI prints the message on one line and exits with code 1.
    """

    exit_code = 1


class ConfigError(UserInputError):
    """An invalid experiment configuration; the message names the dotted path of each problem."""


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (first line, at most 200 characters), for the
    one-line errors the CLI prints."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
