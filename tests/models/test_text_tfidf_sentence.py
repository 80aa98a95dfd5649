"""tfidf-minilm-lr: TF-IDF counts joined with real MiniLM embeddings, its checked folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import skops.io

from sentcast.config.text_models import TextModelParams
from sentcast.errors import DataError
from sentcast.models.persistence import SKLEARN_FILE
from sentcast.models.text import load_text_classifier, make_text_model
from sentcast.models.text_scorer import ClassifierScorer
from sentcast.models.text_tfidf import TfidfClassifier
from sentcast.models.text_tfidf_sentence import TfidfSentenceClassifier
from sentcast.text.preprocess import TextPipeline
from sentcast.text.sentence import encode_sentences
from tests.models.test_text_embedding import LABELS, TEXTS, UNSEEN


def test_tfidf_minilm_lr_joins_counts_and_embeddings(tmp_path: Path) -> None:
    params = TextModelParams.model_validate({"sentence": {"weight": 2.0}, "tfidf": {"C": 10}})
    model = make_text_model("tfidf-minilm-lr", params, seed=0)
    assert isinstance(model, TfidfSentenceClassifier)
    assert (model.weight, model.C, model.ngram_max) == (2.0, 10, 1)
    model.fit(TEXTS, LABELS)
    features = model.features(UNSEEN)
    n_words = len(model.features_["counts"].vocabulary_)
    assert features.shape == (2, n_words + 384)
    counts = model.features_.transform(TextPipeline.preset("neural").transform(UNSEEN))
    np.testing.assert_array_equal(features[:, :n_words].toarray(), counts.toarray())
    np.testing.assert_allclose(
        features[:, n_words:].toarray(), 2.0 * encode_sentences(UNSEEN), rtol=1e-6
    )
    assert model.predict(UNSEEN) == ["positive", "negative"]  # the encoder decides
    assert model.score(TEXTS, LABELS) == 1.0
    folder = model.save(tmp_path / "m")
    loaded = load_text_classifier(folder)
    assert isinstance(loaded, TfidfSentenceClassifier) and loaded.get_params() == model.get_params()
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), model.predict_proba(TEXTS))
    assert ClassifierScorer(folder).score(["a happy and delightful day"])[0, 3] > 0


def test_tfidf_minilm_lr_checks_its_weight_and_its_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="weight"):
        TfidfSentenceClassifier(weight=0.0).fit(TEXTS, LABELS)
    folder = TfidfSentenceClassifier().fit(TEXTS, LABELS).save(tmp_path / "m")
    other = TfidfClassifier().fit(TEXTS, LABELS).save(tmp_path / "t")
    (folder / SKLEARN_FILE).write_bytes((other / SKLEARN_FILE).read_bytes())
    with pytest.raises(DataError, match="holds a Pipeline, not a dict"):
        load_text_classifier(folder)
    features_only = skops.io.dumps({"features": load_text_classifier(other).model_})
    (folder / SKLEARN_FILE).write_bytes(features_only)
    with pytest.raises(DataError, match="must hold the TF-IDF 'features' and the 'classifier'"):
        load_text_classifier(folder)
