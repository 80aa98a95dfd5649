"""Text classifiers by name: every model's fit / predict / save / load round trip, bad inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sentcast.config.text_models import MODELS, NetworkConfig, SequenceConfig, TextModelParams
from sentcast.errors import DataError, UserInputError
from sentcast.models.baselines import NaiveForecaster
from sentcast.models.text import load_text_classifier, make_text_model
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


def test_the_classifiers_are_importable_from_here_too() -> None:
    """The documented ``sentcast.models.text`` imports of the classes that moved still work."""
    from sentcast.models import text, text_classifier, text_neural, text_tfidf

    assert text.TextClassifier is text_classifier.TextClassifier
    assert text.TfidfClassifier is text_tfidf.TfidfClassifier
    assert text.NeuralTextClassifier is text_neural.NeuralTextClassifier
