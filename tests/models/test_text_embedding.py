"""minilm-lr and glove-tfidf-lr: real pre-trained vectors, data-only folders, sentiment scores."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sentcast.errors import DataError
from sentcast.models.persistence import SKLEARN_FILE
from sentcast.models.text import load_text_classifier, make_text_model
from sentcast.models.text_classifier import TextClassifier
from sentcast.models.text_embedding import SentenceEmbeddingClassifier, WordVectorClassifier
from sentcast.models.text_scorer import ClassifierScorer

POS = [
    "what a wonderful day, I am so happy",
    "this movie was great, loved every minute",
    "excellent service and friendly people",
    "best purchase ever, really pleased",
    "fantastic news, congratulations to the team",
    "I enjoyed the concert, brilliant music",
]
NEG = [
    "what a terrible day, I am so sad",
    "this movie was awful, hated every minute",
    "horrible service and rude people",
    "worst purchase ever, really disappointed",
    "tragic news, my condolences to the family",
    "I hated the concert, dreadful noise",
]
TEXTS = POS + NEG
LABELS = ["positive"] * len(POS) + ["negative"] * len(NEG)
UNSEEN = ["a lovely and delightful evening", "a miserable and painful evening"]


@pytest.fixture(scope="module")
def minilm(tmp_path_factory: pytest.TempPathFactory) -> tuple[SentenceEmbeddingClassifier, Path]:
    model = make_text_model("minilm-lr", seed=0).fit(TEXTS, LABELS)
    assert isinstance(model, SentenceEmbeddingClassifier)
    return model, model.save(tmp_path_factory.mktemp("minilm") / "m")


def test_minilm_lr_generalises_to_unseen_words(
    minilm: tuple[SentenceEmbeddingClassifier, Path],
) -> None:
    model, _ = minilm
    # none of the words of UNSEEN occur in the training texts: only the encoder knows them
    assert model.predict(UNSEEN) == ["positive", "negative"]
    assert model.score(TEXTS, LABELS) == 1.0


def test_minilm_lr_folder_names_the_encoder_and_round_trips(
    minilm: tuple[SentenceEmbeddingClassifier, Path],
) -> None:
    model, folder = minilm
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert config["params"]["model"] == "all-MiniLM-L6-v2"
    assert sum(f.stat().st_size for f in folder.iterdir()) < 100_000  # the encoder is not copied
    loaded = load_text_classifier(folder)
    assert isinstance(loaded, SentenceEmbeddingClassifier)
    np.testing.assert_allclose(loaded.predict_proba(UNSEEN), model.predict_proba(UNSEEN))


def check_scorer(model: TextClassifier, folder: Path) -> None:
    """The saved ``folder`` of ``model`` scores UNSEEN as P(positive) - P(negative), and an
    empty text as NaN."""
    rows = ClassifierScorer(folder).score([*UNSEEN, ""])
    proba = model.predict_proba(UNSEEN)
    np.testing.assert_allclose(rows[:2, 3], np.round(proba[:, 1] - proba[:, 0], 4))
    assert rows[0, 3] > 0 > rows[1, 3]
    assert np.isnan(rows[2]).all()


def test_minilm_lr_as_sentiment_scorer(minilm: tuple[SentenceEmbeddingClassifier, Path]) -> None:
    check_scorer(*minilm)


def test_glove_tfidf_lr_uses_full_glove_and_reports_oov(tmp_path: Path) -> None:
    model = make_text_model("glove-tfidf-lr").fit([*TEXTS, "qzxv wibblor"], [*LABELS, "positive"])
    assert isinstance(model, WordVectorClassifier)
    assert model.embeddings == "glove-6b-50d"
    words = len(model.has_vector_)
    assert model.embedding_oov_rate_ == pytest.approx(2 / words)  # qzxv, wibblor
    assert model.predict(UNSEEN) == ["positive", "negative"]
    loaded = load_text_classifier(model.save(tmp_path / "g"))
    assert isinstance(loaded, WordVectorClassifier)
    assert loaded.embedding_oov_rate_ == model.embedding_oov_rate_
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), model.predict_proba(TEXTS))


def test_glove_tfidf_lr_with_a_user_file(tmp_path: Path) -> None:
    glove = tmp_path / "vectors.txt"
    glove.write_text("good 1 0\ngreat 0.9 0.1\nbad -1 0\nawful -0.9 -0.1\n", encoding="utf-8")
    texts = ["good", "great good", "bad", "awful bad", "unknown"]
    labels = ["positive", "positive", "negative", "negative", "negative"]
    model = WordVectorClassifier(str(glove), C=10.0).fit(texts, labels)
    assert model.vectors_.shape == (5, 2)  # the training vocabulary, "unknown" a zero row
    assert model.embedding_oov_rate_ == pytest.approx(1 / 5)
    assert model.predict(["great", "awful"]) == ["positive", "negative"]
    # a text without any known word is the zero vector, not NaN
    assert np.isfinite(model.predict_proba(["nothing known here"])).all()


def test_glove_tfidf_lr_without_any_known_word(tmp_path: Path) -> None:
    glove = tmp_path / "vectors.txt"
    glove.write_text("zebra 1 0\n", encoding="utf-8")
    with pytest.raises(DataError, match="no training word has a vector"):
        WordVectorClassifier(str(glove)).fit(["a b", "c d"], ["x", "y"])


def test_glove_tfidf_lr_folder_with_mismatched_arrays(tmp_path: Path) -> None:
    model = make_text_model("glove-tfidf-lr").fit(TEXTS, LABELS)
    folder = model.save(tmp_path / "g")
    np.savez(folder / "arrays.npz", idf=np.ones(3), vectors=np.zeros((3, 50)))
    with pytest.raises(DataError, match=r"arrays\.npz does not match the vocabulary"):
        load_text_classifier(folder)
    (folder / SKLEARN_FILE).write_bytes(b"junk")
    with pytest.raises(DataError, match="not a readable skops file"):
        load_text_classifier(folder)
