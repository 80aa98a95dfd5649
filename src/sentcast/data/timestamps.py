"""Timestamps with one format per column: inferred from the data or given, parsed to UTC.

A time column is read with a single :class:`TimeFormat`, never guessed row by row: written
``DD/MM/YYYY``, a date must not turn month-first whenever its day is <= 12. The format is either
given (a strftime string, ``ISO8601``, ``epoch-s`` or ``epoch-ms``) or inferred by
:func:`infer_format` from the distinct values of the first chunk, reading further chunks only
while the candidates that fit best still disagree. Values that do not match the column's
format, and dates outside what ``datetime64[ns]`` holds (9999-12-31, 1500-01-01, an 11-digit
epoch), become NaT, for the caller to count.

Supported without a given format: ISO 8601 with or without offset (also ``2018-03-04 9:05``),
``Wed Oct 10 20:19:24 +0000 2018`` and ``Mon Apr 06 22:21:04 PDT 2009``, Unix epoch seconds or
milliseconds, day- or month-first dates (``03/04/2020``, ``25.12.2019 18:00``) and Arrow
timestamp columns (tz-naive ones are taken as UTC).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.tseries.api import guess_datetime_format

from sentcast.errors import DataError, UserInputError

ISO8601 = "ISO8601"
EPOCH_S = "epoch-s"
EPOCH_MS = "epoch-ms"
ARROW = "arrow timestamp"
TWITTER = "%a %b %d %H:%M:%S %z %Y"
NAMED_FORMATS = (ISO8601, EPOCH_S, EPOCH_MS)
"""Formats given by name rather than as a strftime string."""

_EPOCH: dict[str, tuple[re.Pattern[str], Literal["s", "ms"]]] = {
    EPOCH_S: (re.compile(r"^\d{9,10}(\.\d+)?$"), "s"),
    EPOCH_MS: (re.compile(r"^\d{12,13}(\.\d+)?$"), "ms"),
}
_TZ_ABBREVIATIONS = {
    "UTC": "+0000",
    "GMT": "+0000",
    "EST": "-0500",
    "EDT": "-0400",
    "CST": "-0600",
    "CDT": "-0500",
    "MST": "-0700",
    "MDT": "-0600",
    "PST": "-0800",
    "PDT": "-0700",
    "CET": "+0100",
    "CEST": "+0200",
}
_TZ_WORD = re.compile(r"\b(" + "|".join(_TZ_ABBREVIATIONS) + r")\b")
# datetime64[ns] range in whole microseconds
_US_RANGE = (pd.Timestamp.min.value // 1000 + 1, pd.Timestamp.max.value // 1000)
_GUESS_SAMPLE = 25
_SCREEN_SAMPLE = 1000


@dataclass(frozen=True)
class TimeFormat:
    """The one format of a time column.

    Attributes
    ----------
    spec : str
        A strftime format, ``"ISO8601"``, ``"epoch-s"``, ``"epoch-ms"`` or ``"arrow timestamp"``.
    how : str
        ``"given"``, ``"inferred"`` or ``"column type"`` (Arrow timestamps need no format).
    """

    spec: str
    how: str = "inferred"

    def __str__(self) -> str:
        return f"{self.spec} ({self.how})"


def given_format(spec: str) -> TimeFormat:
    """A user-given format, checked: a named format or a strftime string pandas accepts.

    Raises
    ------
    UserInputError
        If ``spec`` is neither.
    """
    if spec in NAMED_FORMATS:
        return TimeFormat(spec, "given")
    problem = "it has no % directive" if "%" not in spec.replace("%%", "") else ""
    if not problem:
        try:
            pd.to_datetime(pd.Series(["2000"]), format=spec, errors="coerce")
        except ValueError as exc:
            problem = str(exc)
    if problem:
        raise UserInputError(
            f"--time-format {spec!r} is not a date format ({problem}); give a strftime format "
            f"such as %d/%m/%Y %H:%M, or one of {', '.join(NAMED_FORMATS)}"
        )
    return TimeFormat(spec, "given")


def resolve_format(
    columns: Iterable[pa.Array | pa.ChunkedArray],
    spec: str | None = None,
    dayfirst: bool | None = None,
    what: str = "the time column",
) -> TimeFormat:
    """The format of a time column given as consecutive chunks: Arrow type, given or inferred.

    Parameters
    ----------
    columns : iterable of pyarrow arrays
        The column, chunk by chunk; consumed lazily (see :func:`infer_format`).
    spec : str, optional
        A given format (see :func:`given_format`); ``None`` infers one.
    dayfirst : bool, optional
        Settles day/month order while inferring; not allowed together with ``spec``.
    what : str
        Names the column in error messages.

    Raises
    ------
    UserInputError
        On a bad ``spec``, ``spec`` with ``dayfirst``, or an ambiguous column.
    DataError
        When no known format fits any value.
    """
    if spec is not None and dayfirst is not None:
        raise UserInputError(
            "--dayfirst/--no-dayfirst choose among inferred formats; "
            "with --time-format leave them out"
        )
    chunks = iter(columns)
    first = next(chunks, None)
    if first is not None and _is_arrow_time(first.type):
        return TimeFormat(ARROW, "column type")
    if spec is not None:
        return given_format(spec)
    return infer_format(_prepend(first, chunks), dayfirst=dayfirst, what=what)


def infer_format(
    columns: Iterable[pa.Array | pa.ChunkedArray],
    *,
    dayfirst: bool | None = None,
    what: str = "the time column",
) -> TimeFormat:
    """Infer the one format of a column of timestamp strings.

    Candidates are ISO 8601, Twitter's format, epoch seconds and milliseconds, and what pandas
    guesses (day- and month-first) for a sample of the first values. Each candidate parses every
    distinct value of a chunk; the candidate that parses the most wins, the earliest listed of
    those that give identical results on every value seen. Further chunks are read only while
    the best candidates disagree (e.g. ``03/04/2020`` in a column whose days are all <= 12).

    A column without any value gets ``ISO8601`` (its rows have no date to parse anyway).

    Raises
    ------
    UserInputError
        If the column ends still ambiguous: the message shows a value read two ways and how to
        choose (``--dayfirst``, ``--no-dayfirst``, ``--time-format``).
    DataError
        If no candidate parses any value.
    """
    candidates: list[str] = []
    counts: dict[str, int] = {}
    classes: list[list[str]] = []
    example = ""
    for column in columns:
        uniques = _distinct(column)
        if uniques.empty:
            continue
        if not candidates or not max(counts.values()):  # nothing fitted yet: guess afresh
            candidates = _candidates(uniques, dayfirst)
            counts = dict.fromkeys(candidates, 0)
            classes = [candidates]
        parsed = {c: _parse_unique(uniques, c) for c in candidates}
        for c in candidates:
            counts[c] += int((~np.isnat(parsed[c])).sum())
        classes = _refine(classes, parsed)
        best = max(counts.values())
        top = [c for c in candidates if counts[c] == best]
        if best and any(set(top) <= set(group) for group in classes):
            return TimeFormat(top[0], "inferred")
        if best:
            rival = next(c for c in top if not any({top[0], c} <= set(g) for g in classes))
            example = _disagreement(uniques, parsed, top[0], rival) or example
        else:
            example = example or ", ".join(repr(v) for v in uniques.iloc[:3])
    if not candidates:
        return TimeFormat(ISO8601, "nothing to infer from: no dates")
    if not max(counts.values()):
        raise DataError(
            f"no known date format fits {what} (values like {example}); pass --time-format"
        )
    raise UserInputError(
        f"the dates in {what} are ambiguous: {example}; "
        "pass --dayfirst or --no-dayfirst, or --time-format (e.g. %d/%m/%Y)"
    )


def parse_timestamps(values: pa.Array | pa.ChunkedArray, fmt: TimeFormat) -> np.ndarray:
    """UTC instants (``datetime64[ns]``) of a column read with format ``fmt``.

    NaT where a value is missing, does not match ``fmt`` or lies outside the ``datetime64[ns]``
    range. Arrow timestamp columns are converted whatever ``fmt`` says (tz-naive = UTC). Each
    distinct string is parsed once.
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if _is_arrow_time(values.type):
        ts = values.cast(pa.timestamp("us")) if pa.types.is_date(values.type) else values
        if ts.type.tz is not None:
            ts = pc.cast(ts, pa.timestamp(ts.type.unit))
        return _in_ns_range(ts.to_numpy(zero_copy_only=False))
    encoded = pc.dictionary_encode(pc.utf8_trim_whitespace(values.cast(pa.string())))
    parsed = _parse_unique(pd.Series(encoded.dictionary.to_pylist(), dtype=object), fmt.spec)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    valid = ~np.asarray(encoded.indices.is_null())
    out[valid] = parsed[codes[valid].astype(np.int64)]
    return out


def _is_arrow_time(kind: pa.DataType) -> bool:
    return bool(pa.types.is_timestamp(kind) or pa.types.is_date(kind))


def _prepend(
    first: pa.Array | pa.ChunkedArray | None, rest: Iterable[pa.Array | pa.ChunkedArray]
) -> Iterable[pa.Array | pa.ChunkedArray]:
    if first is not None:
        yield first
    yield from rest


def _distinct(column: pa.Array | pa.ChunkedArray) -> pd.Series:
    """Distinct non-empty trimmed strings of a column, in order of first appearance."""
    trimmed = pc.utf8_trim_whitespace(column.cast(pa.string()))
    uniques = pc.unique(trimmed).drop_null().to_pylist()
    return pd.Series([u for u in uniques if u], dtype=object)


def _candidates(uniques: pd.Series, dayfirst: bool | None) -> list[str]:
    """Formats worth trying, most preferred first; ``dayfirst`` drops the other order.

    Formats that parse none of an evenly spread sample, when another parses some, are left out
    (parsing a value that does not match costs more than one that does).
    """
    found = [ISO8601]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for value in _spread(uniques, _GUESS_SAMPLE):
            for first in (False, True):
                guess = guess_datetime_format(str(value), dayfirst=first)
                if guess and guess not in found and not _year_day_month(guess):
                    found.append(guess)
    found += [f for f in (TWITTER, EPOCH_S, EPOCH_MS) if f not in found]
    if dayfirst is not None:
        found = [f for f in found if _day_first(f) in (None, dayfirst)]
    sample = _spread(uniques, _SCREEN_SAMPLE)
    fitting = [f for f in found if not np.isnat(_parse_unique(sample, f)).all()]
    return fitting or found


def _spread(values: pd.Series, n: int) -> pd.Series:
    """At most ``n`` values spread evenly over ``values``."""
    return values.iloc[np.unique(np.linspace(0, len(values) - 1, n).astype(int))]


def _day_first(fmt: str) -> bool | None:
    """Whether ``fmt`` puts a numeric day before the month (None: year-first or no such pair)."""
    day, month, year = _positions(fmt)
    if day < 0 or month < 0 or 0 <= year < min(day, month):
        return None
    return day < month


def _year_day_month(fmt: str) -> bool:
    """Whether ``fmt`` is year-day-month, an order nobody writes (``%Y-%d-%m``)."""
    day, month, year = _positions(fmt)
    return 0 <= year < day < month


def _positions(fmt: str) -> tuple[int, int, int]:
    return fmt.find("%d"), fmt.find("%m"), max(fmt.find("%Y"), fmt.find("%y"))


def _parse_unique(uniques: pd.Series, spec: str) -> np.ndarray:
    """Parse distinct strings with one format to naive UTC ``datetime64[ns]`` (NaT: no match)."""
    if spec in _EPOCH:
        pattern, unit = _EPOCH[spec]
        match = uniques.str.match(pattern).fillna(False).astype(bool)
        numbers = pd.to_numeric(uniques.where(match), errors="coerce")
        # only the numbers go to pandas: its unit conversion checks overflow with
        # errstate(over="raise") over the whole buffer, NaN slots included, and an all-NaN
        # input could raise FloatingPointError from leftover memory
        stamps = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[ns, UTC]")
        valid = numbers.notna()
        if valid.any():
            stamps[valid] = pd.to_datetime(numbers[valid], unit=unit, utc=True, errors="coerce")
    else:
        if "%z" in spec:  # Twitter's "PDT 2009" -> "-0700 2009"
            uniques = uniques.str.replace(_TZ_WORD, lambda m: _TZ_ABBREVIATIONS[m[1]], regex=True)
        stamps = pd.to_datetime(uniques, format=spec, utc=True, errors="coerce")
    naive = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return _in_ns_range(naive.to_numpy())


def _in_ns_range(stamps: np.ndarray) -> np.ndarray:
    """``stamps`` as ``datetime64[ns]``; NaT for instants that type cannot hold."""
    wide = stamps.astype("datetime64[us]")
    micros = wide.view(np.int64)
    wide[(micros < _US_RANGE[0]) | (micros > _US_RANGE[1])] = np.datetime64("NaT")
    return wide.astype("datetime64[ns]")


def _refine(classes: list[list[str]], parsed: dict[str, np.ndarray]) -> list[list[str]]:
    """Split groups of formats that gave the same results so far by this chunk's results."""
    refined: list[list[str]] = []
    for group in classes:
        by_result: dict[bytes, list[str]] = {}
        for spec in group:
            by_result.setdefault(parsed[spec].tobytes(), []).append(spec)
        refined += by_result.values()
    return refined


def _disagreement(uniques: pd.Series, parsed: dict[str, np.ndarray], a: str, b: str) -> str:
    """``'03/04/2020' is 2020-03-04 00:00 as %m/%d/%Y but 2020-04-03 00:00 as %d/%m/%Y``."""
    differ = np.flatnonzero(parsed[a].view("i8") != parsed[b].view("i8"))
    if not len(differ):
        return ""
    i = int(differ[0])

    def shown(stamp: np.datetime64) -> str:
        return "unreadable" if np.isnat(stamp) else str(pd.Timestamp(stamp))

    return f"{uniques.iloc[i]!r} is {shown(parsed[a][i])} as {a} but {shown(parsed[b][i])} as {b}"
