"""TF-IDF features with a logistic regression, a KNN or a linear SVM (``tfidf-lr``,
``tfidf-knn``, ``tfidf-svm``).

A saved folder holds the fitted scikit-learn pipeline (``model.skops``) and the labels
(``state.json``). The linear SVM has no probabilities: like scikit-learn's ``LinearSVC`` it has
no ``predict_proba`` attribute, and it cannot be a sentiment scorer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.metaestimators import available_if

from sentcast.config.text_models import TfidfConfig
from sentcast.models.persistence import save_folder
from sentcast.models.text_classifier import (
    TextClassifier,
    TextModelState,
    check_labels,
    class_columns,
    classes_of,
    config_from,
)
from sentcast.text.preprocess import TextPipeline
from sentcast.text.vectorize import tfidf_features


def _has_proba(model: TfidfClassifier) -> bool:
    return model.method != "svm"


class TfidfClassifier(TextClassifier):
    """TF-IDF features with logistic regression (``method="lr"``), KNN (``"knn"``) or a linear
    SVM (``"svm"``, scikit-learn's ``LinearSVC``: no ``predict_proba``).

    Parameters
    ----------
    method : {"lr", "knn", "svm"}
        The classifier on top of ``CountVectorizer`` + ``TfidfTransformer``.
    ngram_max, max_features, min_df, C, max_iter, n_neighbors
        Feature and classifier hyper-parameters (see :class:`TfidfConfig`; ``C`` and
        ``max_iter`` serve the SVM too).
    text : TextPipeline, optional
        Cleaning / tokenising before counting (default: the ``"neural"`` preset).
    seed : int
        Random state of the logistic regression solver.
    """

    def __init__(
        self,
        method: Literal["lr", "knn", "svm"] = "lr",
        ngram_max: int = 1,
        max_features: int | None = None,
        min_df: int = 1,
        C: float = 1.0,
        max_iter: int = 1000,
        n_neighbors: int = 7,
        text: TextPipeline | None = None,
        seed: int = 0,
    ) -> None:
        self.method = method
        self.ngram_max = ngram_max
        self.max_features = max_features
        self.min_df = min_df
        self.C = C
        self.max_iter = max_iter
        self.n_neighbors = n_neighbors
        self.text = text
        self.seed = seed

    def check_params(self) -> None:
        """Raise ``ValueError`` naming every invalid hyper-parameter."""
        if self.method not in ("lr", "knn", "svm"):
            raise ValueError(f"method: must be 'lr', 'knn' or 'svm', got {self.method!r}")
        config_from(self, TfidfConfig)

    def _pipeline(self) -> Pipeline:
        cfg = config_from(self, TfidfConfig)
        features = tfidf_features(cfg.ngram_max, cfg.max_features, cfg.min_df)
        clf: Any
        if self.method == "lr":
            clf = LogisticRegression(C=cfg.C, max_iter=cfg.max_iter, random_state=self.seed)
        elif self.method == "svm":
            clf = LinearSVC(C=cfg.C, max_iter=cfg.max_iter, random_state=self.seed)
        else:
            clf = KNeighborsClassifier(n_neighbors=cfg.n_neighbors)
        return Pipeline([*features.steps, ("clf", clf)])

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        validation: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> Self:
        """Fit the features and classifier on the training texts (``validation`` is unused)."""
        self.check_params()
        classes = classes_of(labels)
        text = self._pipeline_or_default()
        self.model_ = self._pipeline().fit(text.transform(texts), list(labels))
        self.classes_ = classes
        return self

    @available_if(_has_proba)
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities (KNN: share of the ``k`` neighbours per class; the SVM has
        none)."""
        self._check_fitted()
        if len(texts) == 0:
            return np.empty((0, len(self.classes_)))
        proba = self.model_.predict_proba(self._pipeline_or_default().transform(texts))
        return class_columns(proba, self.model_.classes_, self.classes_)

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable label of each text (the SVM: the largest margin)."""
        if _has_proba(self):
            return super().predict(texts)
        self._check_fitted()
        if len(texts) == 0:
            return []
        return [
            str(label)
            for label in self.model_.predict(self._pipeline_or_default().transform(texts))
        ]

    def save(self, path: str | Path) -> Path:
        """Write ``config.json`` and the fitted scikit-learn pipeline."""
        self._check_fitted()
        state = TextModelState(classes=self.classes_).model_dump()
        return save_folder(path, self, self.saved_params(), state=state, sklearn_model=self.model_)

    @classmethod
    def load(cls, path: str | Path) -> TfidfClassifier:
        """Read a folder written by :meth:`save`, checking every file first."""
        folder, model = cls.open_folder(path)
        model.classes_ = folder.state(TextModelState).classes
        model.model_ = folder.sklearn_model(Pipeline)
        check_labels(folder.path, model.model_, model.classes_)
        return model
