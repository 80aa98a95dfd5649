from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sentcast.data.reddit_dumps import SCHEMA, read_dumps
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
