"""Text classifiers: fit / predict / save / load round trip, probabilities, sentiment score."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sentcast.errors import DataError, UserInputError
from sentcast.models.baselines import NaiveForecaster
from sentcast.models.text import (
    MODELS,
    EmbeddingConfig,
    NetworkConfig,
    NeuralTextClassifier,
    SequenceConfig,
    TextModelParams,
    load_text_classifier,
    make_text_model,
)
from sentcast.models.training import TrainingConfig

POS = ["great fun movie", "a great plot", "fun and great", "loved it great", "great acting fun"]
NEG = [
    "awful boring movie",
    "a boring plot",
    "awful and dull",
    "hated it awful",
    "dull awful acting",
]
TEXTS = POS + NEG
LABELS = ["positive"] * 5 + ["negative"] * 5

TINY = TextModelParams(
    sequence=SequenceConfig(max_words=50, max_len=6),
    network=NetworkConfig(embed_dim=8, hidden=8, filters=4, kernel_sizes=[2, 3], pool_size=2),
    train=TrainingConfig(epochs=1, batch_size=4, patience=1, device="cpu"),
)


#: Models with class probabilities (all but the linear SVM).
PROBABILISTIC = [name for name in MODELS if name != "tfidf-svm"]


@pytest.mark.parametrize("name", PROBABILISTIC)
def test_save_load_round_trip(name: str, tmp_path: Path) -> None:
    model = make_text_model(name, TINY, seed=0).fit(TEXTS, LABELS, (TEXTS[:4], LABELS[:4]))
    assert model.classes_ == ["negative", "positive"]
    proba = model.predict_proba(["great fun", "awful dull", "unseen words"])
    assert proba.shape == (3, 2)
    assert np.allclose(proba.sum(axis=1), 1.0)
    model.save(tmp_path / "m")
    loaded = load_text_classifier(tmp_path / "m")
    assert type(loaded) is type(model)
    assert np.allclose(loaded.predict_proba(TEXTS), model.predict_proba(TEXTS))
    assert loaded.predict(TEXTS) == model.predict(TEXTS)
    assert model.predict_proba([]).shape == (0, 2) and model.predict([]) == []


def test_tfidf_lr_learns_and_scores_sentiment() -> None:
    model = make_text_model("tfidf-lr", TINY).fit(TEXTS, LABELS)
    assert model.predict(["great fun", "awful dull"]) == ["positive", "negative"]
    score = model.sentiment_score(["great fun", "awful dull"])
    assert score[0] > 0 > score[1]
    proba = model.predict_proba(["great fun"])
    assert score[0] == pytest.approx(proba[0, 1] - proba[0, 0])


def test_tfidf_svm_predicts_without_probabilities(tmp_path: Path) -> None:
    model = make_text_model("tfidf-svm", TINY)
    assert not hasattr(model, "predict_proba")  # like LinearSVC, before and after fit
    with pytest.raises(NotFittedError):
        model.predict(TEXTS)
    model.fit(TEXTS, LABELS)
    assert not hasattr(model, "predict_proba")
    assert model.predict(["great fun", "awful dull"]) == ["positive", "negative"]
    assert model.predict([]) == [] and model.score(TEXTS, LABELS) == 1.0
    with pytest.raises(UserInputError, match="gives no class probabilities"):
        model.sentiment_score(["great fun"])
    loaded = load_text_classifier(model.save(tmp_path / "svm"))
    assert loaded.get_params() == model.get_params() and loaded.classes_ == model.classes_
    texts = [*TEXTS, "unseen words"]
    assert loaded.predict(texts) == model.predict(texts)
    topics = ["sport", "news", "art"]
    three = make_text_model("tfidf-svm").fit(
        [f"{t} {w}" for t in topics for w in ("a", "b", "c")], [t for t in topics for _ in range(3)]
    )
    assert three.predict(["news x", "art y", "sport z"]) == ["news", "art", "sport"]


def test_multiclass_neural_softmax_and_seeded() -> None:
    labels = ["a", "b", "c", "a", "b", "c", "a", "b", "c", "a"]
    first = make_text_model("lstm", TINY, seed=3).fit(TEXTS, labels)
    again = make_text_model("lstm", TINY, seed=3).fit(TEXTS, labels)
    proba = first.predict_proba(TEXTS)
    assert proba.shape == (10, 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(proba, again.predict_proba(TEXTS))
    with pytest.raises(UserInputError, match="not a sentiment model"):
        first.sentiment_score(TEXTS)


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="unknown text model"):
        make_text_model("svm")
    with pytest.raises(DataError, match="at least 2 classes"):
        make_text_model("tfidf-lr").fit(TEXTS, ["x"] * 10)
    neural = make_text_model("cnn", TINY)
    with pytest.raises(NotFittedError, match="not fitted"):
        neural.predict(TEXTS)
    NaiveForecaster().fit(np.zeros((3, 2, 4)), np.zeros(3)).save(tmp_path / "other")
    with pytest.raises(UserInputError, match="not a text classifier; it holds a forecaster"):
        load_text_classifier(tmp_path / "other")


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
