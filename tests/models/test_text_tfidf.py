"""TF-IDF classifiers: the logistic regression's sentiment score, the SVM without probabilities."""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.exceptions import NotFittedError

from sentcast.errors import UserInputError
from sentcast.models.text import load_text_classifier, make_text_model
from tests.models.test_text import LABELS, TEXTS, TINY


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
