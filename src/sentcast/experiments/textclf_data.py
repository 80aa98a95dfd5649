"""Load a text experiment's dataset and split it into train / validation / test (seeded).

Splits are stratified by label when every class has at least two members in the part being
split (and each side can hold one row per class); otherwise the split is a plain seeded
shuffle. The method used is recorded in ``data_summary.json``. (The DBpedia sample has
classes with a single row at level l3, so its l3 split is a plain seeded split.)
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from sentcast.config.textclf import CorpusSource, DatasetConfig
from sentcast.data.corpora import TextCorpus, read_corpus
from sentcast.data.corpus_merge import combine_corpora, drop_texts, text_key
from sentcast.errors import DataError

logger = logging.getLogger(__name__)

#: Drop reason of training texts that are also in an evaluation set.
IN_EVAL_SET = "also in an evaluation set"


@dataclass
class Split:
    """Texts and labels of one part of a dataset."""

    texts: list[str]
    labels: list[str]

    def __len__(self) -> int:
        return len(self.texts)


@dataclass
class PreparedDataset:
    """A dataset split into parts, its extra evaluation sets and a summary for the RUN_DIR."""

    name: str
    train: Split
    validation: Split
    test: Split
    extra: dict[str, Split] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def eval_sets(self) -> dict[str, Split]:
        """``test`` followed by the extra evaluation sets."""
        return {"test": self.test, **self.extra}


def read_source(source: CorpusSource, path: str | None = None) -> TextCorpus:
    """Read ``source`` (or the same format at ``path``)."""
    return read_corpus(
        source.format,
        path or source.path,
        text_col=source.text_col,
        label_col=source.label_col,
        level=source.level,
    )


def _can_stratify(labels: Sequence[str], share: float) -> bool:
    counts = Counter(labels)
    n_taken = math.ceil(len(labels) * share)  # as scikit-learn sizes the test side
    n_side = min(n_taken, len(labels) - n_taken)
    return min(counts.values()) >= 2 and n_side >= len(counts)


def split_indices(
    labels: Sequence[str], share: float, seed: int
) -> tuple[np.ndarray, np.ndarray, str]:
    """Indices of the kept part and of the ``share`` part, and the method used.

    Raises
    ------
    DataError
        If ``labels`` are too few for both parts to hold a row.
    """
    if len(labels) - math.ceil(len(labels) * share) < 1:
        raise DataError(f"{len(labels)} rows are too few to hold out a {share:.0%} part")
    index = np.arange(len(labels))
    stratify = _can_stratify(labels, share)
    kept, taken = train_test_split(
        index,
        test_size=share,
        random_state=seed,
        stratify=list(labels) if stratify else None,
    )
    return np.sort(kept), np.sort(taken), "stratified" if stratify else "seeded random"


def _take(corpus_texts: list[str], corpus_labels: list[str], idx: np.ndarray) -> Split:
    return Split([corpus_texts[i] for i in idx], [corpus_labels[i] for i in idx])


def _read_training_corpus(config: DatasetConfig) -> tuple[TextCorpus, list[str]]:
    """The main corpus combined with ``extra_sources`` (de-duplicated when asked); the read
    summaries of every file."""
    corpora = [read_source(config), *(read_source(s) for s in config.extra_sources)]
    reports = [c.report.summary() for c in corpora]
    for line in reports:
        logger.info(line)
    if len(corpora) == 1 and not config.deduplicate:
        return corpora[0], reports
    return combine_corpora(corpora, deduplicate=config.deduplicate), reports


def prepare_dataset(config: DatasetConfig, split_seed: int) -> PreparedDataset:
    """Read, combine, de-duplicate, subsample, split and summarise one ``[[datasets]]`` entry.

    With ``deduplicate``, the texts of ``test_path`` and of the ``eval`` sets are removed
    from the combined corpus before it is split, so no text is both trained and evaluated on.
    """
    corpus, reports = _read_training_corpus(config)
    extra = {}
    for source in config.eval:
        extra_corpus = read_source(source)
        reports.append(extra_corpus.report.summary())
        extra[source.name] = Split(extra_corpus.texts, extra_corpus.labels)
    test: Split | None = None
    if config.test_path is not None:
        test_corpus = read_source(config, config.test_path)
        reports.append(test_corpus.report.summary())
        test = Split(test_corpus.texts, test_corpus.labels)
    held_out = [t for part in [test, *extra.values()] if part is not None for t in part.texts]
    summary: dict[str, Any] = {}
    if config.deduplicate:
        corpus = drop_texts(corpus, held_out, IN_EVAL_SET)
    else:
        banned = {text_key(t) for t in held_out}
        overlap = sum(text_key(t) in banned for t in corpus.texts)
        summary["texts_also_in_eval_sets"] = overlap
        if overlap:
            logger.warning("%d training texts are also in an evaluation set", overlap)
    if config.extra_sources or config.deduplicate:
        summary["combined"] = {
            "rows_read": corpus.report.rows_read,
            "rows_kept": len(corpus),
            "dropped": dict(sorted(corpus.report.dropped.items())),
        }
        logger.info("combined: %s", corpus.report.summary())
    texts, labels = corpus.texts, corpus.labels
    methods: list[str] = []
    if config.max_rows is not None and config.max_rows < len(texts):
        rng = np.random.default_rng(split_seed)
        keep = np.sort(rng.choice(len(texts), size=config.max_rows, replace=False))
        texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
        methods.append(f"random subset of {config.max_rows} rows")
    if test is not None:
        rest_idx = np.arange(len(texts))
    else:
        rest_idx, test_idx, method = split_indices(labels, config.test, split_seed)
        test = _take(texts, labels, test_idx)
        methods.append(f"test: {method}")
    rest_labels = [labels[i] for i in rest_idx]
    val_share = (
        config.validation if config.test_path is not None else config.validation / (1 - config.test)
    )
    train_pos, val_pos, method = split_indices(rest_labels, val_share, split_seed)
    methods.append(f"validation: {method}")
    train = _take(texts, labels, rest_idx[train_pos])
    val = _take(texts, labels, rest_idx[val_pos])
    summary = {
        "n_train": len(train),
        "n_validation": len(val),
        "n_test": len(test),
        "n_classes": len(set(labels)),
        "split": "; ".join(methods),
        "read": reports,
        **summary,
        "eval_sets": {name: len(s) for name, s in extra.items()},
    }
    unseen = sorted(set(test.labels) - set(train.labels))
    if unseen:
        summary["test_labels_not_in_train"] = len(unseen)
    return PreparedDataset(config.name, train, val, test, extra, summary)
