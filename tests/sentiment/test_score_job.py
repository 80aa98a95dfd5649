"""The counts of a scoring run: the summary states that rows read = scored + rejected."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from sentcast.data.report import DropReport
from sentcast.sentiment.score_job import ScoreResult


def test_the_summary_balances_rows_and_names_the_days() -> None:
    report = DropReport("t.csv", rows_read=5, dropped=Counter({"no text": 1}))
    days = pd.DatetimeIndex(["2020-02-01", "2020-02-02", "2020-02-03"], name="date")
    daily = pd.DataFrame({"n_tweets": [2, 0, 2]}, index=days)
    result = ScoreResult([report], daily, texts_scored=4, chunks_total=3, chunks_resumed=1)
    assert result.summary().split("\n") == [
        "t.csv: kept 4 of 5 rows; dropped 1 (no text=1)",
        "rows read 5 = scored 4 + rejected 1",
        "  rejected, no text: 1",
        "days 3 (2020-02-01 .. 2020-02-03; 1 without tweets)",
        "texts scored (distinct per chunk, after cache) 4; chunks 3 (1 resumed); wall time 0.0 s",
    ]
    nothing = ScoreResult([DropReport("e.csv")], daily.iloc[:0])
    assert nothing.summary().split("\n")[1:3] == ["rows read 0 = scored 0 + rejected 0", "days 0"]
