"""Property-based tests of every reader (hypothesis): arbitrary bytes, huge fields, huge
integers, mixed encodings. The invariant: a clear sentcast error or counted rows, never a
traceback, and rows read = kept + dropped, with the kept rows really there."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from unittest import mock

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentcast.data.corpora import FORMATS, read_corpus, read_csv_corpus
from sentcast.data.csv_reader import ReadStats
from sentcast.data.daily_series import read_daily_series
from sentcast.data.reddit_dumps import read_dumps
from sentcast.data.report import DropReport
from sentcast.data.tweets import iter_chunks
from sentcast.data.x_tweets import page_contents, page_table
from sentcast.data.yahoo import read_yahoo
from sentcast.errors import DataError, SentcastError
from tests.data.reddit_files import zst

SMALL = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BIG_INTS = st.one_of(
    st.integers(), st.integers(min_value=2**62, max_value=2**80), st.integers(max_value=-(2**62))
)
JSON = st.recursive(
    st.none() | st.booleans() | BIG_INTS | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
TEXTS = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
"""Any Unicode text (lone surrogates cannot be written to a file as UTF-8)."""


@contextmanager
def _folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def _mixed(texts: list[str], latin: list[bool]) -> list[bytes]:
    """Each text in UTF-8, or in Latin-1 where it can be and ``latin`` says so."""
    out = []
    for text, use_latin in zip(texts, latin, strict=False):
        try:
            out.append(text.encode("latin-1") if use_latin else text.encode())
        except UnicodeEncodeError:
            out.append(text.encode())
    return out


# --- tweets CSV (data.csv_reader / data.tweets) ----------------------------------------------


@SMALL
@given(body=st.binary(max_size=400), header=st.sampled_from([b"text\n", b"id,text\r\n", b""]))
def test_tweet_csv_of_arbitrary_bytes(body: bytes, header: bytes) -> None:
    with _folder() as root:
        path = root / "t.csv"
        path.write_bytes(header + body)
        stats = ReadStats()
        try:
            rows = sum(t.num_rows for t in iter_chunks(path, ["text"], 7, stats=stats))
        except SentcastError:
            return
    assert rows == stats.rows
    assert stats.rows_read == stats.rows + stats.malformed_rows + len(stats.quoting_lines)


@SMALL
@given(texts=st.lists(TEXTS.filter(lambda t: t.strip() != ""), min_size=1, max_size=20))
def test_tweet_csv_round_trip_counts_every_record(texts: list[str]) -> None:
    with _folder() as root:
        path = root / "t.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "text"])
            writer.writerows([i, text] for i, text in enumerate(texts))
        stats = ReadStats()
        tables = list(iter_chunks(path, ["text"], 5, stats=stats))
    read = [value for t in tables for value in t.column("text").to_pylist()]
    assert stats.rows_read == len(texts) == len(read) + stats.malformed_rows
    assert not stats.quoting_lines and read == texts[: len(read)]


# --- Reddit NDJSON dumps ---------------------------------------------------------------------

RECORD = st.fixed_dictionaries(
    {"subreddit": st.sampled_from(["Bitcoin", "bitcoin", "other"]), "body": JSON | TEXTS},
    optional={"id": JSON, "created_utc": BIG_INTS | JSON, "score": BIG_INTS, "title": JSON},
)
LINE = st.one_of(
    RECORD.map(lambda r: json.dumps(r).encode()),
    st.binary(max_size=60).map(lambda b: b'{"subreddit": "Bitcoin", ' + b.replace(b"\n", b"")),
    st.just(b'{"subreddit": "Bitcoin", "body": "' + b"x" * 3000 + b'"}'),
)


@SMALL
@given(lines=st.lists(LINE, min_size=1, max_size=12), twice=st.booleans())
def test_reddit_dump_lines(lines: list[bytes], twice: bool) -> None:
    with _folder() as root, mock.patch("sentcast.data.reddit_dumps.MAX_LINE", 2000):
        first, second = root / "RC_a.zst", root / "Bitcoin.zst"
        first.write_bytes(zst(lines))
        second.write_bytes(zst(lines if twice else lines[:1]))
        out = root / "c.parquet"
        try:
            report = read_dumps([first, second], ["Bitcoin"], out)
        except DataError as exc:
            assert "no record kept" in str(exc)
            return
        kept = pq.read_table(out)
    nonblank = sum(1 for line in lines if line.strip()) * (2 if twice else 1)
    nonblank += 0 if twice else int(bool(lines[0].strip()))
    assert report.rows_read == nonblank
    assert kept.num_rows == report.rows_kept == report.rows_read - report.rows_dropped
    ids = [(k, i) for k, i in zip(kept["kind"].to_pylist(), kept["id"].to_pylist(), strict=True)]
    assert len({x for x in ids if x[1] is not None}) == sum(1 for x in ids if x[1] is not None)


# --- X API search pages ----------------------------------------------------------------------

TWEET = st.fixed_dictionaries(
    {"text": TEXTS | st.text(max_size=10) | JSON},
    optional={
        "id": BIG_INTS | BIG_INTS.map(str) | JSON,
        "created_at": st.sampled_from(["2024-05-01T00:00:00.000Z", "0001-01-01T00:00:00+01:00",
                                       "9999-12-31T23:59:59-01:00", "soon"]) | JSON,
        "author_id": BIG_INTS.map(str) | JSON,
        "public_metrics": st.dictionaries(st.sampled_from(["like_count", "retweet_count"]),
                                          BIG_INTS | JSON),
        "referenced_tweets": JSON,
        "lang": JSON,
    },
)  # fmt: skip


@SMALL
@given(tweets=st.lists(TWEET | JSON, max_size=12), body=JSON)
def test_x_api_pages(tweets: list[object], body: object) -> None:
    with suppress(DataError):
        page_contents(body)
    report = DropReport("page")
    seen: set[int] = set()
    table, _ = page_table(list(tweets), seen, None, report)
    assert report.rows_read == len(tweets)
    assert table.num_rows == report.rows_kept == len(seen)
    assert all(0 <= i < 2**63 for i in table["id"].to_pylist())


# --- Yahoo CSV -------------------------------------------------------------------------------

CELL = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    BIG_INTS.map(str),
    st.text(max_size=6),
    st.just("x" * 2000),
)


@SMALL
@given(
    rows=st.lists(st.lists(CELL, min_size=6, max_size=8), max_size=12),
    noise=st.binary(max_size=40),
)
def test_yahoo_csv(rows: list[list[str]], noise: bytes) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"])
    for i, row in enumerate(rows):
        writer.writerow([f"2020-01-{1 + i % 28:02d}", *row[1:]])
    with _folder() as root, mock.patch("sentcast.data.text_files.MAX_FIELD_CHARS", 1000):
        path = root / "m.csv"
        path.write_bytes(buffer.getvalue().encode() + noise)
        try:
            frame, report = read_yahoo(path)
        except SentcastError:
            return
    assert len(frame) == report.rows_kept == report.rows_read - report.rows_dropped
    assert (frame["High"] >= frame["Low"]).all()


@SMALL
@given(
    values=st.lists(TEXTS, max_size=12),
    latin=st.lists(st.booleans(), min_size=12, max_size=12),
    noise=st.binary(max_size=40),
    long_at=st.integers(min_value=-1, max_value=11),
)
def test_daily_series_csv(values: list[str], latin: list[bool], noise: bytes, long_at: int) -> None:
    if 0 <= long_at < len(values):
        values[long_at] = "7" * 1001
    cells = _mixed(values, latin)
    lines = [b"date,score"] + [
        b"2020-01-%02d," % (1 + i % 28) + b'"' + raw.replace(b'"', b'""') + b'"'
        for i, raw in enumerate(cells)
    ]
    with _folder() as root, mock.patch("sentcast.data.text_files.MAX_FIELD_CHARS", 1000):
        path = root / "daily.csv"
        path.write_bytes(b"\n".join(lines) + b"\n" + noise)
        try:
            frame, report = read_daily_series(path, ["score"])
        except SentcastError:
            return
    # every record read is kept or dropped for a counted reason (repeated dates included)
    assert len(frame) == report.rows_read - report.rows_dropped
    if 0 <= long_at < len(values) and not noise:
        assert report.dropped.get("field over 1 Mi characters", 0) >= 1


# --- text corpora ----------------------------------------------------------------------------


@SMALL
@given(
    texts=st.lists(TEXTS, min_size=1, max_size=15),
    latin=st.lists(st.booleans(), min_size=15, max_size=15),
    labels=st.lists(st.sampled_from(["positive", "negative", "", " "]), min_size=15, max_size=15),
    long_at=st.integers(min_value=-1, max_value=14),
)
def test_csv_corpus_mixed_encodings_and_long_fields(
    texts: list[str], latin: list[bool], labels: list[str], long_at: int
) -> None:
    if 0 <= long_at < len(texts):
        texts[long_at] = "y" * 501
    encoded = _mixed(texts, latin)
    body = b"".join(
        b'"' + raw.replace(b'"', b'""') + b'",' + label.encode() + b"\n"
        for raw, label in zip(encoded, labels, strict=False)
    )
    with _folder() as root, mock.patch("sentcast.data.text_files.MAX_FIELD_CHARS", 500):
        path = root / "c.csv"
        path.write_bytes(b"text,label\n" + body)
        try:
            corpus = read_csv_corpus(path, "text", "label")
        except DataError:
            return
    rows = list(zip(texts, encoded, labels, strict=False))
    assert corpus.report.rows_read == len(rows)
    assert len(corpus.texts) == len(corpus.labels) == corpus.report.rows_kept
    kept = [(t, raw) for t, raw, label in rows if len(t) <= 500 and label.strip() and t.strip()]
    assert len(corpus.texts) == len(kept)
    for (text, raw), got in zip(kept, corpus.texts, strict=True):
        if raw == text.encode():  # a UTF-8 row is read unchanged
            assert got == text
    odd = sum(1 for t, raw, _ in rows if len(t) <= 500 and not _is_utf8(raw))
    notes = [n for n in corpus.report.notes if "not UTF-8" in n]
    assert len(notes) == (1 if odd else 0)
    if odd:
        assert notes[0].startswith(f"{odd} rows with bytes that are not UTF-8, read as latin-1")


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@SMALL
@given(fmt=st.sampled_from([f for f in FORMATS if f not in ("imdb-tar", "rt-polarity")]),
       data=st.binary(max_size=300))  # fmt: skip
def test_every_corpus_format_on_arbitrary_bytes(fmt: str, data: bytes) -> None:
    with _folder() as root:
        if fmt == "sentiment140-lines":
            (root / "negative.txt").write_bytes(data)
            (root / "positive.txt").write_bytes(data[::-1])
            path = root
        else:
            path = root / "c.csv"
            path.write_bytes(data)
        try:
            corpus = read_corpus(fmt, path)
        except SentcastError:
            return
    assert len(corpus.texts) == len(corpus.labels) == corpus.report.rows_kept
    assert corpus.report.rows_kept == corpus.report.rows_read - corpus.report.rows_dropped
