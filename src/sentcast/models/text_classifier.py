"""The common interface of the text classifiers and the pieces they share.

Every classifier is a scikit-learn estimator (``ClassifierMixin`` + ``BaseEstimator``): flat
hyper-parameters in the constructor, which only stores them (they are checked by ``fit``), so
``get_params`` / ``set_params`` / ``clone`` / ``cross_val_score`` / ``Pipeline`` work;
``NotFittedError`` before ``fit``; ``score`` is the accuracy. It accepts raw texts (its
:class:`~sentcast.text.preprocess.TextPipeline` cleans and tokenises them) and saves / loads
itself as a folder (see :mod:`sentcast.models.persistence`).

``predict_proba(texts)`` returns one column per class in ``classes_`` order and
``sentiment_score(texts)`` turns that into a learned sentiment score in ``[-1, 1]``
(``P(positive) - P(negative)``), the drop-in replacement for VADER's compound score.
:func:`config_from` turns an estimator's flat hyper-parameters back into the nested configs of
:mod:`sentcast.config.text_models`, which check them.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self, TypeVar

import numpy as np
import torch
from pydantic import Field, ValidationError, field_validator
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from sentcast.config.base import FrozenModel, format_validation_error
from sentcast.errors import DataError, UserInputError
from sentcast.models.persistence import CONFIG_FILE, ModelFolder
from sentcast.text.preprocess import TextPipeline

logger = logging.getLogger(__name__)

POSITIVE, NEGATIVE = "positive", "negative"

C = TypeVar("C", bound=FrozenModel)
#: Flat names of the :class:`~sentcast.config.text_models.EmbeddingConfig` fields in the neural
#: classifiers' constructor (besides ``embeddings``: the config's ``name`` or ``path``).
EMBEDDING_PARAMS = {
    "embeddings_format": "format",
    "word2vec": "word2vec",
    "word2vec_epochs": "word2vec_epochs",
    "freeze_embeddings": "freeze",
}


def config_from(estimator: BaseEstimator, cls: type[C], names: dict[str, str] | None = None) -> C:
    """The config ``cls`` built from the estimator's flat hyper-parameters.

    ``names`` maps parameter names to field names where they differ (default: the same names).

    Raises
    ------
    ValueError
        Naming every invalid hyper-parameter (scikit-learn checks parameters in ``fit``).
    """
    fields = names or {name: name for name in cls.model_fields}
    try:
        return cls.model_validate(
            {field: getattr(estimator, name) for name, field in fields.items()}
        )
    except ValidationError as exc:
        problems = format_validation_error(exc)
        for name, field in fields.items():
            if name != field:
                problems = problems.replace(f"{field}:", f"{name}:")
        raise ValueError(problems) from None


class TextClassifier(ClassifierMixin, BaseEstimator, ABC):
    """Common interface of the text classifiers (scikit-learn estimators on raw texts)."""

    classes_: list[str]

    @abstractmethod
    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        validation: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> Self:
        """Fit on training texts and labels; ``validation`` is used for early stopping."""

    @abstractmethod
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, shape ``(n_texts, n_classes)``, columns in ``classes_`` order."""

    @abstractmethod
    def save(self, path: str | Path) -> Path:
        """Write the fitted model to the folder ``path``."""

    @abstractmethod
    def check_params(self) -> None:
        """Raise ``ValueError`` naming every invalid hyper-parameter (called by ``fit``)."""

    def _check_fitted(self) -> None:
        check_is_fitted(self, "classes_")

    def _pipeline_or_default(self) -> TextPipeline:
        text: TextPipeline | None = getattr(self, "text", None)
        return text if text is not None else TextPipeline.preset("neural")

    def saved_params(self) -> dict[str, Any]:
        """Constructor hyper-parameters as JSON data (for ``config.json``)."""
        params = self.get_params(deep=False)
        return {
            name: value.model_dump() if isinstance(value, FrozenModel) else value
            for name, value in params.items()
        }

    @classmethod
    def open_folder(cls, path: str | Path) -> tuple[ModelFolder, Self]:
        """The opened folder and a new estimator from its parameters, checked.

        Folders saved before the parameters were flat (nested ``tfidf``, ``sequence``,
        ``network``, ``embeddings``, ``train`` objects) are read too.

        Raises
        ------
        DataError
            When the parameters do not match the constructor or are invalid.
        """
        folder = ModelFolder(path)
        folder.params = flat_params(folder.params)
        model = folder.build(cls)
        try:
            model.check_params()
        except ValueError as exc:
            raise DataError(f"{folder.path / CONFIG_FILE}: params.{exc}") from None
        return folder, model

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable label of each text."""
        proba = self.predict_proba(texts)
        return [self.classes_[i] for i in proba.argmax(axis=1)]

    def sentiment_score(self, texts: Sequence[str]) -> np.ndarray:
        """``P(positive) - P(negative)`` per text, in ``[-1, 1]``.

        Raises
        ------
        UserInputError
            If the model was not trained with ``positive`` and ``negative`` labels, or gives
            no probabilities.
        """
        self._check_fitted()
        check_sentiment_model(self, "not a sentiment model")
        proba = self.predict_proba(texts)
        return proba[:, self.classes_.index(POSITIVE)] - proba[:, self.classes_.index(NEGATIVE)]


class FeatureClassifier(TextClassifier):
    """A text classifier whose scikit-learn ``classifier_`` reads :meth:`features`."""

    classifier_: Any

    @abstractmethod
    def features(self, texts: Sequence[str]) -> Any:
        """The matrix ``classifier_`` reads, one row per text."""

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, one column per class in ``classes_`` order."""
        self._check_fitted()
        if len(texts) == 0:
            return np.empty((0, len(self.classes_)))
        proba = self.classifier_.predict_proba(self.features(texts))
        return class_columns(proba, self.classifier_.classes_, self.classes_)


class TextModelState(FrozenModel):
    """``state.json`` of a saved text model: its labels, sorted (all a TF-IDF model needs)."""

    classes: list[str] = Field(min_length=2)

    @field_validator("classes")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("labels must be unique")
        return value


def flat_params(params: dict[str, Any]) -> dict[str, Any]:
    """Saved parameters with the nested config objects of older folders flattened."""
    flat = {}
    for name, value in params.items():
        if name in ("tfidf", "sequence", "network", "train") and isinstance(value, dict):
            flat.update(value)
        elif name == "embeddings" and isinstance(value, dict):
            names = {field: flat_name for flat_name, field in EMBEDDING_PARAMS.items()}
            names["path"] = "embeddings"
            flat.update({names.get(key, key): item for key, item in value.items()})
        else:
            flat[name] = value
    return flat


def classes_of(labels: Sequence[str]) -> list[str]:
    """The sorted labels to train on.

    Raises
    ------
    DataError
        With fewer than two distinct labels.
    """
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise DataError(f"need at least 2 classes to train, got {classes}")
    return classes


def class_columns(proba: np.ndarray, fitted: Sequence[Any], classes: list[str]) -> np.ndarray:
    """``proba`` (columns in a scikit-learn model's ``fitted`` class order) in ``classes`` order."""
    order = [list(fitted).index(c) for c in classes]
    return np.asarray(proba[:, order], dtype=np.float64)


def class_indices(labels: Sequence[str], classes: list[str]) -> torch.Tensor:
    """The position of each label in ``classes`` (int64), the targets of a torch classifier.

    Raises
    ------
    DataError
        Naming labels that are not in ``classes``.
    """
    index = {c: i for i, c in enumerate(classes)}
    unknown = sorted({lab for lab in labels if lab not in index})
    if unknown:
        raise DataError(f"labels not seen in training: {', '.join(unknown[:5])}")
    return torch.tensor([index[lab] for lab in labels], dtype=torch.long)


def known_labels(
    texts: Sequence[str], labels: Sequence[str], classes: list[str]
) -> tuple[list[str], list[str]]:
    """The validation texts and labels whose label is one of ``classes``; the others have no
    output unit and are dropped, counted in a warning."""
    known = set(classes)
    keep = [i for i, label in enumerate(labels) if label in known]
    if len(keep) < len(labels):
        logger.warning(
            "%d of %d validation texts dropped: label not in the training data",
            len(labels) - len(keep),
            len(labels),
        )
    return [texts[i] for i in keep], [labels[i] for i in keep]


def check_labels(folder: Path, model: object, classes: list[str]) -> None:
    """Refuse a loaded scikit-learn model whose labels are not ``state.json``'s.

    Raises
    ------
    DataError
        Naming the folder.
    """
    if sorted(map(str, getattr(model, "classes_", []))) != classes:
        raise DataError(f"{folder}: the classifier's labels differ from state.json")


def check_sentiment_model(model: TextClassifier, problem: str) -> None:
    """Raise ``UserInputError`` (starting with ``problem``) unless ``model`` has class
    probabilities and ``positive`` and ``negative`` labels."""
    if not hasattr(model, "predict_proba"):
        raise UserInputError(
            f"{problem}: {type(model).__name__} gives no class probabilities "
            "(use tfidf-lr, minilm-lr or a neural model)"
        )
    if POSITIVE not in model.classes_ or NEGATIVE not in model.classes_:
        raise UserInputError(
            f"{problem}: labels are {', '.join(model.classes_)} "
            f"(need {POSITIVE!r} and {NEGATIVE!r})"
        )
