"""Embedding matrices aligned with the vocabulary: GloVe streaming, word2vec, trained word2vec."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sentcast.errors import DataError, UserInputError
from sentcast.text.embeddings import load_embeddings, load_glove, load_word2vec, train_word2vec
from sentcast.text.vectorize import PAD_INDEX, Vocabulary


@pytest.fixture()
def vocab() -> Vocabulary:
    return Vocabulary().fit([["the", "cat", "sat"], ["the", "dog"]])


def _glove(path: Path) -> Path:
    path.write_text("the 1 2 3\nzebra 9 9 9\ncat 4 5 6\nunused 0 0 1\n", encoding="utf-8")
    return path


def test_glove_rows_align_with_vocabulary(tmp_path: Path, vocab: Vocabulary) -> None:
    matrix = load_glove(_glove(tmp_path / "g.txt"), vocab, seed=1)
    assert matrix.vectors.shape == (len(vocab), 3)
    assert matrix.vectors.dtype == np.float32
    assert matrix.vectors[vocab.index_["the"]].tolist() == [1, 2, 3]
    assert matrix.vectors[vocab.index_["cat"]].tolist() == [4, 5, 6]
    assert not matrix.vectors[PAD_INDEX].any()
    assert matrix.found == 2  # zebra and unused are streamed past, not kept
    assert matrix.oov_rate == pytest.approx(1 - 2 / 4)  # sat, dog missing
    again = load_glove(tmp_path / "g.txt", vocab, seed=1)
    assert np.array_equal(matrix.vectors, again.vectors)  # seeded random rows
    dup = tmp_path / "dup.txt"
    dup.write_text("the 1 2 3\nthe 7 7 7\n", encoding="utf-8")
    matrix = load_glove(dup, vocab)
    assert matrix.found == 1 and matrix.vectors[vocab.index_["the"]].tolist() == [1, 2, 3]


def test_glove_errors(tmp_path: Path, vocab: Vocabulary) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("the 1 2 3\ncat 1 2\n", encoding="utf-8")
    with pytest.raises(DataError, match="expected 3"):
        load_glove(bad, vocab)
    bad.write_text("the 1 2 3\ncat 1 x 2\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.txt:2: 'cat' is not followed by numbers"):
        load_glove(bad, vocab)
    with pytest.raises(UserInputError, match="not found"):
        load_glove(tmp_path / "missing.txt", vocab)


def test_shared_glove_cut(shared_data: Path) -> None:
    vocab = Vocabulary().fit([["the", "of", "corner", "qwzxv"]])
    matrix = load_embeddings(shared_data / "embeddings/glove.6B.100d.top2604.txt", vocab)
    assert matrix.dim == 100 and matrix.found == 3


def test_word2vec_formats(tmp_path: Path, vocab: Vocabulary) -> None:
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=2)
    kv.add_vectors(["cat", "dog", "zebra"], np.array([[1, 2], [3, 4], [5, 6]], dtype=np.float32))
    kv.save_word2vec_format(str(tmp_path / "w2v.txt"))
    kv.save_word2vec_format(str(tmp_path / "w2v.bin"), binary=True)
    for name in ("w2v.txt", "w2v.bin"):
        matrix = load_embeddings(tmp_path / name, vocab)  # auto: header / suffix -> word2vec
        assert matrix.vectors[vocab.index_["dog"]].tolist() == [3, 4]
        assert matrix.found == 2
    with pytest.raises(DataError, match="not a word2vec file"):
        load_word2vec(_glove(tmp_path / "g.txt"), vocab)


def test_native_kv_pickle_is_never_loaded(tmp_path: Path, vocab: Vocabulary) -> None:
    import pickle

    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (marker.write_text, ("pwned",))

    (tmp_path / "hostile.kv").write_bytes(pickle.dumps(Payload()))
    with pytest.raises(UserInputError, match=r"native \.kv format is a Python pickle"):
        load_embeddings(tmp_path / "hostile.kv", vocab)
    assert not marker.exists()


def test_train_word2vec_is_seeded(vocab: Vocabulary) -> None:
    tokens = [["the", "cat", "sat"], ["the", "dog"]] * 5
    a = train_word2vec(tokens, vocab, dim=8, epochs=2, seed=3)
    b = train_word2vec(tokens, vocab, dim=8, epochs=2, seed=3)
    assert a.vectors.shape == (len(vocab), 8) and a.found == 4 and a.oov_rate == 0
    assert np.array_equal(a.vectors, b.vectors)


def test_full_glove_by_name() -> None:
    from sentcast.text.embeddings import load_named_embeddings, named_vectors

    vocab = Vocabulary().fit([["the", "bitcoin", "qzxvwk", "the"]])
    matrix = load_embeddings("glove-6b-50d", vocab)
    assert matrix.dim == 50 and matrix.source == "glove-6b-50d"
    assert matrix.found == 2 and matrix.oov_rate == pytest.approx(1 / 3)
    assert matrix.has_vector.tolist() == [False, False, True, True, False]
    # GloVe 6B's first row is "the": its published first value is 0.418
    assert matrix.vectors[vocab.index_["the"]][0] == pytest.approx(0.418, abs=1e-6)
    vectors, found = named_vectors("glove-6b-50d", ["bitcoin", "qzxvwk", "the"])
    assert found.tolist() == [True, False, True]
    np.testing.assert_array_equal(vectors[0], matrix.vectors[vocab.index_["bitcoin"]])
    assert not vectors[1].any()
    again = load_named_embeddings("glove-6b-50d", vocab)
    np.testing.assert_array_equal(again.vectors, matrix.vectors)


def test_embedding_config_names_known_vectors() -> None:
    from pydantic import ValidationError

    from sentcast.config.text_models import EmbeddingConfig

    assert EmbeddingConfig(name="glove-6b-50d").source == "glove-6b-50d"
    assert EmbeddingConfig(path="my.txt").source == "my.txt"
    assert EmbeddingConfig().source is None
    with pytest.raises(ValidationError, match="unknown word vectors"):
        EmbeddingConfig(name="glove-840b")
    with pytest.raises(ValidationError, match="name or path, not both"):
        EmbeddingConfig(name="glove-6b-50d", path="my.txt")
