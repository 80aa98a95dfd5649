"""PyTorch networks for windowed time series: ``(batch, T, F)`` in, ``(batch,)`` out.

* :class:`LSTMNet` — stacked LSTM, last hidden state -> linear head (the study's model);
* :class:`GRUNet` — the same with a GRU;
* :class:`CNNLSTMNet` — ``Conv1d`` over time (same length, ReLU), max-pooling over time by
  ``pool_size`` (shorter sequences, faster LSTM), then an LSTM.
"""

from __future__ import annotations

import torch
from torch import nn


class _RecurrentHead(nn.Module):
    """Recurrent layer(s) over time, dropout, linear head on the last time step."""

    def __init__(
        self,
        cell: type[nn.LSTM] | type[nn.GRU],
        n_in: int,
        hidden: int,
        layers: int,
        dropout: float,
    ) -> None:
        super().__init__()
        self.rnn = cell(
            n_in,
            hidden,
            num_layers=layers,
            batch_first=True,
            dropout=dropout if layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)
        return self.head(self.dropout(out[:, -1, :])).squeeze(-1)


class LSTMNet(_RecurrentHead):
    """LSTM over the window; prediction from the last step's hidden state."""

    def __init__(self, n_features: int, hidden_size: int, layers: int, dropout: float) -> None:
        super().__init__(nn.LSTM, n_features, hidden_size, layers, dropout)


class GRUNet(_RecurrentHead):
    """GRU over the window; prediction from the last step's hidden state."""

    def __init__(self, n_features: int, hidden_size: int, layers: int, dropout: float) -> None:
        super().__init__(nn.GRU, n_features, hidden_size, layers, dropout)


class CNNLSTMNet(nn.Module):
    """``Conv1d`` (``channels`` filters, ``kernel_size``, same padding, ReLU), ``MaxPool1d``
    (``pool_size``, 1 = none; windows shorter than the pool are not pooled), then an LSTM."""

    def __init__(
        self,
        n_features: int,
        hidden_size: int,
        layers: int,
        dropout: float,
        channels: int,
        kernel_size: int,
        pool_size: int = 1,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv1d(n_features, channels, kernel_size, padding="same")
        self.act = nn.ReLU()
        self.pool_size = pool_size
        self.recurrent = _RecurrentHead(nn.LSTM, channels, hidden_size, layers, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.act(self.conv(x.transpose(1, 2)))
        if self.pool_size > 1 and z.shape[-1] >= self.pool_size:
            z = nn.functional.max_pool1d(z, self.pool_size)
        z = z.transpose(1, 2)
        out: torch.Tensor = self.recurrent(z)
        return out


def zero_head(module: nn.Module) -> None:
    """Set the weights and bias of ``module``'s output layer (the last ``head``) to zero, so
    its first output is 0 for every input: with a residual target, exactly the naive forecast.
    The layer still learns (its gradient does not vanish); the rest of the network starts to
    learn after its first step."""
    heads = [m for name, m in module.named_modules() if name.split(".")[-1] == "head"]
    if not heads or not isinstance(heads[-1], nn.Linear):
        raise TypeError(f"{type(module).__name__} has no linear head")
    with torch.no_grad():
        heads[-1].weight.zero_()
        heads[-1].bias.zero_()
