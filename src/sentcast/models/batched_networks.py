"""Several forecasting networks of one shape as one computation with a leading model axis.

Small recurrent networks on a CPU spend most of their time in per-operation overhead; the
seeds of one grid cell (and tuning trials of one size) are the same operations on different
weights. Here ``M`` networks of one :class:`NetworkShape` are held as a dictionary of stacked
parameters (shape ``(M, ...)``), named and laid out exactly as the state dict of the ordinary
:class:`~sentcast.models.forecast_networks.LSTMNet` / ``CNNLSTMNet`` (``nn.LSTM``'s gate order
i, f, g, o; ``Conv1d``'s ``(C, F, K)`` kernel), so a slice *is* a per-model state dict and a
model initialised by the ordinary module (same seed) starts from the same weights.

:func:`batched_forward` runs inputs ``(M, B, T, F)`` through all models with batched matrix
products (``torch.baddbmm``), one per time step and layer. Every model's slice is computed
from its own weights, inputs and dropout generator only, so a model's outputs do not depend
on which other models share the batch (``tests/models/test_batched.py`` checks it bitwise).
One exception: a batch of one model, where the products take the one-matrix kernel, which
rounds differently from about 32 rows (equal up to rounding; ``docs/tuning.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from sentcast.errors import UserInputError

#: Networks with a batched implementation (GRU models keep the per-model path).
BATCHED_NETWORKS = ("lstm", "cnn-lstm")

__all__ = [
    "BATCHED_NETWORKS",
    "NetworkShape",
    "batched_forward",
    "stack_states",
    "unstack_state",
]


@dataclass(frozen=True)
class NetworkShape:
    """What networks must share to train as one batch (weights of equal shapes).

    Attributes
    ----------
    network : {"lstm", "cnn-lstm"}
    n_features, hidden_size, layers : int
    channels, kernel_size, pool_size : int
        ``cnn-lstm`` only (ignored for ``lstm``).
    """

    network: str
    n_features: int
    hidden_size: int
    layers: int
    channels: int = 32
    kernel_size: int = 3
    pool_size: int = 1

    def __post_init__(self) -> None:
        if self.network not in BATCHED_NETWORKS:
            raise UserInputError(
                f"batched training supports {', '.join(BATCHED_NETWORKS)}, got {self.network!r}"
            )

    @property
    def prefix(self) -> str:
        """State-dict prefix of the recurrent part (``rnn.`` or ``recurrent.rnn.``)."""
        return "rnn." if self.network == "lstm" else "recurrent.rnn."

    @property
    def head(self) -> str:
        """State-dict prefix of the linear head."""
        return "head." if self.network == "lstm" else "recurrent.head."


def stack_states(states: Sequence[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """One tensor ``(M, ...)`` per parameter name from ``M`` state dicts of equal layout."""
    if not states:
        raise ValueError("no state dicts to stack")
    names = list(states[0])
    for state in states[1:]:
        if list(state) != names:
            raise ValueError("state dicts of different layouts cannot be stacked")
    return {
        name: torch.stack([s[name].detach().float() for s in states]).contiguous() for name in names
    }


def unstack_state(params: dict[str, torch.Tensor], index: int) -> dict[str, torch.Tensor]:
    """The ordinary state dict of model ``index`` (copies, detached)."""
    return {name: value[index].detach().clone() for name, value in params.items()}


def _dropout(
    x: torch.Tensor,
    p: torch.Tensor | None,
    generators: Sequence[torch.Generator] | None,
) -> torch.Tensor:
    """Inverted dropout with model ``m``'s rate ``p[m]`` and masks drawn from its own generator
    (so a model's masks never depend on the other models of the batch)."""
    if p is None or generators is None or not bool((p > 0).any()):
        return x
    masks = []
    for m, gen in enumerate(generators):
        rate = float(p[m])
        if rate <= 0:
            masks.append(torch.ones(x.shape[1:], dtype=x.dtype))
        else:
            keep = torch.rand(x.shape[1:], generator=gen, dtype=x.dtype) >= rate
            masks.append(keep.to(x.dtype) / (1.0 - rate))
    return x * torch.stack(masks)


def _dense(x: torch.Tensor) -> torch.Tensor:
    """``x`` in row-major layout: the matrix kernels pick their code path by layout, and a
    slice's layout must not depend on how many models the batch holds."""
    return x.contiguous()


def _lstm_layer(
    x: torch.Tensor,
    w_ih: torch.Tensor,
    w_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
    sequence: bool,
) -> torch.Tensor:
    """One LSTM layer over ``x`` ``(M, B, T, I)``; the hidden states ``(M, B, T, H)`` when
    ``sequence``, else the last one ``(M, B, H)``. Gate order i, f, g, o as ``nn.LSTM``."""
    m, b, t, n_in = x.shape
    hidden = w_hh.shape[-1]
    projected = torch.baddbmm(
        (b_ih + b_hh).unsqueeze(1), _dense(x.reshape(m, b * t, n_in)), _dense(w_ih.transpose(1, 2))
    ).reshape(m, b, t, 4 * hidden)
    w_hh_t = _dense(w_hh.transpose(1, 2))
    h = x.new_zeros(m, b, hidden)
    c = x.new_zeros(m, b, hidden)
    outputs = []
    # unbind / chunk (not indexing): their backward is one stack / cat, where each indexed
    # slice's backward would fill a zero tensor of the whole input
    for x_step in projected.unbind(2):
        i, f, g, o = torch.baddbmm(x_step, h, w_hh_t).chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        if sequence:
            outputs.append(h)
    return torch.stack(outputs, dim=2) if sequence else h


def _conv_pool(x: torch.Tensor, params: dict[str, torch.Tensor], pool: int) -> torch.Tensor:
    """``Conv1d(padding="same")`` + ReLU + ``max_pool1d(pool)`` over time, per model:
    ``(M, B, T, F)`` -> ``(M, B, T', C)``."""
    weight, bias = params["conv.weight"], params["conv.bias"]  # (M, C, F, K), (M, C)
    m, b, t, f = x.shape
    channels, k = weight.shape[1], weight.shape[3]
    left = (k - 1) // 2
    padded = torch.nn.functional.pad(x, (0, 0, left, k - 1 - left))
    windows = padded.unfold(2, k, 1)  # (M, B, T, F, K)
    z = torch.baddbmm(
        bias.unsqueeze(1),
        _dense(windows.reshape(m, b * t, f * k)),
        _dense(weight.reshape(m, channels, f * k).transpose(1, 2)),
    )
    z = torch.relu(z).reshape(m, b, t, channels)
    if pool > 1 and t >= pool:
        kept = (t // pool) * pool
        z = z[:, :, :kept].reshape(m, b, t // pool, pool, channels).amax(dim=3)
    return z


def batched_forward(
    params: dict[str, torch.Tensor],
    x: torch.Tensor,
    shape: NetworkShape,
    dropout: torch.Tensor | None = None,
    generators: Sequence[torch.Generator] | None = None,
) -> torch.Tensor:
    """Outputs ``(M, B)`` of ``M`` networks for inputs ``x`` ``(M, B, T, F)``.

    Parameters
    ----------
    params : dict of str to Tensor
        Stacked parameters (:func:`stack_states`).
    x : Tensor
        Model ``m`` reads ``x[m]``.
    shape : NetworkShape
    dropout : Tensor, optional
        Per-model dropout rates ``(M,)`` (between LSTM layers and before the head, as the
        ordinary networks); ``None`` or ``generators=None``: no dropout (evaluation).
    generators : sequence of torch.Generator, optional
        One per model: its dropout masks.
    """
    z = _conv_pool(x, params, shape.pool_size) if shape.network == "cnn-lstm" else x
    pre = shape.prefix
    for layer in range(shape.layers):
        last = layer == shape.layers - 1
        z = _lstm_layer(
            z,
            params[f"{pre}weight_ih_l{layer}"],
            params[f"{pre}weight_hh_l{layer}"],
            params[f"{pre}bias_ih_l{layer}"],
            params[f"{pre}bias_hh_l{layer}"],
            sequence=not last,
        )
        z = _dropout(z, dropout, generators)
    head_w, head_b = params[f"{shape.head}weight"], params[f"{shape.head}bias"]  # (M,1,H), (M,1)
    out = torch.baddbmm(head_b.unsqueeze(1), _dense(z), _dense(head_w.transpose(1, 2)))
    return out.squeeze(-1)
