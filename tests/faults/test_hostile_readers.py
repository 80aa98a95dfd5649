"""Hostile files for the readers: long fields, mixed encodings, the same record under two
names, huge numbers, self-contradicting OHLC rows. Counted rows or one clear line, never a
traceback, a silent loss or a silent double count."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sentcast.data.corpora import read_csv_corpus
from sentcast.data.text_files import LONG_FIELD, MAX_FIELD_CHARS
from sentcast.data.yahoo import OUTSIDE_RANGE, read_yahoo
from tests.data.reddit_files import comment, zst

CLI = Callable[..., tuple[int, str, str]]


def _labelled(path: Path, rows: list[tuple[bytes, bytes]]) -> Path:
    path.write_bytes(b"text,label\n" + b"".join(b'"%s",%s\n' % row for row in rows))
    return path


def test_a_text_field_over_128_kib_is_read(cli: CLI, tmp_path: Path) -> None:
    rows = [(b"good " * 30_000, b"positive"), (b"bad day", b"negative")] * 4
    path = _labelled(tmp_path / "long.csv", rows)
    corpus = read_csv_corpus(path, "text", "label")
    assert len(corpus) == 8 and len(corpus.texts[0]) == 150_000


def test_a_field_over_the_limit_is_dropped_and_counted(tmp_path: Path) -> None:
    rows = [
        (b"x" * (MAX_FIELD_CHARS + 1), b"positive"),
        (b"fine", b"negative"),
        (b"ok", b"positive"),
    ]
    corpus = read_csv_corpus(_labelled(tmp_path / "huge.csv", rows), "text", "label")
    assert corpus.texts == ["fine", "ok"]
    assert corpus.report.rows_read == 3 and corpus.report.dropped == {LONG_FIELD: 1}


def test_textclf_train_on_a_long_field_csv(cli: CLI, tmp_path: Path) -> None:
    rows = [(b"great love " * 15_000, b"positive"), (b"awful hate", b"negative")] * 10
    path = _labelled(tmp_path / "long.csv", rows)
    code, _, err = cli("textclf", "train", "--data", str(path), "--out", str(tmp_path / "m"))
    assert code == 0, err
    assert "kept 20 of 20 rows" in err


def test_three_stray_bytes_do_not_turn_the_file_into_mojibake(tmp_path: Path) -> None:
    rows = [f"café über naïve {i}".encode() for i in range(60)]
    for i in (5, 30, 55):
        rows[i] = rows[i].replace(b"\xc3\xa9", b"\xe9")  # one Latin-1 é in three rows
    path = _labelled(tmp_path / "mixed.csv", [(r, b"positive" if i % 2 else b"negative")
                                                for i, r in enumerate(rows)])  # fmt: skip
    corpus = read_csv_corpus(path, "text", "label")
    assert corpus.texts == [f"café über naïve {i}" for i in range(60)]
    assert corpus.report.rows_kept == 60
    assert corpus.report.notes == [
        "3 rows with bytes that are not UTF-8, read as latin-1 (first at line 7)"
    ]
    assert "3 rows with bytes that are not UTF-8" in corpus.report.summary()


def test_the_same_reddit_records_under_two_file_names_count_once(cli: CLI, tmp_path: Path) -> None:
    records = [comment(n) for n in range(100)]
    per_subreddit, monthly = tmp_path / "Bitcoin_comments.zst", tmp_path / "RC_2023-11.zst"
    per_subreddit.write_bytes(zst(records))
    monthly.write_bytes(zst([comment(500, sub="ethereum"), *records[::-1]]))
    out = tmp_path / "c.parquet"
    code, stdout, err = cli(
        "reddit", "read", str(per_subreddit), str(monthly), "--subreddits", "Bitcoin",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    assert "kept 100 of 201" in stdout and "duplicate id=100" in stdout
    assert pq.read_table(out).num_rows == 100


def test_reddit_huge_numbers_and_lone_surrogates(cli: CLI, tmp_path: Path) -> None:
    lines = [
        comment(1, score=2**70),
        comment(2, body="lone \ud800 surrogate"),
        comment(3, created_utc=10**400),
        b'{"subreddit": "Bitcoin", "score": ' + b"9" * 5000 + b"}",
        b'{"subreddit": "Bitcoin", "body": ' + b"[" * 100_000,
        comment(4),
    ]
    src = tmp_path / "RC.zst"
    src.write_bytes(zst(lines))
    out = tmp_path / "c.parquet"
    code, stdout, err = cli(
        "reddit", "read", str(src), "--subreddits", "Bitcoin", "--out", str(out)
    )
    assert code == 0, err
    assert "kept 3 of 6" in stdout and "bad JSON=2" in stdout
    assert "bad or missing created_utc=1" in stdout
    assert "1 scores beyond int64 read as missing" in stdout
    table = pq.read_table(out).to_pylist()
    assert [row["score"] for row in table] == [None, 2, 4]
    assert table[1]["text"] == "lone \ufffd surrogate"


def test_ohlc_rows_that_contradict_themselves_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "BTC.csv"
    path.write_text(
        "Date,Open,High,Low,Close,Adj Close,Volume\n"
        "2020-01-01,10,12,9,11,11,100\n"
        "2020-01-02,13,12,9,11,11,100\n"  # Open above High
        "2020-01-03,10,12,9,8,8,100\n"  # Close below Low
        "2020-01-04,10,12,10,12,12,100\n"  # on the edges: fine
        f"2020-01-05,10,12,9,{'1' * (MAX_FIELD_CHARS + 1)},11,100\n"
        "2020-01-06,10,12,9,11,11,100\n"
    )
    frame, report = read_yahoo(path)
    assert [d.day for d in frame.index] == [1, 4, 6]
    assert report.rows_read == 6 and report.rows_kept == 3
    assert report.dropped == {OUTSIDE_RANGE: 2, LONG_FIELD: 1}


@pytest.mark.parametrize("command", ["score", "embed"])
def test_the_same_tweet_file_twice_is_refused(cli: CLI, tmp_path: Path, command: str) -> None:
    src = tmp_path / "t.csv"
    src.write_text("date,text\n2020-01-01,good\n")
    other = tmp_path / "sub" / ".." / "t.csv"
    (tmp_path / "sub").mkdir()
    code, _, err = cli(
        "sentiment", command, str(src), str(other), "--out", str(tmp_path / "d.parquet")
    )
    assert code == 2 and err.count("\n") == 1
    assert "is given twice; its rows would count twice" in err


def _ided_tweets(path: Path, ids: list[str]) -> Path:
    texts = ["good day", "bad day", "great", "awful", "fine", "love it", "hate it", "meh"]
    rows = [f"{ident},2020-01-0{1 + k % 3} 12:00,{texts[k % 8]}" for k, ident in enumerate(ids)]
    path.write_text("id,date,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_same_tweets_in_two_inputs_count_once(cli: CLI, tmp_path: Path) -> None:
    first = _ided_tweets(tmp_path / "a.csv", [str(n) for n in range(10)])
    second = _ided_tweets(tmp_path / "b.csv", [str(n) for n in range(6, 16)] + ["15"])
    out = tmp_path / "d.parquet"
    code, stdout, err = cli(
        "sentiment", "score", str(first), str(second), "--out", str(out), "--workers", "1",
        "--chunk-size", "4",
    )  # fmt: skip
    assert code == 0, err
    assert f"{second}: kept 6 of 11 rows; dropped 5 (duplicate id=5)" in stdout
    assert "rows read 21 = scored 16 + rejected 5" in stdout
    assert "rejected, duplicate id: 5" in stdout
    assert "not de-duplicated" not in stdout
    assert pd.read_parquet(out)["n_tweets"].sum() == 16


def test_an_input_without_ids_is_scored_and_said_so_once(cli: CLI, tmp_path: Path) -> None:
    ided = _ided_tweets(tmp_path / "a.csv", ["1", "2", "1.26E+18", "1.26E+18"])
    bare = tmp_path / "b.csv"
    bare.write_text("date,text\n2020-01-01,good\n2020-01-01,good\n", encoding="utf-8")
    out = tmp_path / "d.parquet"
    code, stdout, err = cli(
        "sentiment", "score", str(ided), str(bare), "--out", str(out), "--workers", "1"
    )
    assert code == 0, err
    assert "rows read 6 = scored 6 + rejected 0" in stdout
    assert "2 rows without a usable id (empty, or like '1.26E+18') kept" in stdout
    said = f"not de-duplicated (no id column; rows read twice count twice): {bare}"
    assert stdout.count("not de-duplicated (no id column") == 1 and said in stdout


def test_an_id_column_that_is_not_there_is_refused(cli: CLI, tmp_path: Path) -> None:
    src = _ided_tweets(tmp_path / "a.csv", ["1", "2"])
    out = tmp_path / "d.parquet"
    code, _, err = cli("sentiment", "score", str(src), "--out", str(out), "--id-col", "tweet")
    assert code == 2 and err.count("\n") == 1
    assert "id column 'tweet' not found (columns: id, date, text)" in err
