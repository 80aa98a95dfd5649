"""Text classifiers with one interface: TF-IDF + logistic regression / KNN / linear SVM and
neural networks.

Every classifier is a scikit-learn estimator (``ClassifierMixin`` + ``BaseEstimator``): flat
hyper-parameters in the constructor, which only stores them (they are checked by ``fit``), so
``get_params`` / ``set_params`` / ``clone`` / ``cross_val_score`` / ``Pipeline`` work;
``NotFittedError`` before ``fit``; ``score`` is the accuracy. It accepts raw texts (its
:class:`~sentcast.text.preprocess.TextPipeline` cleans and tokenises them) and saves / loads
itself as a folder (see :mod:`sentcast.models.persistence`). The nested TOML tables of
:class:`~sentcast.config.text_models.TextModelParams` are flattened by :func:`make_text_model`.

``predict_proba(texts)`` returns one column per class in ``classes_`` order and
``sentiment_score(texts)`` turns that into a learned sentiment score in ``[-1, 1]``
(``P(positive) - P(negative)``), the drop-in replacement for VADER's compound score. The
linear SVM (``tfidf-svm``) has no probabilities: like scikit-learn's ``LinearSVC`` it has no
``predict_proba`` attribute, and it cannot be a sentiment scorer.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Self, TypeVar

import numpy as np
import torch
from pydantic import Field, ValidationError, field_validator, model_validator
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted
from torch import nn

from sentcast.config.base import FrozenModel, format_validation_error
from sentcast.config.text_models import (
    ARCHITECTURES,
    MODELS,
    EmbeddingConfig,
    NetworkConfig,
    SequenceConfig,
    TextModelParams,
    TfidfConfig,
)
from sentcast.errors import DataError, UserInputError
from sentcast.models.network_size import check_network_size
from sentcast.models.persistence import CONFIG_FILE, ModelFolder, load_estimator, save_folder
from sentcast.models.text_networks import build_network
from sentcast.models.training import (
    Trainer,
    TrainingConfig,
    TrainingHistory,
    predict_tensor,
    seed_everything,
)
from sentcast.text.embeddings import EmbeddingMatrix, load_embeddings, train_word2vec
from sentcast.text.preprocess import TextPipeline
from sentcast.text.vectorize import (
    OOV_TOKEN,
    PAD_TOKEN,
    Vocabulary,
    tfidf_features,
    with_ngrams,
)

logger = logging.getLogger(__name__)

#: TF-IDF model name -> :class:`TfidfClassifier` method.
TFIDF_METHODS: dict[str, Literal["lr", "knn", "svm"]] = {
    "tfidf-lr": "lr",
    "tfidf-knn": "knn",
    "tfidf-svm": "svm",
}
POSITIVE, NEGATIVE = "positive", "negative"

C = TypeVar("C", bound=FrozenModel)
#: Flat names of the :class:`EmbeddingConfig` fields in the neural classifiers' constructor
#: (besides ``embeddings``: the config's ``name`` or ``path``).
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


class TextModelState(FrozenModel):
    """``state.json`` of a saved text model: its labels, sorted (all a TF-IDF model needs)."""

    classes: list[str] = Field(min_length=2)

    @field_validator("classes")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("labels must be unique")
        return value


class VocabularyState(FrozenModel):
    """A saved :class:`~sentcast.text.vectorize.Vocabulary` (see ``Vocabulary.get_state``)."""

    max_words: int = Field(ge=3)
    min_count: int = Field(ge=1)
    words: list[str]

    @model_validator(mode="after")
    def _words(self) -> VocabularyState:
        if self.words[:2] != [PAD_TOKEN, OOV_TOKEN]:
            raise ValueError(f"words must start with {PAD_TOKEN!r}, {OOV_TOKEN!r}")
        if len(set(self.words)) != len(self.words) or len(self.words) > self.max_words:
            raise ValueError(f"words must be unique and at most max_words ({self.max_words})")
        return self


class NeuralState(TextModelState):
    """``state.json`` of a saved neural text model."""

    vocab: VocabularyState
    embed_dim: int = Field(gt=0)
    embedding_oov_rate: float | None = Field(None, ge=0, le=1, description="None: no vectors")


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


class NeuralTextClassifier(TextClassifier):
    """An embedding-based network (``lstm``, ``gru``, ``cnn``, ``cnn-lstm``, ``bilstm-cnn``,
    ``fasttext``).

    Binary tasks use one sigmoid output and ``BCEWithLogitsLoss``, multi-class tasks a softmax
    output and ``CrossEntropyLoss``; training uses :class:`~sentcast.models.training.Trainer`
    (Adam, early stopping on the validation loss, seeded).

    Parameters
    ----------
    architecture : str
        One of :data:`~sentcast.models.text_networks.ARCHITECTURES`.
    max_words, max_len, truncating, ngrams
        Vocabulary size, padded length, word n-grams as tokens (see :class:`SequenceConfig`).
    embed_dim, hidden, filters, kernel_sizes, pool_size, dropout, recurrent_dropout
        Layer sizes (see :class:`NetworkConfig`).
    embeddings : str, optional
        Pre-trained word vectors: a known name (``"glove-6b-50d"``) or a GloVe / word2vec file;
        ``None``: word2vec trained here (``word2vec=True``) or random vectors.
    embeddings_format, word2vec, word2vec_epochs, freeze_embeddings
        See :class:`EmbeddingConfig` (``format``, ``word2vec``, ``word2vec_epochs``, ``freeze``).
    epochs, batch_size, learning_rate, weight_decay, patience, min_delta, grad_clip, device
        Optimisation settings (see :class:`TrainingConfig`).
    text : TextPipeline, optional
        Cleaning / tokenising (default: the ``"neural"`` preset).
    seed : int
        Seeds embeddings initialisation, weights and batch order.
    """

    def __init__(
        self,
        architecture: str = "lstm",
        max_words: int = 50_000,
        max_len: int = 50,
        truncating: Literal["post", "pre"] = "post",
        ngrams: int = 1,
        embed_dim: int = 100,
        hidden: int = 64,
        filters: int = 64,
        kernel_sizes: Sequence[int] = (3, 4, 5),
        pool_size: int = 4,
        dropout: float = 0.2,
        recurrent_dropout: float = 0.2,
        embeddings: str | None = None,
        embeddings_format: Literal["auto", "glove", "word2vec"] = "auto",
        word2vec: bool = True,
        word2vec_epochs: int = 5,
        freeze_embeddings: bool = False,
        epochs: int = 5,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
        patience: int = 3,
        min_delta: float = 0.0,
        grad_clip: float | None = None,
        device: Literal["auto", "cpu", "cuda"] = "auto",
        text: TextPipeline | None = None,
        seed: int = 0,
    ) -> None:
        self.architecture = architecture
        self.max_words = max_words
        self.max_len = max_len
        self.truncating = truncating
        self.ngrams = ngrams
        self.embed_dim = embed_dim
        self.hidden = hidden
        self.filters = filters
        self.kernel_sizes = kernel_sizes
        self.pool_size = pool_size
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.embeddings = embeddings
        self.embeddings_format = embeddings_format
        self.word2vec = word2vec
        self.word2vec_epochs = word2vec_epochs
        self.freeze_embeddings = freeze_embeddings
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.min_delta = min_delta
        self.grad_clip = grad_clip
        self.device = device
        self.text = text
        self.seed = seed

    def check_params(self) -> None:
        """Raise ``ValueError`` naming every invalid hyper-parameter; refuse a network too
        large to allocate (at a full vocabulary and the configured embedding size)."""
        if self.architecture not in ARCHITECTURES:
            raise ValueError(
                f"unknown architecture {self.architecture!r} "
                f"(choose from {', '.join(ARCHITECTURES)})"
            )
        sequence = self._sequence()
        config_from(self, NetworkConfig)
        config_from(self, EmbeddingConfig, EMBEDDING_PARAMS)
        config_from(self, TrainingConfig)
        self._check_size(sequence.max_words, self.embed_dim, 2)

    def _sequence(self) -> SequenceConfig:
        return config_from(self, SequenceConfig)

    def _network(self) -> NetworkConfig:
        # pre-trained vectors fix the embedding size, whatever embed_dim says
        network = config_from(self, NetworkConfig)
        embed_dim = getattr(self, "embed_dim_", network.embed_dim)
        return network.model_copy(update={"embed_dim": embed_dim})

    def _check_size(self, vocab_size: int, embed_dim: int, n_classes: int) -> None:
        n_out = 1 if n_classes == 2 else n_classes
        network = config_from(self, NetworkConfig).model_copy(update={"embed_dim": embed_dim})
        sizes = (
            f"{self.architecture} (vocabulary={vocab_size}, embed_dim={embed_dim}, "
            f"hidden={network.hidden}, filters={network.filters})"
        )
        check_network_size(
            lambda: build_network(self.architecture, vocab_size, n_out, network), sizes
        )

    def _tokens(self, texts: Sequence[str]) -> list[list[str]]:
        text = self._pipeline_or_default()
        n = self.ngrams
        if n == 1:
            return [text.tokens(t) for t in texts]
        return [with_ngrams(text.tokens(t), n) for t in texts]

    def _encode(self, tokens: list[list[str]]) -> torch.Tensor:
        seq = self._sequence()
        ids = self.vocab_.encode(tokens, seq.max_len, truncating=seq.truncating)
        return torch.from_numpy(ids)

    def _targets(self, labels: Sequence[str]) -> torch.Tensor:
        y = class_indices(labels, self.classes_)
        return y.float() if len(self.classes_) == 2 else y

    def _validation_tensors(
        self, texts: Sequence[str], labels: Sequence[str]
    ) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Validation inputs and targets of the texts :func:`known_labels` keeps."""
        texts, labels = known_labels(texts, labels, self.classes_)
        if not texts:
            return None
        return self._encode(self._tokens(texts)), self._targets(labels)

    def _embedding_matrix(self, tokens: list[list[str]]) -> EmbeddingMatrix | None:
        if self.embeddings is not None:
            return load_embeddings(self.embeddings, self.vocab_, self.embeddings_format, self.seed)
        if self.word2vec:
            return train_word2vec(
                tokens,
                self.vocab_,
                dim=self.embed_dim,
                epochs=self.word2vec_epochs,
                seed=self.seed,
            )
        return None

    def _build(self, embeddings: np.ndarray | None) -> nn.Module:
        """The network, refused before allocation if too large."""
        self._check_size(len(self.vocab_), self.embed_dim_, len(self.classes_))
        n_out = 1 if len(self.classes_) == 2 else len(self.classes_)
        return build_network(
            self.architecture,
            len(self.vocab_),
            n_out,
            self._network(),
            embeddings,
            freeze=self.freeze_embeddings,
        )

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        validation: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> Self:
        """Fit vocabulary (training texts only), embeddings and network."""
        self.check_params()
        self.classes_ = classes_of(labels)
        tokens = self._tokens(texts)
        self.vocab_ = Vocabulary(self.max_words).fit(tokens)
        matrix = self._embedding_matrix(tokens)
        self.embedding_oov_rate_ = matrix.oov_rate if matrix is not None else float("nan")
        self.embed_dim_ = matrix.dim if matrix is not None else self.embed_dim
        seed_everything(self.seed)  # the initial weights depend on the seed only
        self.module_ = self._build(matrix.vectors if matrix is not None else None)
        loss: nn.Module = (
            nn.BCEWithLogitsLoss() if len(self.classes_) == 2 else nn.CrossEntropyLoss()
        )
        val = None
        if validation is not None:
            val = self._validation_tensors(*validation)
        train = config_from(self, TrainingConfig)
        trainer = Trainer(train, loss, seed=self.seed, description=self.architecture)
        self.history_: TrainingHistory = trainer.fit(
            self.module_, (self._encode(tokens), self._targets(labels)), validation=val
        )
        self.module_.cpu()
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Sigmoid (binary) or softmax (multi-class) outputs, one column per class."""
        self._check_fitted()
        if len(texts) == 0:
            return np.empty((0, len(self.classes_)))
        out = predict_tensor(self.module_, self._encode(self._tokens(texts)))
        if len(self.classes_) == 2:
            p = torch.sigmoid(out).double().numpy()
            return np.column_stack([1.0 - p, p])
        return torch.softmax(out, dim=1).double().numpy()

    def saved_params(self) -> dict[str, Any]:
        """Constructor hyper-parameters as JSON data (``kernel_sizes`` as a list)."""
        params = super().saved_params()
        params["kernel_sizes"] = list(self.kernel_sizes)
        return params

    def save(self, path: str | Path) -> Path:
        """Write ``config.json``, the network weights and the vocabulary."""
        self._check_fitted()
        rate = self.embedding_oov_rate_
        state = NeuralState(
            classes=self.classes_,
            vocab=VocabularyState.model_validate(self.vocab_.get_state()),
            embed_dim=self.embed_dim_,
            embedding_oov_rate=None if np.isnan(rate) else rate,
        )
        return save_folder(
            path,
            self,
            self.saved_params(),
            state=state.model_dump(),
            weights=self.module_.state_dict(),
        )

    @classmethod
    def load(cls, path: str | Path) -> NeuralTextClassifier:
        """Read a folder written by :meth:`save`, checking every file first."""
        folder, model = cls.open_folder(path)
        state = folder.state(NeuralState)
        model.classes_ = state.classes
        model.vocab_ = Vocabulary.from_state(state.vocab.model_dump())
        model.embed_dim_ = state.embed_dim
        rate = state.embedding_oov_rate
        model.embedding_oov_rate_ = float("nan") if rate is None else rate
        model.module_ = model._build(None)
        folder.load_weights(model.module_)
        model.module_.eval()
        return model


def make_text_model(
    name: str, params: TextModelParams | None = None, seed: int = 0
) -> TextClassifier:
    """A new, unfitted classifier named ``name`` (one of :data:`MODELS`), its hyper-parameters
    taken from the nested tables of ``params``.

    Raises
    ------
    UserInputError
        For an unknown model name.
    """
    from sentcast.models.text_embedding import (
        SentenceEmbeddingClassifier,
        TfidfSentenceClassifier,
        WordVectorClassifier,
    )

    p = params or TextModelParams()
    if name in TFIDF_METHODS:
        return TfidfClassifier(TFIDF_METHODS[name], **p.tfidf.model_dump(), text=p.text, seed=seed)
    if name in ARCHITECTURES:
        embeddings = {
            flat: getattr(p.embeddings, field) for flat, field in EMBEDDING_PARAMS.items()
        }
        return NeuralTextClassifier(
            name,
            **p.sequence.model_dump(),
            **p.network.model_dump(),
            embeddings=p.embeddings.source,
            **embeddings,
            **p.train.model_dump(),
            text=p.text,
            seed=seed,
        )
    if name == "minilm-lr":
        sentence = p.sentence.model_dump(exclude={"weight"})
        return SentenceEmbeddingClassifier(**sentence, text=None, seed=seed)
    if name == "tfidf-minilm-lr":
        return TfidfSentenceClassifier(
            p.sentence.model,
            p.sentence.batch_size,
            p.sentence.weight,
            **p.tfidf.model_dump(exclude={"n_neighbors"}),
            text=p.text,
            seed=seed,
        )
    if name == "minilm-ft":
        from sentcast.models.text_finetune import FineTunedEncoderClassifier

        finetune = p.finetune.model_dump()
        return FineTunedEncoderClassifier(p.sentence.model, **finetune, text=None, seed=seed)
    if name == "glove-tfidf-lr":
        return WordVectorClassifier(
            p.embeddings.source or "glove-6b-50d",
            p.embeddings.format,
            min_df=p.tfidf.min_df,
            C=p.tfidf.C,
            max_iter=p.tfidf.max_iter,
            text=p.text,
            seed=seed,
        )
    raise UserInputError(f"unknown text model {name!r} (choose from {', '.join(MODELS)})")


def load_text_classifier(path: str | Path) -> TextClassifier:
    """Load a text classifier saved with ``save`` (or ``sentcast textclf train``).

    Raises
    ------
    UserInputError
        If the folder is missing or holds another kind of estimator.
    """
    model: TextClassifier = load_estimator(path, kind="text classifier")
    return model
