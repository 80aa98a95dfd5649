from __future__ import annotations

import functools
import gzip
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sentcast.data import csv_reader
from sentcast.data.csv_reader import ReadStats
from sentcast.data.csv_records import iter_record_blocks
from sentcast.data.tweets import (
    LAYOUTS,
    _rebatch,
    is_parquet,
    iter_chunks,
    parse_label_map,
    pick_column,
    read_header,
)
from sentcast.errors import DataError, UserInputError


def test_chunks_have_the_requested_size_and_cover_the_file(shared_data: Path) -> None:
    path = shared_data / "tweets" / "bitcoin_tweets_2016-2017_sample.csv"
    sizes = [t.num_rows for t in iter_chunks(path, ["text", "created_at"], 1000)]
    assert sizes == [1000, 1000, 1000, 242]
    whole = pd.read_csv(path)
    texts = pa.concat_tables(iter_chunks(path, ["text"], 700)).column("text").to_pylist()
    assert texts == whole["text"].tolist()


def test_crcrlf_file_reads_every_record(shared_data: Path) -> None:
    path = shared_data / "tweets" / "bitcoin_tweets_2021-01-14_1h.csv"
    stats = ReadStats()
    tables = list(iter_chunks(path, ["date", "text"], 5000, stats=stats))
    assert sum(t.num_rows for t in tables) == 22574
    assert stats.rows_read == 22574 and stats.malformed_rows == 0 and not stats.quoting_lines
    first = tables[0].column("text")[0].as_py()
    assert first == pd.read_csv(path, nrows=1)["text"][0]


def test_gzip_and_parquet_inputs(shared_data: Path, tmp_path: Path) -> None:
    gz = shared_data / "tweets" / "bitcoin_tweets_2021-2023_1M_followers_sentiment.csv.gz"
    assert read_header(gz) == ["date", "clean_text", "sentiment_label", "sentiment_score"]
    table = pa.concat_tables(iter_chunks(gz, ["clean_text", "date"], 2000))
    assert table.num_rows == 5952
    parquet = tmp_path / "t.csv"  # Parquet is recognised by content too
    table.to_pandas().to_parquet(parquet)
    assert read_header(parquet) == ["clean_text", "date"]
    again = pa.concat_tables(iter_chunks(parquet, ["clean_text", "date"], 2500))
    assert again.column("clean_text").to_pylist() == table.column("clean_text").to_pylist()


def test_malformed_rows_are_counted_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write('id,date,text\n1,2020-01-01,"ok"\n2,2020-01-02\n3,2020-01-03,"a, b",extra\n')
        fh.write('4,2020-01-04,"multi\nline"\n\n5,2020-01-05,\n')
    stats = ReadStats()
    table = pa.concat_tables(iter_chunks(path, ["date", "text"], 10, stats=stats))
    assert stats.malformed_rows == 2 and stats.rows_read == 5
    assert table.column("text").to_pylist() == ["ok", "multi\nline", None]


def test_undecodable_bytes_are_replaced_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"date,text\n2020-01-01,caf\xe9\n2020-01-02,ok\n")
    stats = ReadStats()
    table = pa.concat_tables(iter_chunks(path, ["date", "text"], 10, stats=stats))
    assert table.column("text").to_pylist() == ["caf\ufffd", "ok"]
    assert (stats.undecodable_rows, stats.undecodable_line) == (1, 2)
    latin = pa.concat_tables(iter_chunks(path, ["text"], 10, encoding="latin-1"))
    assert latin.column("text").to_pylist() == ["caf\u00e9", "ok"]
    with pytest.raises(UserInputError, match="not found"):
        read_header(tmp_path / "nope.csv")
    path.write_bytes(b"")
    with pytest.raises(DataError, match="no header line"):
        read_header(path)


def test_label_map_and_column_picking() -> None:
    assert parse_label_map("Positive=1, neutral=0,negative=-1") == {
        "positive": 1.0,
        "neutral": 0.0,
        "negative": -1.0,
    }
    for bad in ("positive:1", "=1", " =1", "a=b=1"):  # no name, or two "="
        with pytest.raises(UserInputError, match="label-map"):
            parse_label_map(bad)
    header = ["id", "created_at", "text"]
    assert pick_column(header, None, ("text",), "text") == "text"
    assert pick_column(header, "created_at", (), "time") == "created_at"
    with pytest.raises(UserInputError, match="'body' not found"):
        pick_column(header, "body", (), "text")
    with pytest.raises(UserInputError, match="no time column"):
        pick_column(["a"], None, ("date",), "time")


def test_layout_presets_match_the_shared_files(shared_data: Path) -> None:
    files = {
        "shared-2016-2017": "bitcoin_tweets_2016-2017_sample.csv",
        "shared-2017-02-28": "bitcoin_tweets_2017-02-28.csv",
        "shared-2021-01-14": "bitcoin_tweets_2021-01-14_1h.csv",
        "shared-2021-2023": "bitcoin_tweets_2021-2023_1M_followers_sentiment.csv.gz",
        "crawled-2015-2020": "crawled_2015-2020/crawled_tweets_4.csv.gz",
    }
    for name, file in files.items():
        layout = LAYOUTS[name]
        header = read_header(shared_data / "tweets" / file, layout.delimiter, layout.encoding)
        wanted = {layout.text_col, layout.time_col} | ({layout.label_col} - {None})
        assert wanted <= set(header), name


@pytest.mark.parametrize(("size", "expected"), [(4, [4, 4, 4, 4]), (5, [5, 5, 5, 1]), (20, [16])])
def test_rebatch_gives_chunks_of_exactly_the_size(size: int, expected: list[int]) -> None:
    numbers = iter(range(100))
    batches = [
        pa.record_batch(
            {"n": [next(numbers) for _ in range(k)]}, schema=pa.schema([("n", pa.int64())])
        )
        for k in (3, 5, 0, 7, 1)
    ]
    chunks = list(_rebatch(iter(batches), size))
    assert [c.num_rows for c in chunks] == expected
    assert pa.concat_tables(chunks).column("n").to_pylist() == list(range(16))


def test_parquet_chunks_hold_the_named_columns_in_order(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(
        pa.table({"id": ["1", "2", "3"], "time": ["a", "b", "c"], "text": ["x", "y", "z"]}), path
    )
    chunks = list(iter_chunks(path, ["text", "time"], 2))
    assert [c.column_names for c in chunks] == [["text", "time"]] * 2
    assert pa.concat_tables(chunks).column("text").to_pylist() == ["x", "y", "z"]


def test_a_corrupt_parquet_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"text": ["x"] * 100}), path)
    path.write_bytes(path.read_bytes()[:20] + path.read_bytes()[-12:])
    with pytest.raises(
        DataError, match=re.escape(f"{path}: cannot read the header: ") + r"(?!None$)\S"
    ):
        read_header(path)
    with pytest.raises(DataError, match=re.escape(f"{path}: cannot parse: ") + r"(?!None$)\S"):
        list(iter_chunks(path, ["text"], 10))


def test_parquet_is_told_by_extension_or_magic_bytes(tmp_path: Path) -> None:
    """``.parquet`` / ``.pq`` in any case are Parquet even when the bytes are not (so they fail
    as Parquet); other files are Parquet only when they start with its magic bytes."""
    text = b"id,text\n1,x\n"
    for name in ("t.parquet", "t.PQ", "t.Parquet", "t.pq"):
        (tmp_path / name).write_bytes(text)
        assert is_parquet(tmp_path / name), name
        with pytest.raises(DataError, match="cannot read the header"):
            read_header(tmp_path / name)
    (tmp_path / "t.csv").write_bytes(text)
    assert not is_parquet(tmp_path / "t.csv")
    assert not is_parquet(tmp_path / "missing.csv")
    assert is_parquet(tmp_path / "missing.pq")
    pq.write_table(pa.table({"text": ["x"]}), tmp_path / "t.dat")
    assert is_parquet(tmp_path / "t.dat")


def test_the_header_is_read_in_the_given_encoding(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("caf\u00e9,text\n1,x\n".encode("cp1252"))
    assert read_header(path, encoding="cp1252") == ["caf\u00e9", "text"]
    chunks = list(iter_chunks(path, ["caf\u00e9"], 10, encoding="cp1252"))
    assert chunks[0].column("caf\u00e9").to_pylist() == ["1"]


def test_missing_columns_name_the_header() -> None:
    with pytest.raises(
        UserInputError, match=re.escape("text column 'body' not found (columns: id, text)")
    ):
        pick_column(["id", "text"], "body", (), "text")
    with pytest.raises(UserInputError, match=re.escape("pass --time-col (columns: id, text)")):
        pick_column(["id", "text"], None, ("date",), "time")


def test_csv_read_in_many_small_blocks_counts_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block holding the header alone, then blocks of a few records: every one is read and
    counted."""
    monkeypatch.setattr(
        csv_reader, "iter_record_blocks", functools.partial(iter_record_blocks, block_bytes=16)
    )
    path = tmp_path / "t.csv"
    path.write_text(
        "id,text\n" + "".join(f"{n},tweet number {n}\n" for n in range(40)), encoding="utf-8"
    )
    stats = ReadStats()
    chunks = list(iter_chunks(path, ["id"], 7, stats=stats))
    assert pa.concat_tables(chunks).column("id").to_pylist() == [str(n) for n in range(40)]
    assert stats.rows == stats.rows_read == 40
