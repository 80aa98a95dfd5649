"""The rows of one X API search page: ids at the ends of the int64 range."""

from __future__ import annotations

import pytest

from sentcast.data.report import DropReport
from sentcast.data.x_tweets import ID_OUT_OF_RANGE, INT64_MAX, page_table


def _tweet(ident: object) -> dict[str, object]:
    return {"id": ident, "text": "btc", "created_at": "2024-05-01T00:00:00.000Z"}


@pytest.mark.parametrize(
    ("ident", "kept"),
    [("0", True), (str(INT64_MAX), True), (INT64_MAX, True), ("1", True),
     (str(INT64_MAX + 1), False), (-1, False)],
)  # fmt: skip
def test_ids_from_zero_to_int64_max_are_kept(ident: object, kept: bool) -> None:
    report = DropReport("page")
    table, _ = page_table([_tweet(ident)], set(), None, report)
    assert table.num_rows == int(kept)
    assert report.rows_read == 1
    if kept:
        assert table.column("id").to_pylist() == [int(str(ident))]
    else:
        assert dict(report.dropped) == {ID_OUT_OF_RANGE: 1}
