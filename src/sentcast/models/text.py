"""Text classifiers with one interface: TF-IDF + logistic regression / KNN and neural networks.

Every classifier follows the scikit-learn conventions (constructor = hyper-parameters,
``fit`` returns ``self``, ``predict`` is pure), accepts raw texts (its
:class:`~sentcast.text.preprocess.TextPipeline` cleans and tokenises them), and saves / loads
itself as a folder (see :mod:`sentcast.models.persistence`).

``predict_proba(texts)`` returns one column per class in ``classes_`` order and
``sentiment_score(texts)`` turns that into a learned sentiment score in ``[-1, 1]``
(``P(positive) - P(negative)``), the drop-in replacement for VADER's compound score.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from pydantic import Field, field_validator, model_validator
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from torch import nn

from sentcast.config.base import FrozenModel
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
from sentcast.models.persistence import ModelFolder, load_estimator, save_folder
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

POSITIVE, NEGATIVE = "positive", "negative"


class TextClassifier(ABC):
    """Common interface of the text classifiers."""

    classes_: list[str]

    @abstractmethod
    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        validation: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> TextClassifier:
        """Fit on training texts and labels; ``validation`` is used for early stopping."""

    @abstractmethod
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, shape ``(n_texts, n_classes)``, columns in ``classes_`` order."""

    @abstractmethod
    def save(self, path: str | Path) -> Path:
        """Write the fitted model to the folder ``path``."""

    def _check_fitted(self) -> None:
        if not getattr(self, "classes_", None):
            raise RuntimeError(f"{type(self).__name__} is not fitted")

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable label of each text."""
        proba = self.predict_proba(texts)
        return [self.classes_[i] for i in proba.argmax(axis=1)]

    def sentiment_score(self, texts: Sequence[str]) -> np.ndarray:
        """``P(positive) - P(negative)`` per text, in ``[-1, 1]``.

        Raises
        ------
        UserInputError
            If the model was not trained with ``positive`` and ``negative`` labels.
        """
        self._check_fitted()
        if POSITIVE not in self.classes_ or NEGATIVE not in self.classes_:
            raise UserInputError(
                f"not a sentiment model: labels are {', '.join(self.classes_)} "
                f"(need {POSITIVE!r} and {NEGATIVE!r})"
            )
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


def _classes(labels: Sequence[str]) -> list[str]:
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise DataError(f"need at least 2 classes to train, got {classes}")
    return classes


class TfidfClassifier(TextClassifier):
    """TF-IDF features with logistic regression (``method="lr"``) or KNN (``"knn"``).

    Parameters
    ----------
    method : {"lr", "knn"}
        The classifier on top of ``CountVectorizer`` + ``TfidfTransformer``.
    tfidf : TfidfConfig, optional
        Feature and classifier hyper-parameters.
    text : TextPipeline, optional
        Cleaning / tokenising before counting (default: the ``"neural"`` preset).
    seed : int
        Random state of the logistic regression solver.
    """

    def __init__(
        self,
        method: Literal["lr", "knn"] = "lr",
        tfidf: TfidfConfig | None = None,
        text: TextPipeline | None = None,
        seed: int = 0,
    ) -> None:
        self.method = method
        self.tfidf = tfidf or TfidfConfig()
        self.text = text or TextPipeline.preset("neural")
        self.seed = seed

    def _pipeline(self) -> Pipeline:
        cfg = self.tfidf
        features = tfidf_features(cfg.ngram_max, cfg.max_features, cfg.min_df)
        clf: Any
        if self.method == "lr":
            clf = LogisticRegression(C=cfg.C, max_iter=cfg.max_iter, random_state=self.seed)
        else:
            clf = KNeighborsClassifier(n_neighbors=cfg.n_neighbors)
        return Pipeline([*features.steps, ("clf", clf)])

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        validation: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> TfidfClassifier:
        """Fit the features and classifier on the training texts (``validation`` is unused)."""
        self.classes_ = _classes(labels)
        self.model_ = self._pipeline().fit(self.text.transform(texts), list(labels))
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities (KNN: share of the ``k`` neighbours per class)."""
        self._check_fitted()
        if len(texts) == 0:
            return np.empty((0, len(self.classes_)))
        proba = self.model_.predict_proba(self.text.transform(texts))
        order = [list(self.model_.classes_).index(c) for c in self.classes_]
        return np.asarray(proba[:, order], dtype=np.float64)

    def get_params(self) -> dict[str, Any]:
        """Constructor hyper-parameters as plain data."""
        return {
            "method": self.method,
            "tfidf": self.tfidf.model_dump(),
            "text": self.text.model_dump(),
            "seed": self.seed,
        }

    def save(self, path: str | Path) -> Path:
        """Write ``config.json`` and the fitted scikit-learn pipeline."""
        self._check_fitted()
        state = TextModelState(classes=self.classes_).model_dump()
        return save_folder(path, self, self.get_params(), state=state, sklearn_model=self.model_)

    @classmethod
    def load(cls, path: str | Path) -> TfidfClassifier:
        """Read a folder written by :meth:`save`, checking every file first."""
        folder = ModelFolder(path)
        model = folder.build(cls)
        model.classes_ = folder.state(TextModelState).classes
        model.model_ = folder.sklearn_model(Pipeline)
        if sorted(map(str, getattr(model.model_, "classes_", []))) != model.classes_:
            raise DataError(f"{folder.path}: the pipeline's labels differ from state.json")
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
    sequence : SequenceConfig, optional
        Vocabulary size and padded length.
    network : NetworkConfig, optional
        Layer sizes.
    embeddings : EmbeddingConfig, optional
        Pre-trained vectors (GloVe / word2vec file, or word2vec trained here).
    train : TrainingConfig, optional
        Optimisation settings.
    text : TextPipeline, optional
        Cleaning / tokenising (default: the ``"neural"`` preset).
    seed : int
        Seeds embeddings initialisation, weights and batch order.
    """

    def __init__(
        self,
        architecture: str = "lstm",
        sequence: SequenceConfig | None = None,
        network: NetworkConfig | None = None,
        embeddings: EmbeddingConfig | None = None,
        train: TrainingConfig | None = None,
        text: TextPipeline | None = None,
        seed: int = 0,
    ) -> None:
        if architecture not in ARCHITECTURES:
            raise ValueError(
                f"unknown architecture {architecture!r} (choose from {', '.join(ARCHITECTURES)})"
            )
        self.architecture = architecture
        self.sequence = sequence or SequenceConfig()
        self.network = network or NetworkConfig()
        self.embeddings = embeddings or EmbeddingConfig()
        self.train = train or TrainingConfig(epochs=5, batch_size=128, patience=3)
        self.text = text or TextPipeline.preset("neural")
        self.seed = seed
        # at least this large: a full vocabulary, the configured embedding size
        self._check_size(self.sequence.max_words, self.network.embed_dim, 2)

    def _check_size(self, vocab_size: int, embed_dim: int, n_classes: int) -> None:
        n_out = 1 if n_classes == 2 else n_classes
        network = self.network.model_copy(update={"embed_dim": embed_dim})
        sizes = (
            f"{self.architecture} (vocabulary={vocab_size}, embed_dim={embed_dim}, "
            f"hidden={network.hidden}, filters={network.filters})"
        )
        check_network_size(
            lambda: build_network(self.architecture, vocab_size, n_out, network), sizes
        )

    def _tokens(self, texts: Sequence[str]) -> list[list[str]]:
        n = self.sequence.ngrams
        if n == 1:
            return [self.text.tokens(t) for t in texts]
        return [with_ngrams(self.text.tokens(t), n) for t in texts]

    def _encode(self, tokens: list[list[str]]) -> torch.Tensor:
        seq = self.sequence
        ids = self.vocab_.encode(tokens, seq.max_len, truncating=seq.truncating)
        return torch.from_numpy(ids)

    def _targets(self, labels: Sequence[str]) -> torch.Tensor:
        index = {c: i for i, c in enumerate(self.classes_)}
        unknown = sorted({lab for lab in labels if lab not in index})
        if unknown:
            raise DataError(f"labels not seen in training: {', '.join(unknown[:5])}")
        y = torch.tensor([index[lab] for lab in labels])
        return y.float() if len(self.classes_) == 2 else y.long()

    def _validation_tensors(
        self, texts: Sequence[str], labels: Sequence[str]
    ) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Validation inputs and targets; rows whose label training never saw are dropped
        (they have no output unit), with a warning."""
        known = set(self.classes_)
        keep = [i for i, label in enumerate(labels) if label in known]
        if len(keep) < len(labels):
            logger.warning(
                "%d of %d validation texts dropped: label not in the training data",
                len(labels) - len(keep),
                len(labels),
            )
        if not keep:
            return None
        tokens = self._tokens([texts[i] for i in keep])
        return self._encode(tokens), self._targets([labels[i] for i in keep])

    def _embedding_matrix(self, tokens: list[list[str]]) -> EmbeddingMatrix | None:
        cfg = self.embeddings
        if cfg.path is not None:
            return load_embeddings(cfg.path, self.vocab_, cfg.format, self.seed)
        if cfg.word2vec:
            return train_word2vec(
                tokens,
                self.vocab_,
                dim=self.network.embed_dim,
                epochs=cfg.word2vec_epochs,
                seed=self.seed,
            )
        return None

    def _build(self, embeddings: np.ndarray | None) -> nn.Module:
        """The network, refused before allocation if too large."""
        self._check_size(len(self.vocab_), self.embed_dim_, len(self.classes_))
        n_out = 1 if len(self.classes_) == 2 else len(self.classes_)
        # pre-trained vectors fix the embedding size, whatever network.embed_dim says
        network = self.network.model_copy(update={"embed_dim": self.embed_dim_})
        return build_network(
            self.architecture,
            len(self.vocab_),
            n_out,
            network,
            embeddings,
            freeze=self.embeddings.freeze,
        )

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        validation: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> NeuralTextClassifier:
        """Fit vocabulary (training texts only), embeddings and network."""
        self.classes_ = _classes(labels)
        tokens = self._tokens(texts)
        self.vocab_ = Vocabulary(self.sequence.max_words).fit(tokens)
        matrix = self._embedding_matrix(tokens)
        self.embedding_oov_rate_ = matrix.oov_rate if matrix is not None else float("nan")
        self.embed_dim_ = matrix.dim if matrix is not None else self.network.embed_dim
        seed_everything(self.seed)  # the initial weights depend on the seed only
        self.module_ = self._build(matrix.vectors if matrix is not None else None)
        loss: nn.Module = (
            nn.BCEWithLogitsLoss() if len(self.classes_) == 2 else nn.CrossEntropyLoss()
        )
        val = None
        if validation is not None:
            val = self._validation_tensors(*validation)
        trainer = Trainer(self.train, loss, seed=self.seed, description=self.architecture)
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

    def get_params(self) -> dict[str, Any]:
        """Constructor hyper-parameters as plain data."""
        return {
            "architecture": self.architecture,
            "sequence": self.sequence.model_dump(),
            "network": self.network.model_dump(),
            "embeddings": self.embeddings.model_dump(),
            "train": self.train.model_dump(),
            "text": self.text.model_dump(),
            "seed": self.seed,
        }

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
            self.get_params(),
            state=state.model_dump(),
            weights=self.module_.state_dict(),
        )

    @classmethod
    def load(cls, path: str | Path) -> NeuralTextClassifier:
        """Read a folder written by :meth:`save`, checking every file first."""
        folder = ModelFolder(path)
        model = folder.build(cls)
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
    """A new, unfitted classifier named ``name`` (one of :data:`MODELS`).

    Raises
    ------
    UserInputError
        For an unknown model name.
    """
    p = params or TextModelParams()
    if name in ("tfidf-lr", "tfidf-knn"):
        return TfidfClassifier("lr" if name == "tfidf-lr" else "knn", p.tfidf, p.text, seed)
    if name in ARCHITECTURES:
        return NeuralTextClassifier(
            name, p.sequence, p.network, p.embeddings, p.train, p.text, seed
        )
    raise UserInputError(f"unknown text model {name!r} (choose from {', '.join(MODELS)})")


def model_name(model: TextClassifier) -> str:
    """The :data:`MODELS` name of a classifier."""
    if isinstance(model, TfidfClassifier):
        return f"tfidf-{model.method}"
    assert isinstance(model, NeuralTextClassifier)
    return model.architecture


def load_text_classifier(path: str | Path) -> TextClassifier:
    """Load a text classifier saved with ``save`` (or ``sentcast textclf train``).

    Raises
    ------
    UserInputError
        If the folder is missing or holds another kind of estimator.
    """
    model: TextClassifier = load_estimator(path, kind="text classifier")
    return model
