"""Combining corpora: duplicates, conflicting labels, evaluation-set texts."""

from __future__ import annotations

import pytest

from sentcast.data.corpora import TextCorpus
from sentcast.data.corpus_merge import CONFLICT, DUPLICATE, combine_corpora, drop_texts
from sentcast.data.report import DropReport
from sentcast.errors import DataError


def _corpus(name: str, rows: list[tuple[str, str]]) -> TextCorpus:
    return TextCorpus([t for t, _ in rows], [lab for _, lab in rows], DropReport(name, len(rows)))


def test_combine_keeps_first_copy_and_drops_conflicts() -> None:
    a = _corpus("a", [("good day", "pos"), ("bad  day", "neg"), ("meh", "pos")])
    b = _corpus("b", [("good day ", "pos"), ("bad day", "neg"), ("meh", "neg"), ("new", "neg")])
    combined = combine_corpora([a, b], deduplicate=True)
    assert combined.texts == ["good day", "bad  day", "new"]
    assert combined.labels == ["pos", "neg", "neg"]
    assert combined.report.source == "a + b"
    assert combined.report.rows_read == 7
    assert combined.report.dropped == {DUPLICATE: 2, CONFLICT: 2}
    assert combined.report.rows_kept == len(combined)


def test_combine_without_deduplication_keeps_every_row() -> None:
    a = _corpus("a", [("x", "pos"), ("x", "neg")])
    combined = combine_corpora([a, a], deduplicate=False)
    assert combined.texts == ["x", "x", "x", "x"]
    assert combined.report.rows_dropped == 0


def test_drop_texts_counts_and_keeps_the_source_report() -> None:
    corpus = _corpus("a", [("one", "pos"), ("two  words", "neg"), ("three", "pos")])
    corpus.report.drop("empty text", 1)
    left = drop_texts(corpus, ["two words", "absent"], "in eval")
    assert left.texts == ["one", "three"]
    assert left.report.dropped == {"empty text": 1, "in eval": 1}
    assert corpus.report.dropped == {"empty text": 1}  # the input is left as it was
    corpus.report.notes.append("a note")
    again = drop_texts(corpus, ["one"], "in eval")
    assert again.report.source == corpus.report.source and again.report.notes == ["a note"]
    again.report.notes.append("another")
    assert corpus.report.notes == ["a note"]


def test_nothing_left_is_an_error() -> None:
    corpus = _corpus("a", [("same", "pos"), ("same", "neg")])
    with pytest.raises(DataError, match="no rows left"):
        combine_corpora([corpus], deduplicate=True)
    with pytest.raises(DataError, match="every row is also in an evaluation set"):
        drop_texts(_corpus("b", [("x", "pos")]), ["x"], "in eval")
