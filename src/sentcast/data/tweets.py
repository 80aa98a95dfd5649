"""Streaming readers for tweet files: CSV (plain or gzip) and Parquet, in fixed-size row chunks.

Known file layouts (column names, delimiter, encoding, label coding) are available as presets
in :data:`LAYOUTS`. Memory is bounded by the chunk size, never by the file size. CSV files are
read by :class:`sentcast.data.csv_reader.CsvFile`: records with malformed quoting or the wrong
number of fields are skipped and counted, undecodable bytes are replaced and counted (see
:class:`~sentcast.data.csv_reader.ReadStats`). Timestamps are parsed by
:mod:`sentcast.data.timestamps`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sentcast.data.csv_reader import CsvFile, ReadStats, column_position
from sentcast.errors import DataError, UserInputError, one_line

PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True)
class TweetLayout:
    """Where the text, time and (optional) label are in one kind of tweet file.

    Attributes
    ----------
    text_col, time_col : str
        Column names of the tweet text and its timestamp.
    label_col : str or None
        Column with a sentiment label, if any.
    label_map : dict
        Label value (compared case-insensitively) -> number; empty when labels are numeric.
    delimiter : str
        CSV field separator.
    encoding : str
        CSV text encoding.
    note : str
        Where the layout comes from.
    """

    text_col: str
    time_col: str
    label_col: str | None = None
    label_map: Mapping[str, float] = field(default_factory=dict)
    delimiter: str = ","
    encoding: str = "utf-8"
    note: str = ""


_POS_NEU_NEG = {"positive": 1.0, "neutral": 0.0, "negative": -1.0}

LAYOUTS: dict[str, TweetLayout] = {
    "shared-2016-2017": TweetLayout(
        "text", "created_at", note="tweets/bitcoin_tweets_2016-2017_sample.csv (id,created_at,text)"
    ),
    "shared-2017-02-28": TweetLayout(
        "text", "date", note="tweets/bitcoin_tweets_2017-02-28.csv (GetOldTweets3 layout)"
    ),
    "shared-2021-01-14": TweetLayout(
        "text", "date", note="tweets/bitcoin_tweets_2021-01-14_1h.csv (author,date,text)"
    ),
    "shared-2021-2023": TweetLayout(
        "clean_text",
        "date",
        "sentiment_label",
        _POS_NEU_NEG,
        note="tweets/bitcoin_tweets_2021-2023_1M_followers_sentiment.csv.gz (pre-cleaned text)",
    ),
    "kaggle-16m": TweetLayout(
        "text",
        "timestamp",
        delimiter=";",
        note="Kaggle 'Bitcoin tweets - 16M tweets' (id;user;fullname;url;timestamp;...;text)",
    ),
    "kaggle-16m-sentiment": TweetLayout(
        "text",
        "Date",
        "Sentiment",
        _POS_NEU_NEG,
        note="Kaggle 'Bitcoin tweets - 16M tweets With Sentiment Tagged' (mbsa.csv)",
    ),
    "kaggle-2021": TweetLayout(
        "text", "date", note="Kaggle 'Bitcoin Tweets' Bitcoin_tweets.csv (2021-2023)"
    ),
    "crawled-2015-2020": TweetLayout(
        "tweet",
        "date",
        encoding="cp1252",
        note="tweets/crawled_2015-2020/crawled_tweets_*.csv.gz (id,date,tweet,username,...)",
    ),
    "x-api": TweetLayout(
        "text", "created_at", note="`sentcast tweets collect` output (X API v2 search)"
    ),
    "reddit-dump": TweetLayout(
        "text", "created_utc", note="`sentcast reddit read` output (Pushshift/Arctic Shift dumps)"
    ),
}
"""Presets for the Kaggle Bitcoin tweet layouts, the shared samples and sentcast's collectors."""

TEXT_CANDIDATES = ("text", "clean_text", "tweet", "content", "body", "review")
TIME_CANDIDATES = ("date", "created_at", "timestamp", "time", "datetime", "Date")
ID_CANDIDATES = ("id", "tweet_id", "id_str")
"""Names of a record id column, by which records read twice are found."""


def parse_label_map(spec: str) -> dict[str, float]:
    """Parse ``"positive=1,neutral=0,negative=-1"`` into a mapping (keys lower-cased).

    Raises
    ------
    UserInputError
        If an entry is not ``name=number``, the number is not finite (``inf``, ``nan``) or a
        name is given twice (names compare case-insensitively).
    """
    mapping: dict[str, float] = {}
    for item in spec.split(","):
        name, sep, value = item.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            number = float(value)
        except ValueError:
            raise UserInputError(
                f"--label-map: expected name=number[,name=number...], got {item!r}"
            ) from None
        if not math.isfinite(number):
            raise UserInputError(f"--label-map: {item.strip()!r} is not a finite number")
        key = name.strip().lower()
        if key in mapping:  # Positive=1,positive=0: which one was meant?
            raise UserInputError(f"--label-map: label {key!r} is given twice")
        mapping[key] = number
    return mapping


def is_parquet(path: Path) -> bool:
    """Whether ``path`` is read as Parquet (by extension or magic bytes), else as CSV."""
    if path.suffix.lower() in (".parquet", ".pq"):
        return True
    if not path.is_file():
        return False
    with path.open("rb") as fh:
        return fh.read(len(PARQUET_MAGIC)) == PARQUET_MAGIC


def read_header(path: Path, delimiter: str = ",", encoding: str = "utf-8") -> list[str]:
    """Column names of a CSV or Parquet file.

    Raises
    ------
    UserInputError
        If the file does not exist, or for a bad delimiter or encoding.
    DataError
        If the file cannot be parsed.
    """
    if not path.is_file():
        raise UserInputError(f"input file not found: {path}")
    if not is_parquet(path):
        return CsvFile(path, delimiter, encoding).header()
    try:
        return list(pq.ParquetFile(path).schema_arrow.names)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"{path}: cannot read the header: {one_line(exc)}") from None


def pick_column(
    header: Sequence[str], wanted: str | None, candidates: Sequence[str], what: str
) -> str:
    """``wanted`` if it is in ``header``, else the first present candidate.

    Raises
    ------
    UserInputError
        Naming the available columns when nothing fits, or the positions of a column that
        appears more than once.
    """
    if wanted is not None:
        if wanted not in header:
            raise UserInputError(
                f"{what} column {wanted!r} not found (columns: {', '.join(header)})"
            )
        column_position(header, wanted)
        return wanted
    for name in candidates:
        if name in header:
            column_position(header, name)
            return name
    raise UserInputError(
        f"no {what} column found; pass --{what}-col (columns: {', '.join(header)})"
    )


def iter_chunks(
    path: Path,
    columns: Sequence[str],
    chunk_size: int,
    delimiter: str = ",",
    stats: ReadStats | None = None,
    encoding: str = "utf-8",
) -> Iterator[pa.Table]:
    """Yield ``path``'s ``columns`` as tables of exactly ``chunk_size`` rows (the last: fewer).

    CSV columns are read as strings; gzip is detected from the content. Blank lines are
    ignored; what a CSV read skips or repairs is counted in ``stats``.

    Raises
    ------
    DataError
        If the file cannot be parsed or read to its end.
    """
    if is_parquet(path):
        try:
            parquet = pq.ParquetFile(path)
            yield from _rebatch(
                parquet.iter_batches(batch_size=65536, columns=list(columns)), chunk_size
            )
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"{path}: cannot parse: {one_line(exc)}") from None
        return
    csv = CsvFile(path, delimiter, encoding)
    yield from _rebatch(csv.batches(columns, stats or ReadStats()), chunk_size)


def _rebatch(batches: Iterator[pa.RecordBatch], size: int) -> Iterator[pa.Table]:
    pending: list[pa.RecordBatch] = []
    n_pending = 0
    for batch in batches:
        while batch.num_rows:
            take = min(size - n_pending, batch.num_rows)
            pending.append(batch.slice(0, take))
            n_pending += take
            batch = batch.slice(take)
            if n_pending == size:
                yield pa.Table.from_batches(pending)
                pending, n_pending = [], 0
    if n_pending:
        yield pa.Table.from_batches(pending)
