"""Refuse a network too large for memory before allocating it.

The network is built on PyTorch's ``meta`` device (shapes, no storage), so counting the
parameters of even an absurd configuration (``hidden_size = 10**7``) costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from sentcast.errors import UserInputError, one_line

#: Largest network accepted: 250 million parameters (1 GB of float32 weights, several times
#: that during training).
MAX_PARAMETERS = 250_000_000


def count_parameters(build: Callable[[], nn.Module]) -> int:
    """Parameters of the module ``build()`` returns, counted without allocating it."""
    with torch.device("meta"):
        module = build()
    return sum(p.numel() for p in module.parameters())


def check_network_size(build: Callable[[], nn.Module], what: str) -> None:
    """Raise unless ``build()`` would make a network of at most :data:`MAX_PARAMETERS`.

    Parameters
    ----------
    build : callable
        Makes the network (called once, on the ``meta`` device).
    what : str
        Names the network and its sizes in the message, e.g. ``"lstm (hidden_size=50)"``.

    Raises
    ------
    UserInputError
        When the sizes are invalid or the network would be too large.
    """
    try:
        n = count_parameters(build)
    except (RuntimeError, ValueError, OverflowError) as exc:
        raise UserInputError(f"{what}: invalid network sizes ({one_line(exc)})") from None
    if n > MAX_PARAMETERS:
        raise UserInputError(
            f"{what}: the network would have {n:,} parameters ({4 * n / 1e9:,.1f} GB of "
            f"float32 weights); the limit is {MAX_PARAMETERS:,}: choose smaller sizes"
        )
