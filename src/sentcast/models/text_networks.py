"""PyTorch networks for text classification over padded index sequences.

Every network maps ``(batch, max_len)`` int64 token indices to logits of shape ``(batch,)``
for binary tasks (``n_outputs=1``, trained with a sigmoid / BCE loss) or
``(batch, n_classes)`` for multi-class tasks (softmax / cross-entropy). Sequences are padded
in front (index 0), so the last step of a recurrent layer is the last word of the text.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from sentcast.config.text_models import ARCHITECTURES, NetworkConfig


class _TextNet(nn.Module):
    def __init__(
        self,
        vocab_size: int,
        n_outputs: int,
        config: NetworkConfig,
        embeddings: np.ndarray | None,
        freeze: bool,
    ) -> None:
        super().__init__()
        dim = config.embed_dim if embeddings is None else int(embeddings.shape[1])
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        if embeddings is not None:
            self.embedding.weight.data.copy_(torch.as_tensor(embeddings, dtype=torch.float32))
        self.embedding.weight.requires_grad_(not freeze)
        self.embed_dropout = nn.Dropout(config.dropout)
        self.n_outputs = n_outputs

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, len)`` indices -> ``(batch, len, dim)`` vectors after dropout."""
        return self.embed_dropout(self.embedding(x))

    def logits(self, out: torch.Tensor) -> torch.Tensor:
        """Squeeze the single binary logit to ``(batch,)``."""
        return out.squeeze(-1) if self.n_outputs == 1 else out


class RecurrentNet(_TextNet):
    """Embedding, dropout, one LSTM or GRU layer, dropout, dense output (``lstm`` / ``gru``)."""

    def __init__(
        self,
        vocab_size: int,
        n_outputs: int,
        config: NetworkConfig,
        embeddings: np.ndarray | None = None,
        freeze: bool = False,
        cell: str = "lstm",
    ) -> None:
        super().__init__(vocab_size, n_outputs, config, embeddings, freeze)
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(self.embedding.embedding_dim, config.hidden, batch_first=True)
        self.dropout = nn.Dropout(config.recurrent_dropout)
        self.out = nn.Linear(config.hidden, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seq, _ = self.rnn(self.embed(x))
        return self.logits(self.out(self.dropout(seq[:, -1])))


class ConvNet(_TextNet):
    """Kim (2014)-style CNN: parallel Conv1d of several widths, ReLU, global max-pool,
    concatenation, dropout, dense output (``cnn``)."""

    def __init__(
        self,
        vocab_size: int,
        n_outputs: int,
        config: NetworkConfig,
        embeddings: np.ndarray | None = None,
        freeze: bool = False,
    ) -> None:
        super().__init__(vocab_size, n_outputs, config, embeddings, freeze)
        dim = self.embedding.embedding_dim
        self.convs = nn.ModuleList(
            nn.Conv1d(dim, config.filters, k, padding=k // 2) for k in config.kernel_sizes
        )
        self.dropout = nn.Dropout(config.dropout)
        self.out = nn.Linear(config.filters * len(config.kernel_sizes), n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embed(x).transpose(1, 2)
        pooled = [torch.relu(conv(h)).amax(dim=2) for conv in self.convs]
        return self.logits(self.out(self.dropout(torch.cat(pooled, dim=1))))


class ConvLSTMNet(_TextNet):
    """Conv1d + ReLU + max-pool, then an LSTM whose last step feeds the output (``cnn-lstm``)."""

    def __init__(
        self,
        vocab_size: int,
        n_outputs: int,
        config: NetworkConfig,
        embeddings: np.ndarray | None = None,
        freeze: bool = False,
    ) -> None:
        super().__init__(vocab_size, n_outputs, config, embeddings, freeze)
        k = config.kernel_sizes[0]
        self.conv = nn.Conv1d(self.embedding.embedding_dim, config.filters, k, padding=k // 2)
        self.pool = nn.MaxPool1d(config.pool_size, ceil_mode=True)
        self.lstm = nn.LSTM(config.filters, config.hidden, batch_first=True)
        self.dropout = nn.Dropout(config.recurrent_dropout)
        self.out = nn.Linear(config.hidden, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.pool(torch.relu(self.conv(self.embed(x).transpose(1, 2))))
        seq, _ = self.lstm(h.transpose(1, 2))
        return self.logits(self.out(self.dropout(seq[:, -1])))


class BiLSTMConvNet(_TextNet):
    """Two bidirectional LSTM layers, Conv1d + ReLU + global max-pool, two dense layers
    (``bilstm-cnn``)."""

    def __init__(
        self,
        vocab_size: int,
        n_outputs: int,
        config: NetworkConfig,
        embeddings: np.ndarray | None = None,
        freeze: bool = False,
    ) -> None:
        super().__init__(vocab_size, n_outputs, config, embeddings, freeze)
        self.lstm = nn.LSTM(
            self.embedding.embedding_dim,
            config.hidden,
            num_layers=2,
            batch_first=True,
            bidirectional=True,
            dropout=config.recurrent_dropout,
        )
        k = config.kernel_sizes[0]
        self.conv = nn.Conv1d(2 * config.hidden, config.filters, k, padding=k // 2)
        self.dense = nn.Linear(config.filters, config.hidden)
        self.dropout = nn.Dropout(config.dropout)
        self.out = nn.Linear(config.hidden, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seq, _ = self.lstm(self.embed(x))
        pooled = torch.relu(self.conv(seq.transpose(1, 2))).amax(dim=2)
        hidden = self.dropout(torch.relu(self.dense(pooled)))
        return self.logits(self.out(hidden))


class BagOfEmbeddingsNet(_TextNet):
    """fastText-style (Joulin et al. 2016): the mean of the text's token embeddings (padding
    left out; word n-grams come in as tokens, see ``SequenceConfig.ngrams``), dropout, dense
    output (``fasttext``)."""

    def __init__(
        self,
        vocab_size: int,
        n_outputs: int,
        config: NetworkConfig,
        embeddings: np.ndarray | None = None,
        freeze: bool = False,
    ) -> None:
        super().__init__(vocab_size, n_outputs, config, embeddings, freeze)
        self.dropout = nn.Dropout(config.dropout)
        self.out = nn.Linear(self.embedding.embedding_dim, n_outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mask = (x != 0).unsqueeze(-1).float()
        total = (self.embedding(x) * mask).sum(dim=1)
        mean = total / mask.sum(dim=1).clamp(min=1.0)
        return self.logits(self.out(self.dropout(mean)))


def build_network(
    architecture: str,
    vocab_size: int,
    n_outputs: int,
    config: NetworkConfig,
    embeddings: np.ndarray | None = None,
    freeze: bool = False,
) -> nn.Module:
    """The network named ``architecture`` (one of :data:`ARCHITECTURES`).

    Raises
    ------
    ValueError
        For an unknown architecture.
    """
    if architecture in ("lstm", "gru"):
        return RecurrentNet(vocab_size, n_outputs, config, embeddings, freeze, cell=architecture)
    if architecture == "cnn":
        return ConvNet(vocab_size, n_outputs, config, embeddings, freeze)
    if architecture == "cnn-lstm":
        return ConvLSTMNet(vocab_size, n_outputs, config, embeddings, freeze)
    if architecture == "bilstm-cnn":
        return BiLSTMConvNet(vocab_size, n_outputs, config, embeddings, freeze)
    if architecture == "fasttext":
        return BagOfEmbeddingsNet(vocab_size, n_outputs, config, embeddings, freeze)
    raise ValueError(
        f"unknown architecture {architecture!r} (choose from {', '.join(ARCHITECTURES)})"
    )
