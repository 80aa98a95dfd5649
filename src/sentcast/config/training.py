"""``[train]``: the optimisation loop's hyper-parameters (no torch import needed to validate)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sentcast.config.base import FrozenModel


class TrainingConfig(FrozenModel):
    """Hyper-parameters of the optimisation loop (one TOML ``[train]`` table).

    Attributes
    ----------
    epochs : int
        Maximum number of passes over the training data.
    batch_size : int
        Mini-batch size.
    learning_rate : float
        Adam learning rate.
    weight_decay : float
        Adam weight decay (L2).
    patience : int
        Epochs without improvement of the validation loss before stopping; the best weights
        are restored. Ignored without validation data.
    min_delta : float
        Smallest decrease of the validation loss that counts as an improvement.
    grad_clip : float or None
        Max gradient norm; ``None`` disables clipping.
    device : str
        ``"auto"`` (CUDA when present, else CPU), ``"cpu"`` or ``"cuda"``.
    """

    epochs: int = Field(100, gt=0)
    batch_size: int = Field(32, gt=0)
    learning_rate: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    patience: int = Field(10, ge=1)
    min_delta: float = Field(0.0, ge=0)
    grad_clip: float | None = Field(None, gt=0)
    device: Literal["auto", "cpu", "cuda"] = "auto"
