"""Hostile text-classification inputs: a counted skip or a one-line error, never a traceback."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from sentcast.config.textclf import DatasetConfig
from sentcast.data.corpora import read_sentiment140_lines
from sentcast.errors import DataError, UserInputError
from sentcast.experiments.textclf_data import prepare_dataset


def _lines(folder: Path, negative: bytes, positive: bytes) -> Path:
    folder.mkdir()
    (folder / "negative.txt").write_bytes(negative)
    (folder / "positive.txt").write_bytes(positive)
    return folder


def _dataset(path: Path, *, eval_path: Path | None = None) -> DatasetConfig:
    raw: dict[str, object] = {
        "name": "s",
        "format": "sentiment140-lines",
        "path": str(path),
        "deduplicate": True,
    }
    if eval_path is not None:
        raw["eval"] = [{"name": "e", "format": "sentiment140-lines", "path": str(eval_path)}]
    return DatasetConfig.model_validate(raw)


def test_lines_folder_without_positive_file(tmp_path: Path) -> None:
    (tmp_path / "negative.txt").write_text("sad\n", encoding="utf-8")
    with pytest.raises(UserInputError, match=r"no positive\.txt or positive\.txt\.gz"):
        read_sentiment140_lines(tmp_path)


def test_lines_path_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "negative.txt"
    path.write_text("sad\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="not a folder"):
        read_sentiment140_lines(path)


def test_truncated_gzip_lines_file(tmp_path: Path) -> None:
    folder = _lines(tmp_path / "d", b"sad\n", b"happy\n")
    (folder / "negative.txt").unlink()
    (folder / "negative.txt.gz").write_bytes(
        gzip.compress(b"".join(b"sad %d\n" % i for i in range(500)))[:200]
    )
    with pytest.raises(DataError, match="not a readable gzip file"):
        read_sentiment140_lines(folder)


def test_same_tweet_in_both_files_is_dropped_in_both(tmp_path: Path) -> None:
    folder = _lines(
        tmp_path / "d",
        b"".join(b"sad %d\n" % i for i in range(20)) + b"which one\n",
        b"".join(b"happy %d\n" % i for i in range(20)) + b"which one\n",
    )
    data = prepare_dataset(_dataset(folder), 0)
    assert data.summary["combined"]["dropped"] == {"same text with different labels": 2}
    assert sum(len(p) for p in (data.train, data.validation, data.test)) == 40


def test_training_tweet_also_in_the_eval_set_is_not_trained_on(tmp_path: Path) -> None:
    folder = _lines(
        tmp_path / "d",
        b"".join(b"sad %d\n" % i for i in range(20)),
        b"".join(b"happy %d\n" % i for i in range(20)),
    )
    held = _lines(tmp_path / "e", b"sad  3\n", b"happy 4 \n")  # white space differs
    data = prepare_dataset(_dataset(folder, eval_path=held), 0)
    assert data.summary["combined"]["dropped"] == {"also in an evaluation set": 2}
    assert not {"sad 3", "happy 4"} & set(
        data.train.texts + data.validation.texts + data.test.texts
    )


def test_every_training_tweet_in_the_eval_set(tmp_path: Path) -> None:
    folder = _lines(tmp_path / "d", b"sad\n", b"happy\n")
    with pytest.raises(DataError, match="every row is also in an evaluation set"):
        prepare_dataset(_dataset(folder, eval_path=folder), 0)
