"""Text classifiers on pre-trained embeddings: minilm-lr, glove-tfidf-lr.

* :class:`SentenceEmbeddingClassifier` (``minilm-lr``): frozen all-MiniLM-L6-v2 sentence
  embeddings (:func:`sentcast.text.sentence.encode_sentences`, cached by text hash) and a
  logistic regression. A saved folder holds the regression (``model.skops``) and names the
  encoder; the encoder itself is never copied.
* :class:`WordVectorClassifier` (``glove-tfidf-lr``): each text is the TF-IDF-weighted mean of
  its words' pre-trained vectors (the full GloVe 6B 50-d by default, or a user's GloVe /
  word2vec file), standardised, then a logistic regression. Words without a vector get no
  weight; their share of the training vocabulary is ``embedding_oov_rate_``. A saved folder
  holds the classifier (``model.skops``), the training vocabulary (``state.json``) with its idf
  and vectors (``arrays.npz``), so it predicts without the vectors' file.

``tfidf-minilm-lr`` (TF-IDF n-grams joined with the MiniLM embedding) is in
:mod:`sentcast.models.text_tfidf_sentence`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Self

import numpy as np
from pydantic import Field
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sentcast.config.text_models import EmbeddingConfig, SentenceConfig, TfidfConfig
from sentcast.errors import DataError
from sentcast.models.persistence import save_folder
from sentcast.models.text_classifier import (
    FeatureClassifier,
    TextModelState,
    check_labels,
    classes_of,
    config_from,
)
from sentcast.text.embeddings import NAMED_EMBEDDINGS, load_embeddings, named_vectors
from sentcast.text.preprocess import TextPipeline
from sentcast.text.sentence import encode_sentences
from sentcast.text.vectorize import OOV_TOKEN, PAD_TOKEN, Vocabulary, tfidf_features

logger = logging.getLogger(__name__)


class SentenceEmbeddingClassifier(FeatureClassifier):
    """Logistic regression on frozen sentence embeddings (``minilm-lr``).

    Parameters
    ----------
    model : str
        Sentence model (see :data:`sentcast.text.sentence.SENTENCE_MODELS`).
    batch_size : int
        Texts per forward pass of the encoder.
    C : float
        Inverse regularisation strength of the logistic regression.
    max_iter : int
        Solver iterations of the logistic regression.
    text : TextPipeline, optional
        Cleaning applied before encoding (default: none, the encoder reads the raw text).
    seed : int
        Random state of the logistic regression solver.
    """

    def __init__(
        self,
        model: str = "all-MiniLM-L6-v2",
        batch_size: int = 64,
        C: float = 1.0,
        max_iter: int = 1000,
        text: TextPipeline | None = None,
        seed: int = 0,
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.C = C
        self.max_iter = max_iter
        self.text = text
        self.seed = seed

    def check_params(self) -> None:
        """Raise ``ValueError`` naming every invalid hyper-parameter."""
        config_from(self, SentenceConfig, {f: f for f in ("model", "batch_size", "C", "max_iter")})

    def features(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """The sentence embeddings of ``texts`` (after the optional cleaning); ``progress``
        shows a bar (``fit`` does; ``predict`` does not, as it may run in worker processes)."""
        cleaned = self.text.transform(texts) if self.text is not None else list(texts)
        return encode_sentences(
            cleaned, model=self.model, batch_size=self.batch_size, progress=progress
        )

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        validation: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> Self:
        """Encode the training texts and fit the regression (``validation`` is unused)."""
        self.check_params()
        classes = classes_of(labels)
        regression = LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.seed)
        self.classifier_ = regression.fit(self.features(texts, progress=True), list(labels))
        self.classes_ = classes
        return self

    def save(self, path: str | Path) -> Path:
        """Write ``config.json`` (the encoder by name) and the regression."""
        self._check_fitted()
        state = TextModelState(classes=self.classes_).model_dump()
        return save_folder(
            path, self, self.saved_params(), state=state, sklearn_model=self.classifier_
        )

    @classmethod
    def load(cls, path: str | Path) -> SentenceEmbeddingClassifier:
        """Read a folder written by :meth:`save`, checking every file first."""
        folder, model = cls.open_folder(path)
        model.classes_ = folder.state(TextModelState).classes
        model.classifier_ = folder.sklearn_model(LogisticRegression)
        check_labels(folder.path, model.classifier_, model.classes_)
        return model


class WordVectorClassifier(FeatureClassifier):
    """TF-IDF-weighted mean of pre-trained word vectors, then logistic regression
    (``glove-tfidf-lr``).

    A word's weight in a text is ``(1 + log count) * idf`` (idf of the training texts; a word
    the training texts lack gets the largest idf, that of a word in no text). Words without a
    vector get no weight. With word vectors known by name, words the training texts lack are
    looked up too, so the model reads words it never saw in training; with a file, only the
    training vocabulary's vectors (kept in the saved folder) are used.

    Parameters
    ----------
    embeddings : str
        Word vectors known by name (``"glove-6b-50d"``) or a GloVe / word2vec file.
    embeddings_format : {"auto", "glove", "word2vec"}
        Format of an embeddings file.
    min_df : int
        Training words found in fewer training texts are treated as unseen.
    C : float
        Inverse regularisation strength of the logistic regression.
    max_iter : int
        Solver iterations of the logistic regression.
    text : TextPipeline, optional
        Cleaning / tokenising (default: the ``"neural"`` preset, which lower-cases like GloVe).
    seed : int
        Random state of the logistic regression solver.
    """

    def __init__(
        self,
        embeddings: str = "glove-6b-50d",
        embeddings_format: Literal["auto", "glove", "word2vec"] = "auto",
        min_df: int = 1,
        C: float = 1.0,
        max_iter: int = 1000,
        text: TextPipeline | None = None,
        seed: int = 0,
    ) -> None:
        self.embeddings = embeddings
        self.embeddings_format = embeddings_format
        self.min_df = min_df
        self.C = C
        self.max_iter = max_iter
        self.text = text
        self.seed = seed

    def check_params(self) -> None:
        """Raise ``ValueError`` naming every invalid hyper-parameter."""
        config_from(self, EmbeddingConfig, {"embeddings_format": "format"})
        config_from(self, TfidfConfig, {"min_df": "min_df", "C": "C", "max_iter": "max_iter"})

    def _counts(self, texts: Sequence[str]) -> tuple[list[str], sparse.csr_matrix]:
        """The words of ``texts`` and the ``(1 + log count)`` matrix, texts x words."""
        counter = CountVectorizer(token_pattern=r"\S+", lowercase=False, dtype=np.float32)
        tokens = self._pipeline_or_default().transform(texts)
        try:
            counts = sparse.csr_matrix(counter.fit_transform(tokens))
        except ValueError:  # no word at all ("empty vocabulary")
            return [], sparse.csr_matrix((len(texts), 0), dtype=np.float32)
        counts.data = 1.0 + np.log(counts.data)
        return list(counter.get_feature_names_out()), counts

    def _word_table(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Vectors and weights (idf; 0 without a vector) of ``words``."""
        index = {word: i for i, word in enumerate(self.words_)}
        at = np.array([index.get(word, -1) for word in words], dtype=np.int64)
        known = at >= 0
        vectors = np.zeros((len(words), self.vectors_.shape[1]), dtype=np.float32)
        vectors[known] = self.vectors_[at[known]]
        has_vector = np.zeros(len(words), dtype=bool)
        has_vector[known] = self.has_vector_[at[known]]
        idf = np.full(len(words), self.unseen_idf_, dtype=np.float32)
        idf[known] = self.idf_[at[known]]
        unseen = np.flatnonzero(~known)
        if self.embeddings in NAMED_EMBEDDINGS and len(unseen):
            extra, found = named_vectors(self.embeddings, [words[i] for i in unseen])
            vectors[unseen], has_vector[unseen] = extra, found
        return vectors, np.where(has_vector, idf, 0.0)

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """The weighted mean word vector of each text (zeros when no word has a vector)."""
        words, counts = self._counts(texts)
        vectors, weight = self._word_table(words)
        weights = counts @ sparse.diags(weight)
        total = np.asarray(weights.sum(axis=1)).ravel()
        return np.asarray(weights @ vectors) / np.where(total > 0, total, 1.0)[:, None]

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        validation: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> Self:
        """Fit the idf weights, look up the vocabulary's vectors and fit the regression
        (``validation`` is unused)."""
        self.check_params()
        classes = classes_of(labels)
        features = tfidf_features(1, None, self.min_df, sublinear_tf=True)
        features.fit(self._pipeline_or_default().transform(texts))
        self.words_ = list(features["counts"].get_feature_names_out())
        self.idf_ = features["tfidf"].idf_.astype(np.float32)
        self.unseen_idf_ = float(np.log(len(texts) + 1.0) + 1.0)  # smooth idf of df = 0
        words = [PAD_TOKEN, OOV_TOKEN, *self.words_]
        vocab = Vocabulary.from_state({"max_words": len(words), "min_count": 1, "words": words})
        matrix = load_embeddings(self.embeddings, vocab, self.embeddings_format, self.seed)
        self.has_vector_ = matrix.has_vector[2:].copy()
        self.vectors_ = np.where(self.has_vector_[:, None], matrix.vectors[2:], 0.0).astype(
            np.float32
        )
        self.embedding_oov_rate_ = matrix.oov_rate
        if not self.has_vector_.any():
            raise DataError(f"no training word has a vector in {self.embeddings}")
        regression = LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.seed)
        self.classifier_ = make_pipeline(StandardScaler(), regression).fit(
            self.features(texts), list(labels)
        )
        self.classes_ = classes
        return self

    def save(self, path: str | Path) -> Path:
        """Write ``config.json``, the vocabulary, its idf and vectors, and the classifier."""
        self._check_fitted()
        state = WordVectorState(
            classes=self.classes_,
            words=self.words_,
            unseen_idf=self.unseen_idf_,
            embedding_oov_rate=self.embedding_oov_rate_,
        ).model_dump()
        arrays = {"idf": self.idf_, "vectors": self.vectors_, "has_vector": self.has_vector_}
        params = self.saved_params()
        return save_folder(
            path, self, params, state=state, arrays=arrays, sklearn_model=self.classifier_
        )

    @classmethod
    def load(cls, path: str | Path) -> WordVectorClassifier:
        """Read a folder written by :meth:`save`, checking every file first."""
        folder, model = cls.open_folder(path)
        state = folder.state(WordVectorState)
        classifier = folder.sklearn_model(Pipeline)
        arrays = folder.arrays()
        idf, vectors, has_vector = (arrays.get(k) for k in ("idf", "vectors", "has_vector"))
        n_words = len(state.words)
        if (
            idf is None
            or vectors is None
            or has_vector is None
            or idf.shape != (n_words,)
            or vectors.ndim != 2
            or vectors.shape[0] != n_words
            or has_vector.shape != (n_words,)
            or has_vector.dtype != np.bool_
        ):
            raise DataError(f"{folder.path}: arrays.npz does not match the vocabulary")
        check_labels(folder.path, classifier, state.classes)
        model.classes_, model.classifier_ = state.classes, classifier
        model.words_, model.unseen_idf_ = state.words, state.unseen_idf
        model.idf_, model.vectors_ = idf.astype(np.float32), vectors.astype(np.float32)
        model.has_vector_ = has_vector
        model.embedding_oov_rate_ = state.embedding_oov_rate
        return model


class WordVectorState(TextModelState):
    """``state.json`` of a saved :class:`WordVectorClassifier`."""

    words: list[str]
    unseen_idf: float = Field(gt=0)
    embedding_oov_rate: float = Field(ge=0, le=1)
