from __future__ import annotations

from pathlib import Path

import pandas as pd

from sentcast.sentiment.daily import read_daily_sentiment
from tests.data.reddit_files import comment, submission, zst

DAY = 86_400


def test_read_then_score_with_the_layout(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "RC_2023-11.zst"
    # 1_700_000_000 is 2023-11-14 22:13:20 UTC: n seconds later, then a day later.
    lines = [comment(n, body="great gains, love it") for n in range(3)]
    lines += [comment(DAY + n, body="terrible crash, awful") for n in range(2)]
    lines += [submission(2 * DAY, "Bitcoin", "is fine"), comment(5, sub="ethereum")]
    src.write_bytes(zst(lines))
    out, daily = tmp_path / "reddit.parquet", tmp_path / "daily.parquet"
    code, stdout, err = cli(
        "reddit", "read", str(src), "--subreddits", "Bitcoin", "--out", str(out),
        "--start", "2023-11-14", "--end", "2023-11-15",
    )  # fmt: skip
    assert code == 0, err
    assert "kept 5 of 7" in stdout and "out of range=1" in stdout and "wrong subreddit=1" in stdout
    code, _, err = cli(
        "sentiment", "score", str(out), "--out", str(daily), "--layout", "reddit-dump",
        "--workers", "1",
    )  # fmt: skip
    assert code == 0, err
    table = read_daily_sentiment(daily)
    assert list(table.index) == list(pd.to_datetime(["2023-11-14", "2023-11-15"]))
    assert list(table["n_tweets"]) == [3, 2]
    assert table["compound_mean"].iloc[0] > 0 > table["compound_mean"].iloc[1]


def test_option_errors(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "RC.zst"
    src.write_bytes(zst([comment(1)]))
    code, _, err = cli(
        "reddit", "read", str(src), "--subreddits", "Bitcoin", "--out", str(tmp_path / "c.csv")
    )
    assert code == 2 and ".parquet" in err
    code, _, err = cli(
        "reddit",
        "read",
        str(src),
        str(src),
        "--subreddits",
        "Bitcoin",
        "--out",
        str(tmp_path / "c.parquet"),
    )
    assert code == 2 and "twice" in err
    code, _, err = cli("reddit", "read", str(src), "--subreddits", "Bitcoin", "--out", str(src))
    assert code == 2 and "also an input" in err
