"""Embedding-based networks on word sequences (``lstm``, ``gru``, ``cnn``, ``cnn-lstm``,
``bilstm-cnn``, ``fasttext``).

The vocabulary is fitted on the training texts; the embeddings are pre-trained vectors,
word2vec trained on the training texts, or random. A saved folder holds the labels, the
vocabulary and the sizes (``state.json``) and the network's weights (``weights.pt``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np
import torch
from pydantic import Field, model_validator
from torch import nn

from sentcast.config.base import FrozenModel
from sentcast.config.text_models import (
    ARCHITECTURES,
    EmbeddingConfig,
    NetworkConfig,
    SequenceConfig,
)
from sentcast.models.network_size import check_network_size
from sentcast.models.persistence import save_folder
from sentcast.models.text_classifier import (
    EMBEDDING_PARAMS,
    TextClassifier,
    TextModelState,
    class_indices,
    classes_of,
    config_from,
    known_labels,
)
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
from sentcast.text.vectorize import OOV_TOKEN, PAD_TOKEN, Vocabulary, with_ngrams


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
