"""Combine labelled corpora into one, with de-duplication and evaluation-set exclusion.

Texts are compared after collapsing runs of white space (``"a  b "`` equals ``"a b"``);
case and punctuation count. Every row removed here is counted in the combined corpus's
:class:`~sentcast.data.report.DropReport` under one of :data:`DUPLICATE`, :data:`CONFLICT`
and the reason given to :func:`drop_texts`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sentcast.data.corpora import TextCorpus
from sentcast.data.report import DropReport
from sentcast.errors import DataError

DUPLICATE = "duplicate text"
CONFLICT = "same text with different labels"


def text_key(text: str) -> str:
    """The form of ``text`` that duplicates share: white-space runs collapsed to one space."""
    return " ".join(text.split())


def combine_corpora(corpora: Sequence[TextCorpus], *, deduplicate: bool) -> TextCorpus:
    """One corpus holding the rows of ``corpora`` in order.

    With ``deduplicate``, the first copy of a repeated text is kept (later ones are counted as
    :data:`DUPLICATE`), and a text found with more than one label is dropped in every copy
    (counted as :data:`CONFLICT`): its label is unknowable.

    Raises
    ------
    DataError
        If no row is left.
    """
    source = " + ".join(c.report.source for c in corpora)
    report = DropReport(source, rows_read=sum(len(c) for c in corpora))
    texts = [t for c in corpora for t in c.texts]
    labels = [lab for c in corpora for lab in c.labels]
    if deduplicate:
        seen: dict[str, set[str]] = defaultdict(set)
        for text, label in zip(texts, labels, strict=True):
            seen[text_key(text)].add(label)
        kept: set[str] = set()
        keep = []
        for i, text in enumerate(texts):
            key = text_key(text)
            if len(seen[key]) > 1:
                report.drop(CONFLICT)
            elif key in kept:
                report.drop(DUPLICATE)
            else:
                kept.add(key)
                keep.append(i)
        texts = [texts[i] for i in keep]
        labels = [labels[i] for i in keep]
    if not texts:
        raise DataError(f"{source}: no rows left after combining ({report.summary()})")
    return TextCorpus(texts, labels, report)


def drop_texts(corpus: TextCorpus, exclude: Iterable[str], reason: str) -> TextCorpus:
    """``corpus`` without the rows whose text (see :func:`text_key`) is in ``exclude``.

    The rows removed are counted under ``reason`` in the returned corpus's report (a copy of
    ``corpus.report``).

    Raises
    ------
    DataError
        If no row is left.
    """
    banned = {text_key(t) for t in exclude}
    keep = [i for i, t in enumerate(corpus.texts) if text_key(t) not in banned]
    old = corpus.report
    report = DropReport(old.source, old.rows_read, old.dropped.copy(), list(old.notes))
    report.drop(reason, len(corpus) - len(keep))
    if not keep:
        raise DataError(f"{old.source}: every row is also in an evaluation set")
    return TextCorpus([corpus.texts[i] for i in keep], [corpus.labels[i] for i in keep], report)
