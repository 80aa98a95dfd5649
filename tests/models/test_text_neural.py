"""Neural text classifiers: softmax and seeds, validation labels, embeddings, word n-grams."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sentcast.config.text_models import EmbeddingConfig, SequenceConfig
from sentcast.errors import UserInputError
from sentcast.models.text import load_text_classifier, make_text_model
from sentcast.models.text_neural import NeuralTextClassifier
from tests.models.test_text import LABELS, TEXTS, TINY


def test_multiclass_neural_softmax_and_seeded() -> None:
    labels = ["a", "b", "c", "a", "b", "c", "a", "b", "c", "a"]
    first = make_text_model("lstm", TINY, seed=3).fit(TEXTS, labels)
    again = make_text_model("lstm", TINY, seed=3).fit(TEXTS, labels)
    proba = first.predict_proba(TEXTS)
    assert proba.shape == (10, 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(proba, again.predict_proba(TEXTS))
    with pytest.raises(UserInputError, match="not a sentiment model"):
        first.sentiment_score(TEXTS)


def test_validation_rows_with_unseen_labels_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    model = make_text_model("cnn", TINY)
    model.fit(TEXTS, LABELS, (TEXTS[:3], ["positive", "neutral", "negative"]))
    assert "1 of 3 validation texts dropped" in caplog.text
    assert len(model.history_.val_loss) == 1  # the two known rows still drive early stopping


def test_embeddings_default_to_word2vec_trained_on_the_texts(tmp_path: Path) -> None:
    trained = make_text_model("lstm", TINY).fit(TEXTS, LABELS)
    assert trained.embedding_oov_rate_ == 0.0  # every training word has a word2vec vector
    no_w2v = TINY.model_copy(update={"embeddings": EmbeddingConfig(word2vec=False)})
    random = make_text_model("lstm", no_w2v).fit(TEXTS, LABELS)
    assert np.isnan(random.embedding_oov_rate_)
    # the rate survives a save (as JSON null when there are no vectors)
    loaded = load_text_classifier(random.save(tmp_path / "random"))
    assert isinstance(loaded, NeuralTextClassifier) and np.isnan(loaded.embedding_oov_rate_)
    loaded = load_text_classifier(trained.save(tmp_path / "trained"))
    assert isinstance(loaded, NeuralTextClassifier) and loaded.embedding_oov_rate_ == 0.0


def test_word_bigrams_become_tokens_of_the_vocabulary(tmp_path: Path) -> None:
    bigrams = TINY.model_copy(update={"sequence": SequenceConfig(max_words=80, ngrams=2)})
    model = make_text_model("fasttext", bigrams).fit(TEXTS, LABELS)
    assert {"great", "fun_movie", "a_great"} <= set(model.vocab_.words)
    model.save(tmp_path / "m")
    loaded = load_text_classifier(tmp_path / "m")
    assert loaded.predict_proba(TEXTS) == pytest.approx(model.predict_proba(TEXTS))
    unigrams = make_text_model("fasttext", TINY).fit(TEXTS, LABELS)
    assert not any("_" in w for w in unigrams.vocab_.words[2:])
