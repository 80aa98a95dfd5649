"""Records read twice, by id: :class:`SeenIds` against a plain set, and the ids of a table."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sentcast.data.report import DropReport
from sentcast.data.seen_ids import FileIds, SeenIds


def test_first_keeps_new_and_missing_ids_across_batches() -> None:
    seen = SeenIds()
    assert seen.first(["a", "b", "a", None, None, "c"]).tolist() == [1, 1, 0, 1, 1, 1]
    assert seen.first(["c", "d", "d", None, "a"]).tolist() == [0, 1, 0, 1, 0]
    assert seen.first([]).tolist() == []
    assert len(seen) == 4


def test_first_agrees_with_a_set_on_many_batches() -> None:
    rng = np.random.default_rng(3)
    seen, plain = SeenIds(), set()
    for _ in range(30):
        batch = [str(n) for n in rng.integers(0, 5_000, size=rng.integers(0, 400))]
        expected = []
        for ident in batch:
            expected.append(ident not in plain)
            plain.add(ident)
        assert seen.first(batch).tolist() == expected
    assert len(seen) == len(plain)


def test_file_ids_join_kind_and_id_and_count_unusable_ids() -> None:
    seen = SeenIds()
    reddit = FileIds(("kind", "id"), seen)
    table = pa.table(
        {
            "kind": ["comment", "submission", "comment", "comment", "comment", "comment"],
            "id": ["abc", "abc", " abc ", None, "x y", "abd"],
        }
    )
    assert reddit.fresh(table).tolist() == [True, True, False, True, True, True]
    assert reddit.note() == (
        "2 rows without a usable id (empty, or like 'x y') kept, not de-duplicated"
    )
    again = reddit.fresh(pa.table({"kind": ["comment", "comment"], "id": ["?", "abd"]}))
    assert again.tolist() == [True, False]
    assert reddit.note() == (  # counts add up over tables; the first example stays
        "3 rows without a usable id (empty, or like 'x y') kept, not de-duplicated"
    )


def test_a_one_character_odd_id_is_the_example() -> None:
    ids = FileIds(["id"], SeenIds())
    assert ids.fresh(pa.table({"id": ["", "?", "7"]})).dtype == bool
    assert ids.note() == "2 rows without a usable id (empty, or like '?') kept, not de-duplicated"


def test_file_ids_of_int_and_rounded_float_columns() -> None:
    seen = SeenIds()
    ints = pa.table({"id": pa.array([930714744255893506, 7, None], pa.int64())})
    assert FileIds(["id"], seen).fresh(ints).tolist() == [True, True, True]
    strings = FileIds(["id"], seen)
    assert strings.fresh(pa.table({"id": ["930714744255893506", "8"]})).tolist() == [False, True]
    assert strings.note() is None
    rounded = FileIds(["id"], seen)  # a spreadsheet's 1.26E+18: many tweets share it
    assert rounded.fresh(pa.table({"id": ["1.26E+18"] * 3})).tolist() == [True] * 3
    assert rounded.note() == (
        "3 rows without a usable id (empty, or like '1.26E+18') kept, not de-duplicated"
    )


def test_a_file_without_id_columns_keeps_every_row() -> None:
    none = FileIds((), SeenIds())
    fresh = none.fresh(pa.table({"text": ["a", "a"]}))
    assert fresh.dtype == bool and fresh.tolist() == [True, True]
    assert none.note() is None


def test_a_note_without_an_odd_id_names_only_empty_ones() -> None:
    ids = FileIds(["id"], SeenIds())
    ids.fresh(pa.table({"id": ["", None, "7"]}))
    assert ids.note() == "2 rows without a usable id (empty) kept, not de-duplicated"


def test_the_note_is_added_to_a_report_only_when_there_is_one() -> None:
    ids, report = FileIds(["id"], SeenIds()), DropReport("tweets.csv")
    ids.fresh(pa.table({"id": ["1", "2"]}))
    ids.add_note_to(report)
    assert report.notes == []
    ids.fresh(pa.table({"id": ["1.26E+18", "3"]}))
    ids.add_note_to(report)
    assert report.notes == [
        "1 rows without a usable id (empty, or like '1.26E+18') kept, not de-duplicated"
    ]


def test_hashes_are_kept_whole() -> None:
    """64-bit hashes stay unsigned 64-bit integers (as floats, ids whose hashes share their top
    53 bits would count as one)."""
    seen = SeenIds()
    seen.first([str(n) for n in range(100)])
    assert seen._hashes.dtype == np.uint64 and len(seen) == 100
