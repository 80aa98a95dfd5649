from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pyarrow.parquet as pq
import pytest

from sentcast.data.reddit_dumps import SCHEMA, _lines, read_dumps
from sentcast.data.report import DropReport
from sentcast.errors import DataError, UserInputError
from tests.data.reddit_files import comment, submission, zst

T0 = dt.datetime.fromtimestamp(1_700_000_000, dt.UTC)


def test_comments_and_submissions_of_wanted_subreddits(tmp_path: Path) -> None:
    comments, posts = tmp_path / "RC_2023-11.zst", tmp_path / "RS_2023-11.zst"
    comments.write_bytes(
        zst([comment(1), comment(2, sub="CryptoCurrency"), comment(3, sub="bitcoin"),
             comment(4, sub="dogecoin"), comment(5, body="[removed]")], frames=2)
    )  # fmt: skip
    posts.write_bytes(
        zst([submission(6, "BTC up", "why?"), submission(7, "a link"),
             submission(8, "gone", "[deleted]")])
    )  # fmt: skip
    out = tmp_path / "reddit.parquet"
    report = read_dumps([comments, posts], ["Bitcoin", "r/cryptocurrency"], out)
    assert report.rows_read == 8 and report.rows_kept == 5
    assert dict(report.dropped) == {"wrong subreddit": 1, "deleted or removed": 2}
    table = pq.read_table(out)
    assert table.schema.equals(SCHEMA)
    assert table["id"].to_pylist() == ["c1", "c2", "c3", "s6", "s7"]
    assert table["kind"].to_pylist() == ["comment"] * 3 + ["submission"] * 2
    assert table["text"].to_pylist()[3:] == ["BTC up\n\nwhy?", "a link"]
    assert table["created_utc"].to_pylist()[0] == T0 + dt.timedelta(seconds=1)
    assert table["score"].to_pylist()[:3] == [1, 2, 3]


def test_time_range_is_half_open(tmp_path: Path) -> None:
    src = tmp_path / "RC.zst"
    src.write_bytes(zst([comment(n) for n in range(10)]))
    out = tmp_path / "reddit.parquet"
    start, end = T0 + dt.timedelta(seconds=3), T0 + dt.timedelta(seconds=7)
    report = read_dumps([src], ["Bitcoin"], out, start, end)
    assert pq.read_table(out)["id"].to_pylist() == ["c3", "c4", "c5", "c6"]
    assert dict(report.dropped) == {"out of range": 6}


def test_nothing_kept_and_bad_arguments(tmp_path: Path) -> None:
    src = tmp_path / "RC.zst"
    src.write_bytes(zst([comment(1, sub="ethereum")]))
    out = tmp_path / "reddit.parquet"
    with pytest.raises(DataError, match="no record kept"):
        read_dumps([src], ["Bitcoin"], out)
    assert not out.exists()
    with pytest.raises(UserInputError, match="at least one"):
        read_dumps([src], [" ", ""], out)
    with pytest.raises(UserInputError, match="not found"):
        read_dumps([tmp_path / "missing.zst"], ["Bitcoin"], out)


def _read(
    tmp_path: Path, lines: list[bytes], *subs: str, **kw: Any
) -> tuple[DropReport, list[dict[str, Any]]]:
    src = tmp_path / "RC.zst"
    src.write_bytes(zst(lines))
    out = tmp_path / "reddit.parquet"
    report = read_dumps([src], subs or ("Bitcoin",), out, **kw)
    return report, pq.read_table(out).to_pylist()


def test_fields_of_odd_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids as numbers or too long, authors missing or not text, lone surrogates, scores that
    are not integers: each field is written as the module docstring says."""
    monkeypatch.setenv("TZ", "America/New_York")  # times stay UTC whatever the local zone
    time.tzset()
    try:
        lines = [
            json.dumps({"id": 12345, "subreddit": "BITCOIN", "created_utc": 1_700_000_000.9,
                        "body": "a", "score": True}).encode(),
            json.dumps({"id": True, "subreddit": "Bitcoin", "created_utc": 1, "body": "b",
                        "author": 7, "score": 2.0}).encode(),
            json.dumps({"id": "x" * 300, "subreddit": "Bitcoin", "created_utc": 2, "body": "c",
                        "author": "\ud800z", "score": -3}).encode(),
            json.dumps({"id": "", "subreddit": "Bitcoin", "created_utc": 3, "body": "d"}).encode(),
        ]  # fmt: skip
        report, rows = _read(tmp_path, lines)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert report.rows_kept == 4 and report.notes == []
    assert [r["id"] for r in rows] == ["12345", None, "x" * 200, None]
    assert [r["author"] for r in rows] == [None, None, "\ufffdz", None]
    assert [r["score"] for r in rows] == [None, None, -3, None]
    assert rows[0]["subreddit"] == "BITCOIN"
    assert rows[0]["created_utc"] == T0 and rows[1]["created_utc"] == dt.datetime(
        1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC
    )


@pytest.mark.parametrize(
    ("created", "kept"),
    [(0, True), (2**33 - 1, True), ("1700000000.5", True), (-1, False), (2**33, False),
     (True, False), ("nan", False), ("inf", False), (None, False), ("soon", False)],
)  # fmt: skip
def test_created_utc_accepted_range(tmp_path: Path, created: object, kept: bool) -> None:
    line = json.dumps({"id": "c", "subreddit": "Bitcoin", "created_utc": created, "body": "x"})
    if kept:
        report, _ = _read(tmp_path, [line.encode()])
        assert report.rows_kept == 1
    else:
        with pytest.raises(DataError, match=r"bad or missing created_utc=1"):
            _read(tmp_path, [line.encode()])


@pytest.mark.parametrize("wanted", ["None", "XXXX", ""])
def test_a_record_without_subreddit_is_never_wanted(tmp_path: Path, wanted: str) -> None:
    line = json.dumps({"id": "c", "created_utc": 5, "body": f"{wanted} none xxxx"}).encode()
    report, rows = _read(tmp_path, [comment(1), line], "Bitcoin", wanted)
    assert dict(report.dropped) == {"wrong subreddit": 1} and len(rows) == 1


def test_duplicates_across_batches_and_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kind and id make the key; rows without an id are never duplicates; every batch is
    written, whatever its size."""
    monkeypatch.setattr("sentcast.data.reddit_dumps.BATCH_ROWS", 2)
    no_id = json.dumps({"subreddit": "Bitcoin", "created_utc": 9, "body": "x"}).encode()
    first, second = tmp_path / "RC_a.zst", tmp_path / "Bitcoin.zst"
    first.write_bytes(zst([comment(1), comment(2), comment(1), no_id, no_id, comment(3)]))
    second.write_bytes(zst([comment(3), submission(1, "t"), comment(4)]))
    out = tmp_path / "reddit.parquet"
    report = read_dumps([first, second], ["Bitcoin"], out)
    assert report.source == f"{first}, {second}"
    assert report.rows_read == 9 and dict(report.dropped) == {"duplicate id": 2}
    table = pq.read_table(out)
    assert table["id"].to_pylist() == ["c1", "c2", None, None, "c3", "s1", "c4"]
    assert table["kind"].to_pylist()[-2:] == ["submission", "comment"]


def test_scores_beyond_int64_are_missing_and_noted(tmp_path: Path) -> None:
    lines = [comment(1, score=2**63 - 1), comment(2, score=2**63), comment(3, score=-(2**63)),
             comment(4, score=-(2**63) - 1)]  # fmt: skip
    report, rows = _read(tmp_path, lines)
    assert [r["score"] for r in rows] == [2**63 - 1, None, -(2**63), None]
    assert report.notes == ["2 scores beyond int64 read as missing"]


@pytest.mark.parametrize("names", [["r/ "], [" ", "r/"], []])
def test_no_subreddit_message(tmp_path: Path, names: list[str]) -> None:
    """``r/`` alone names no subreddit (it once matched every record and crashed on one
    without a subreddit)."""
    with pytest.raises(UserInputError, match=r"^--subreddits: give at least one subreddit name$"):
        read_dumps([tmp_path / "RC.zst"], names, tmp_path / "out.parquet")


def test_empty_file_is_not_truncated(tmp_path: Path) -> None:
    src = tmp_path / "RC.zst"
    src.write_bytes(b"")
    with pytest.raises(DataError, match="no record kept"):
        read_dumps([src], ["Bitcoin"], tmp_path / "out.parquet")


def test_truncated_and_foreign_files_are_named(tmp_path: Path) -> None:
    src = tmp_path / "RC_2023-11.zst"
    src.write_bytes(zst([comment(n) for n in range(200)])[:-20])
    with pytest.raises(DataError, match=re.escape(f"{src}: the zstd stream is truncated")):
        read_dumps([src], ["Bitcoin"], tmp_path / "out.parquet")
    src.write_bytes(comment(1) + b"\n")
    with pytest.raises(DataError, match=re.escape(f"{src}: not a readable zstd file")):
        read_dumps([src], ["Bitcoin"], tmp_path / "out.parquet")


def test_progress_follows_the_compressed_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[object, ...]] = []

    @contextmanager
    def bar(description: str, total: float | None = None) -> Iterator[object]:
        seen.append((description, total))
        yield SimpleNamespace(update=lambda task, **kw: seen.append((task, kw)))

    monkeypatch.setattr("sentcast.data.reddit_dumps.progress_bar", bar)
    src = tmp_path / "RC_x.zst"
    src.write_bytes(zst([comment(n) for n in range(5)]))
    read_dumps([src], ["Bitcoin"], tmp_path / "out.parquet")
    size = src.stat().st_size
    assert seen[0] == ("reading RC_x.zst", size) and seen[-1] == (0, {"completed": size})


M = 40  # MAX_LINE in the tests of _lines


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        ([b"a" * M + b"\nb\n"], [b"a" * M, b"b"]),  # a line of exactly MAX_LINE bytes is kept
        ([b"a" * (M + 1) + b"\nb\n"], [None, b"b"]),  # one byte more is not
        ([b"a" * M, b"\nb\n"], [b"a" * M, b"b"]),  # MAX_LINE bytes pending at a block's end
        ([b"a" * (M + 1), b"yy", b"\nnext\n"], [None, b"next"]),  # the rest is skipped once
        ([b"a" * (M + 1), b"y" * (M - 2), b"\nnext\n"], [None, b"next"]),
        ([b"a" * (M + 1), b"y" * (M + 1), b"\nnext\nlast"], [None, b"next", b"last"]),
        ([b"a\n\n  \nlast"], [b"a", b"last"]),  # blank lines skipped, the last line kept
        ([b"a\n", b"b" * (M + 1)], [b"a", None]),  # an over-long last line is never yielded
    ],
)
def test_lines_over_block_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blocks: list[bytes], expected: list[object]
) -> None:
    monkeypatch.setattr("sentcast.data.reddit_dumps.MAX_LINE", M)
    monkeypatch.setattr("sentcast.data.reddit_dumps._decompressed", lambda fh, path: iter(blocks))
    src = tmp_path / "RC.zst"
    src.write_bytes(b"x")
    assert list(_lines(src)) == expected
