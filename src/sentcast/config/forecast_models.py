"""``[model]`` of a forecast experiment: one table per network, ridge, random forest and the
statistical baselines (split from :mod:`sentcast.config.forecast`, which re-exports them), and
the model names the grid and the backtest accept."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from sentcast.config.base import FrozenModel, renamed_keys

#: Networks (``grid.models``).
Model = Literal["lstm", "gru", "cnn-lstm"]
#: Baselines (``grid.baselines``).
Baseline = Literal["naive", "ridge", "rf", "ets", "arima", "theta", "rwd"]
#: Older spellings of model names, still read (with a note).
OLD_MODEL_NAMES = {"cnn_lstm": "cnn-lstm"}
#: How a window model reads its inputs (see the models that take it).
InputNorm = Literal["window", "global"]


class NetworkConfig(FrozenModel):
    """Hyper-parameters of one network (``[model.lstm]``, ``[model.cnn-lstm]``, ...).

    ``input_norm`` and ``head`` choose the formulation
    (:class:`~sentcast.models.forecast.SequenceForecaster`): ``window`` + ``residual``
    (default) scale market columns per window and predict the change from the last close
    with a head that starts at naive; ``global`` + ``level`` is the study's formulation
    (min-max on price levels fitted on the training part, the level itself as output).

    Attributes
    ----------
    hidden_size : int
        Units of the recurrent layer.
    layers : int
        Stacked recurrent layers.
    dropout : float
        Dropout between stacked layers.
    channels, kernel_size, pool_size : int
        The convolution of ``cnn-lstm``: filters, kernel width, max-pooling width.
    input_norm : str
        ``window``: market columns scaled per window; ``global``: one scaler on the training
        part.
    head : str
        ``residual``: predict the change from the last close, starting at naive; ``level``:
        predict the level.
    """

    hidden_size: int = Field(50, gt=0)
    layers: int = Field(1, gt=0)
    dropout: float = Field(0.0, ge=0, lt=1)
    channels: int = Field(32, gt=0)
    kernel_size: int = Field(3, gt=0)
    pool_size: int = Field(2, gt=0)
    input_norm: InputNorm = "window"
    head: Literal["residual", "level"] = "residual"


class RidgeConfig(FrozenModel):
    """``[model.ridge]``.

    Attributes
    ----------
    alpha : float
        The penalty, when ``alphas`` is empty.
    relative : bool
        Fit the change from the window's last close (price targets), not the level.
    input_norm : {"window", "global"}
        ``window``: level-like features as log ratios to the window's last day and the scaled
        log change from the last close as the target (as the networks); ``global``: raw
        levels (the study's baselines).
    """

    alpha: float = Field(1.0, gt=0)
    alphas: list[float] = Field(
        default_factory=list, description="non-empty: choose alpha by time-series CV on training"
    )
    relative: bool = True
    input_norm: InputNorm = "window"

    @field_validator("alphas")
    @classmethod
    def _positive_alphas(cls, value: list[float]) -> list[float]:
        if any(a <= 0 for a in value):
            raise ValueError("every alpha must be > 0")
        return value


class ForestConfig(FrozenModel):
    """``[model.rf]``: scikit-learn's random forest on flattened windows.

    Attributes
    ----------
    n_estimators, max_depth, min_samples_leaf, max_features
        As in ``sklearn.ensemble.RandomForestRegressor``.
    relative : bool
        Fit the change from the window's last close (price targets), not the level.
    input_norm : {"window", "global"}
        As ``[model.ridge]``.
    """

    n_estimators: int = Field(100, gt=0)
    max_depth: int | None = Field(None, gt=0)
    min_samples_leaf: int = Field(1, gt=0)
    max_features: str | float = "sqrt"
    relative: bool = True
    input_norm: InputNorm = "window"


class StatisticalConfig(FrozenModel):
    """``[model.statistical]``: the statsforecast baselines (``ets``, ``arima``, ``theta``,
    ``rwd`` in ``grid.baselines``), fitted on the training part's closes and rolled forward
    one origin at a time (:mod:`sentcast.models.statistical`)."""

    refit_every: int = Field(
        20, gt=0, description="days after the training part between two fits of the parameters"
    )
    season_length: int = Field(1, gt=0, description="1: no season")


class ModelsConfig(FrozenModel):
    """``[model]``: one table per model, named as in ``grid.models`` (``[model.cnn-lstm]``; the
    older ``[model.cnn_lstm]`` is read with a note)."""

    lstm: NetworkConfig = NetworkConfig()
    gru: NetworkConfig = NetworkConfig()
    cnn_lstm: NetworkConfig = Field(NetworkConfig(), alias="cnn-lstm")
    ridge: RidgeConfig = RidgeConfig()
    rf: ForestConfig = ForestConfig()
    statistical: StatisticalConfig = StatisticalConfig()

    @model_validator(mode="before")
    @classmethod
    def _old_names(cls, data: Any) -> Any:
        return renamed_keys(data, OLD_MODEL_NAMES)

    def network(self, name: str) -> NetworkConfig:
        """The table of network ``name`` (``lstm``, ``gru`` or ``cnn-lstm``)."""
        table: NetworkConfig = getattr(self, name.replace("-", "_"))
        return table
