from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from sentcast.errors import UserInputError
from sentcast.models.text_scorer import ClassifierScorer
from sentcast.models.text_tfidf import TfidfClassifier
from sentcast.sentiment.scorer import Scorer

POS = ["good great love it", "awesome wonderful day", "love this great thing", "nice good fun"]
NEG = ["bad awful hate it", "terrible horrible day", "hate this awful thing", "sad bad boring"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = TfidfClassifier().fit(POS + NEG, ["positive"] * 4 + ["negative"] * 4)
    return model.save(tmp_path_factory.mktemp("m") / "lr")


def test_scores_follow_the_classifier(model_dir: Path) -> None:
    scorer = ClassifierScorer(model_dir)
    assert isinstance(scorer, Scorer)
    texts = ["great love", "", "awful hate", "   "]
    rows = scorer.score(texts)
    assert rows.shape == (4, 4)
    assert np.isnan(rows[1]).all() and np.isnan(rows[3]).all()
    model = scorer.model()
    proba = model.predict_proba(["great love", "awful hate"])
    pos, neg = model.classes_.index("positive"), model.classes_.index("negative")
    np.testing.assert_allclose(rows[[0, 2], 3], np.round(proba[:, pos] - proba[:, neg], 4))
    assert rows[0, 3] > 0 > rows[2, 3]
    np.testing.assert_array_equal(rows[[0, 2], 1], 0.0)  # binary model: no neutral class


def test_pickles_without_the_model(model_dir: Path) -> None:
    scorer = ClassifierScorer(model_dir)
    scorer.score(["good"])
    clone = pickle.loads(pickle.dumps(scorer))
    assert clone.name == scorer.name and clone._model is None
    np.testing.assert_array_equal(clone.score(["good"]), scorer.score(["good"]))


def test_rejects_non_sentiment_models_and_missing_dirs(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="not a saved text classifier"):
        ClassifierScorer(tmp_path / "absent")
    topic = TfidfClassifier().fit(POS + NEG, ["sport"] * 4 + ["news"] * 4).save(tmp_path / "t")
    with pytest.raises(UserInputError, match="not a sentiment model"):
        ClassifierScorer(topic).score(["x"])
    svm = TfidfClassifier(method="svm").fit(POS + NEG, ["positive"] * 4 + ["negative"] * 4)
    with pytest.raises(UserInputError, match="TfidfClassifier gives no class probabilities"):
        ClassifierScorer(svm.save(tmp_path / "svm"))
