"""Vocabulary fitted on training texts only, padding / truncation, TF-IDF features."""

from __future__ import annotations

import numpy as np
import pytest

from sentcast.text.vectorize import (
    OOV_INDEX,
    PAD_INDEX,
    Vocabulary,
    tfidf_features,
    with_ngrams,
)

TRAIN = [["good", "movie"], ["bad", "movie"], ["good", "good", "plot"]]


def test_vocabulary_is_fitted_on_training_tokens_only() -> None:
    vocab = Vocabulary().fit(TRAIN)
    assert vocab.words[:3] == ["<pad>", "<oov>", "good"]  # most frequent first
    assert "movie" in vocab and "terrible" not in vocab
    encoded = vocab.encode([["terrible", "movie"]], max_len=2)
    assert encoded.tolist() == [[OOV_INDEX, vocab.index_["movie"]]]
    assert vocab.oov_rate([["terrible", "movie"], ["good"]]) == pytest.approx(1 / 3)


def test_max_words_keeps_most_frequent() -> None:
    vocab = Vocabulary(max_words=4).fit(TRAIN)
    assert vocab.words == ["<pad>", "<oov>", "good", "movie"]
    assert vocab.encode([["plot"]], max_len=1).tolist() == [[OOV_INDEX]]
    with pytest.raises(ValueError, match="max_words"):
        Vocabulary(max_words=2)


def test_padding_and_truncation() -> None:
    vocab = Vocabulary().fit(TRAIN)
    g, m, p = (vocab.index_[w] for w in ("good", "movie", "plot"))
    tokens = [["good", "movie", "plot"], ["movie"], []]
    pre = vocab.encode(tokens, max_len=2)
    assert pre.dtype == np.int64 and pre.shape == (3, 2)
    assert pre.tolist() == [[g, m], [PAD_INDEX, m], [PAD_INDEX, PAD_INDEX]]
    post = vocab.encode(tokens, max_len=4, padding="post")
    assert post.tolist()[1] == [m, PAD_INDEX, PAD_INDEX, PAD_INDEX]
    assert vocab.encode(tokens[:1], max_len=2, truncating="pre").tolist() == [[m, p]]


def test_state_round_trip_and_unfitted() -> None:
    vocab = Vocabulary(max_words=10, min_count=1).fit(TRAIN)
    again = Vocabulary.from_state(vocab.get_state())
    assert again.index_ == vocab.index_ and again.max_words == 10
    with pytest.raises(RuntimeError, match="not fitted"):
        Vocabulary().encode([["a"]], 3)


def test_tfidf_features_use_whitespace_tokens_and_bigrams() -> None:
    features = tfidf_features(ngram_max=2).fit(["good movie !", "bad movie"])
    names = set(features.named_steps["counts"].get_feature_names_out())
    assert {"good", "!", "good movie", "movie !"} <= names
    matrix = features.transform(["good movie"])
    assert matrix.shape[0] == 1 and np.isclose(np.linalg.norm(matrix.toarray()), 1.0)


def test_with_ngrams_follow_their_last_word() -> None:
    assert with_ngrams(["a", "b", "c"], 1) == ["a", "b", "c"]
    assert with_ngrams(["a", "b", "c"], 2) == ["a", "b", "a_b", "c", "b_c"]
    assert with_ngrams(["a", "b", "c"], 3) == ["a", "b", "a_b", "c", "b_c", "a_b_c"]
    assert with_ngrams([], 2) == []
