"""The one-line summary of what a reader kept and dropped."""

from __future__ import annotations

from sentcast.data.report import DropReport


def test_the_summary_lists_reasons_in_order() -> None:
    report = DropReport("f.csv", rows_read=5)
    report.drop("b reason", 2)
    report.drop("a reason")
    report.notes += ["a note", "another"]
    assert report.summary() == (
        "f.csv: kept 2 of 5 rows; dropped 3 (a reason=1, b reason=2); a note; another"
    )
