"""Every text classifier is a scikit-learn estimator: params, clone, CV, Pipeline, not-fitted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sentcast.config.text_models import MODELS
from sentcast.models.text import load_text_classifier, make_text_model
from sentcast.models.text_neural import NeuralTextClassifier
from sentcast.models.text_tfidf import TfidfClassifier
from sentcast.text.preprocess import TextPipeline
from tests.models.test_text import LABELS, TEXTS, TINY


@pytest.mark.parametrize("name", MODELS)
def test_params_clone_and_not_fitted(name: str) -> None:
    model = make_text_model(name, TINY, seed=2)
    params = model.get_params(deep=True)
    assert params == model.get_params(deep=False)
    assert params["seed"] == 2
    assert all(not isinstance(v, dict) for v in params.values())  # flat hyper-parameters
    copy = clone(model)
    assert type(copy) is type(model) and copy.get_params() == params
    assert copy.set_params(seed=5) is copy and copy.seed == 5 and model.seed == 2
    with pytest.raises(NotFittedError):
        model.predict(TEXTS)
    with pytest.raises(NotFittedError):
        model.save("never-written")
    assert not Path("never-written").exists()


def test_repr_shows_the_changed_parameters() -> None:
    assert repr(TfidfClassifier()) == "TfidfClassifier()"
    assert repr(TfidfClassifier(C=3.0, ngram_max=2)) == "TfidfClassifier(C=3.0, ngram_max=2)"
    assert "architecture='cnn'" in repr(NeuralTextClassifier("cnn", hidden=8))


def test_clone_of_a_fitted_model_is_unfitted() -> None:
    fitted = TfidfClassifier().fit(TEXTS, LABELS)
    assert fitted.score(TEXTS, LABELS) == 1.0
    with pytest.raises(NotFittedError):
        clone(fitted).predict(TEXTS)


def test_constructor_only_stores_and_fit_checks() -> None:
    bad = TfidfClassifier(C=-1.0, min_df=0)  # scikit-learn rule: no check in __init__
    with pytest.raises(ValueError, match=r"min_df: must be >= 1.*C: must be > 0"):
        bad.fit(TEXTS, LABELS)
    with pytest.raises(ValueError, match="unknown architecture 'rnn'"):
        NeuralTextClassifier("rnn").fit(TEXTS, LABELS)
    with pytest.raises(ValueError, match="hidden: must be > 0"):
        NeuralTextClassifier("lstm", hidden=0).fit(TEXTS, LABELS)


def test_cross_val_score_pipeline_and_grid_search() -> None:
    scores = cross_val_score(TfidfClassifier(), TEXTS, LABELS, cv=5)
    assert scores.shape == (5,) and scores.mean() >= 0.8
    upper = FunctionTransformer(lambda texts: [t.upper() for t in texts])
    pipe = make_pipeline(upper, TfidfClassifier(text=TextPipeline(lowercase=True)))
    pipe.fit(TEXTS, LABELS)
    assert pipe.predict(["GREAT fun", "awful DULL"]) == ["positive", "negative"]
    assert pipe.score(TEXTS, LABELS) == 1.0
    grid = GridSearchCV(TfidfClassifier(), {"C": [0.01, 10.0]}, cv=5).fit(TEXTS, LABELS)
    assert grid.best_params_["C"] in (0.01, 10.0)


def test_neural_model_in_cross_validation() -> None:
    model = make_text_model("cnn", TINY).set_params(word2vec=False)
    scores = cross_val_score(model, TEXTS, LABELS, cv=2)
    assert scores.shape == (2,) and np.isfinite(scores).all()
    assert not hasattr(model, "classes_")  # cross_val_score fitted clones


@pytest.mark.parametrize("name", ["tfidf-lr", "cnn"])
def test_folders_with_nested_params_are_read(name: str, tmp_path: Path) -> None:
    """Folders written before the parameters were flat (nested config objects)."""
    model = make_text_model(name, TINY).fit(TEXTS, LABELS)
    folder = model.save(tmp_path / "m")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if name == "tfidf-lr":
        nested = {"method": "lr", "tfidf": TINY.tfidf.model_dump()}
    else:
        embeddings = TINY.embeddings.model_dump(exclude={"name"})
        nested = {
            "architecture": "cnn",
            "sequence": TINY.sequence.model_dump(),
            "network": TINY.network.model_dump(),
            "embeddings": embeddings,
            "train": TINY.train.model_dump(),
        }
    config["params"] = {**nested, "text": TINY.text.model_dump(), "seed": 0}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    loaded = load_text_classifier(folder)
    assert loaded.get_params() == model.get_params() | {"text": TINY.text}
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), model.predict_proba(TEXTS))
