"""``[tuning]``: hyper-parameter search of the grid's networks on the validation part
(validated without importing torch or optuna)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from sentcast.config.base import FrozenModel, unique

TunedModel = Literal["lstm", "gru", "cnn-lstm"]


class SearchSpace(FrozenModel):
    """What a trial may choose. Lists are categorical choices; ``(low, high)`` pairs ranges
    (the learning rate on a log scale). An empty list (or a range whose ends are equal) keeps
    the value of ``[model.<network>]`` / ``[train]``.

    Attributes
    ----------
    hidden_size, layers, batch_size : list of int
    dropout : (float, float)
        Uniform range in [0, 1).
    learning_rate : (float, float)
        Log-uniform range, > 0.
    """

    hidden_size: list[int] = Field(default_factory=lambda: [16, 32, 64, 128])
    layers: list[int] = Field(default_factory=lambda: [1, 2])
    dropout: tuple[float, float] = (0.0, 0.3)
    learning_rate: tuple[float, float] = (3e-4, 1e-2)
    batch_size: list[int] = Field(default_factory=lambda: [32, 64])

    _unique = field_validator("hidden_size", "layers", "batch_size")(unique)

    @field_validator("hidden_size", "layers", "batch_size")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if any(v < 1 for v in value):
            raise ValueError("every choice must be >= 1")
        return value

    @model_validator(mode="after")
    def _ranges(self) -> SearchSpace:
        low, high = self.dropout
        if not 0 <= low <= high < 1:
            raise ValueError(f"dropout: need 0 <= low <= high < 1, got {self.dropout}")
        low, high = self.learning_rate
        if not 0 < low <= high:
            raise ValueError(f"learning_rate: need 0 < low <= high, got {self.learning_rate}")
        return self


class TuningConfig(FrozenModel):
    """``[tuning]``: an Optuna study per network cell (horizon, window, feature set, network)
    before its seeds are trained; the chosen parameters train every seed of the cell.

    Attributes
    ----------
    enabled : bool
    models : list of str
        Networks tuned (empty: every network of ``grid.models``).
    trials : int
        Trials per cell, the first being the untuned parameters (so the choice is never
        worse than them on validation).
    rounds_of : int
        Trials asked together per round: trained as batches (trials of one size), or as Ray
        tasks; told in trial order, so the engines agree.
    sampler : {"tpe", "random"}
        Optuna's ``TPESampler`` or ``RandomSampler``, seeded with ``seed``.
    seed : int
        Sampler seed; also the training seed of every trial.
    pruner : {"median", "none"}
        Median rule on the validation curve: a trial stops at an epoch where its best
        validation loss is worse than the median of the finished trials' (earlier rounds) at
        that epoch, after ``startup_trials`` trials and ``warmup_epochs`` epochs.
    space : SearchSpace
        The search space of every tuned network; ``spaces.<network>`` replaces it for one.
    """

    enabled: bool = False
    models: list[TunedModel] = Field(default_factory=list)
    trials: int = Field(20, ge=1)
    rounds_of: int = Field(4, ge=1)
    sampler: Literal["tpe", "random"] = "tpe"
    seed: int = Field(0, ge=0)
    pruner: Literal["median", "none"] = "median"
    startup_trials: int = Field(5, ge=0)
    warmup_epochs: int = Field(5, ge=0)
    space: SearchSpace = SearchSpace()
    spaces: dict[TunedModel, SearchSpace] = Field(default_factory=dict)

    _unique = field_validator("models")(unique)

    def space_of(self, network: str) -> SearchSpace:
        """The search space of ``network``."""
        return self.spaces.get(network, self.space)  # type: ignore[call-overload]

    def tunes(self, network: str, grid_models: list[str]) -> bool:
        """Whether cells of ``network`` are tuned."""
        return self.enabled and network in (self.models or grid_models)
