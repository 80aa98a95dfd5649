"""Text classifier on TF-IDF n-grams joined with sentence embeddings: tfidf-minilm-lr.

:class:`TfidfSentenceClassifier` (``tfidf-minilm-lr``): the TF-IDF n-grams of the cleaned text
next to the MiniLM embedding of the raw text (:func:`sentcast.text.sentence.encode_sentences`),
one logistic regression on both (word statistics of the domain plus an encoder that knows words
the training texts lack). A saved folder holds the TF-IDF features and the regression
(``model.skops``) and names the encoder; the encoder itself is never copied.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Self

from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from sentcast.config.text_models import SentenceConfig, TfidfConfig
from sentcast.errors import DataError
from sentcast.models.persistence import save_folder
from sentcast.models.text_classifier import (
    FeatureClassifier,
    TextModelState,
    check_labels,
    classes_of,
    config_from,
)
from sentcast.text.preprocess import TextPipeline
from sentcast.text.sentence import encode_sentences
from sentcast.text.vectorize import tfidf_features


class TfidfSentenceClassifier(FeatureClassifier):
    """Logistic regression on TF-IDF n-grams joined with frozen sentence embeddings
    (``tfidf-minilm-lr``).

    Parameters
    ----------
    model : str
        Sentence model (see :data:`sentcast.text.sentence.SENTENCE_MODELS`); it reads the raw
        text.
    batch_size : int
        Texts per forward pass of the encoder.
    weight : float
        Scale of the embedding columns (TF-IDF rows and MiniLM embeddings both have unit
        length, so 1 weighs them alike).
    ngram_max, max_features, min_df : int
        TF-IDF features (see :class:`TfidfConfig`).
    C : float
        Inverse regularisation strength of the logistic regression.
    max_iter : int
        Solver iterations of the logistic regression.
    text : TextPipeline, optional
        Cleaning / tokenising before counting (default: the ``"neural"`` preset).
    seed : int
        Random state of the logistic regression solver.
    """

    def __init__(
        self,
        model: str = "all-MiniLM-L6-v2",
        batch_size: int = 64,
        weight: float = 1.0,
        ngram_max: int = 1,
        max_features: int | None = None,
        min_df: int = 1,
        C: float = 1.0,
        max_iter: int = 1000,
        text: TextPipeline | None = None,
        seed: int = 0,
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.weight = weight
        self.ngram_max = ngram_max
        self.max_features = max_features
        self.min_df = min_df
        self.C = C
        self.max_iter = max_iter
        self.text = text
        self.seed = seed

    def check_params(self) -> None:
        """Raise ``ValueError`` naming every invalid hyper-parameter."""
        config_from(self, SentenceConfig, {f: f for f in ("model", "batch_size", "weight")})
        tfidf_params = ("ngram_max", "max_features", "min_df", "C", "max_iter")
        config_from(self, TfidfConfig, {f: f for f in tfidf_params})

    def features(self, texts: Sequence[str], progress: bool = False) -> sparse.csr_matrix:
        """TF-IDF columns, then ``weight`` x the sentence embedding; one row per text."""
        counts = self.features_.transform(self._pipeline_or_default().transform(texts))
        return self._join(counts, texts, progress)

    def _join(
        self, counts: sparse.spmatrix, texts: Sequence[str], progress: bool
    ) -> sparse.csr_matrix:
        embedded = encode_sentences(
            list(texts), model=self.model, batch_size=self.batch_size, progress=progress
        )
        return sparse.hstack([counts, sparse.csr_matrix(self.weight * embedded)], format="csr")

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        validation: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> Self:
        """Fit the TF-IDF features, encode the texts and fit the regression (``validation``
        is unused)."""
        self.check_params()
        classes = classes_of(labels)
        features = tfidf_features(self.ngram_max, self.max_features, self.min_df)
        counts = features.fit_transform(self._pipeline_or_default().transform(texts))
        regression = LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.seed)
        self.classifier_ = regression.fit(self._join(counts, texts, True), list(labels))
        self.features_, self.classes_ = features, classes
        return self

    def save(self, path: str | Path) -> Path:
        """Write ``config.json`` (the encoder by name), the TF-IDF features and the regression."""
        self._check_fitted()
        state = TextModelState(classes=self.classes_).model_dump()
        parts = {"features": self.features_, "classifier": self.classifier_}
        return save_folder(path, self, self.saved_params(), state=state, sklearn_model=parts)

    @classmethod
    def load(cls, path: str | Path) -> TfidfSentenceClassifier:
        """Read a folder written by :meth:`save`, checking every file first."""
        folder, model = cls.open_folder(path)
        parts = folder.sklearn_model(dict)
        features, classifier = parts.get("features"), parts.get("classifier")
        if not isinstance(features, Pipeline) or not isinstance(classifier, LogisticRegression):
            raise DataError(
                f"{folder.path}: model.skops must hold the TF-IDF 'features' and the 'classifier'"
            )
        model.classes_ = folder.state(TextModelState).classes
        check_labels(folder.path, classifier, model.classes_)
        model.features_, model.classifier_ = features, classifier
        return model
