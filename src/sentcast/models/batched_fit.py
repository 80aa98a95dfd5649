"""Fit several :class:`~sentcast.models.forecast.SequenceForecaster` s in batched training.

:func:`fit_batched` takes unfitted forecasters (seeds of a grid cell, tuning trials) with
their data, groups those that can share one batch (same network shape, window and sample
counts, epochs, batch size and loss; see :func:`batch_key`) and trains each group with
:func:`~sentcast.models.batched_training.train_batched`. Every forecaster ends fitted as by
its own ``fit``: same scalers, an ordinary ``LSTMNet`` / ``CNNLSTMNet`` in ``module_`` (so it
predicts, saves and loads as usual) and a ``history_``. GRU forecasters, networks whose
recurrent sequence is longer than ``max_steps`` (there the fused ``nn.LSTM`` kernel is faster
than a batch, see :data:`MAX_BATCHED_STEPS`) and any other that cannot batch are fitted one by
one with ``fit``, with the same ``on_epoch`` callbacks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence

import numpy as np
from torch import nn

from sentcast.config.training import TrainingConfig
from sentcast.models.batched_networks import BATCHED_NETWORKS, NetworkShape
from sentcast.models.batched_training import BatchedRun, train_batched
from sentcast.models.forecast import SequenceForecaster, check_windows
from sentcast.models.training import resolve_device

__all__ = ["MAX_BATCHED_STEPS", "batch_key", "fit_batched", "network_shape", "recurrent_steps"]

Data = tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]

#: Longest recurrent sequence (time steps the LSTM runs: the window, or for ``cnn-lstm`` the
#: window after pooling) trained in a batch. Beyond it, one model at a time is faster on a
#: CPU: ``nn.LSTM``'s fused kernel then spends its time on arithmetic, not per-operation
#: overhead, and the batch's per-step loop only adds to it. Measured by
#: ``benchmarks/batched_crossover.py`` (2-core machine, 3 seeds: batching gains 1.05-2.1x up
#: to 10 steps, ties at 12-15 and loses up to 1.6x at 20-90 steps, where the per-model LSTM
#: runs at 30-39 GFLOP/s, near the core's arithmetic rate).
MAX_BATCHED_STEPS = 12


def network_shape(model: SequenceForecaster, n_features: int) -> NetworkShape:
    """The :class:`NetworkShape` of ``model``'s network for ``n_features`` inputs."""
    if model.network != "cnn-lstm":  # no CNN fields: LSTMs that differ only there batch together
        return NetworkShape(model.network, n_features, model.hidden_size, model.layers)
    return NetworkShape(
        model.network,
        n_features,
        model.hidden_size,
        model.layers,
        model.channels,
        model.kernel_size,
        model.pool_size,
    )


def recurrent_steps(model: SequenceForecaster, window: int) -> int:
    """Time steps ``model``'s LSTM runs for windows of ``window`` days (after the CNN's
    max-pooling for ``cnn-lstm``, as :func:`~sentcast.models.batched_networks.batched_forward`
    pools)."""
    if model.network == "cnn-lstm" and model.pool_size > 1 and window >= model.pool_size:
        return window // model.pool_size
    return window


def batch_key(
    model: SequenceForecaster, data: Data, max_steps: int | None = MAX_BATCHED_STEPS
) -> Hashable | None:
    """What forecasters must share to train in one batch; ``None``: this one trains alone (a
    GRU, a CUDA device, since batching serves small networks on a CPU, or a recurrent
    sequence longer than ``max_steps``; ``None`` for ``max_steps``: no limit)."""
    config = model.train or TrainingConfig()
    if model.network not in BATCHED_NETWORKS or resolve_device(config.device).type != "cpu":
        return None
    X, _, validation = data
    if max_steps is not None and recurrent_steps(model, np.shape(X)[1]) > max_steps:
        return None
    val_shape = None if validation is None else np.shape(validation[0])
    return (
        network_shape(model, np.shape(X)[2]),
        np.shape(X),
        val_shape,
        config.epochs,
        config.batch_size,
        model.target_kind == "direction",
    )


def fit_batched(
    models: Sequence[SequenceForecaster],
    data: Sequence[Data],
    on_epoch: Sequence[Callable[[int, float], bool] | None] | None = None,
    max_steps: int | None = MAX_BATCHED_STEPS,
) -> list[tuple[SequenceForecaster, float]]:
    """Fit each of ``models`` on its ``(X, y, validation)``, batching those that can.

    Parameters
    ----------
    models : sequence of SequenceForecaster
        Unfitted (or to be refitted) forecasters.
    data : sequence of (X, y, validation)
        One per model, as ``fit`` takes them.
    on_epoch : sequence of callable or None, optional
        Per model: called after each epoch with ``(epoch, validation loss)``; ``True`` stops
        it (see :class:`~sentcast.models.batched_training.BatchedRun`; a model that trains
        alone gets the same callback through ``fit``).
    max_steps : int or None, optional
        Longest recurrent sequence trained in a batch (:data:`MAX_BATCHED_STEPS`); longer
        ones train one at a time. ``None``: batch whatever shares a shape.

    Returns
    -------
    list of (SequenceForecaster, float)
        Each model, fitted, with its share of the wall time of its batch (seconds), in the
        order given.
    """
    if len(models) != len(data):
        raise ValueError("one (X, y, validation) per model")
    groups: dict[Hashable, list[int]] = {}
    seconds: dict[int, float] = {}
    for i, (model, item) in enumerate(zip(models, data, strict=True)):
        key = batch_key(model, (check_windows(item[0]), item[1], item[2]), max_steps)
        if key is None:
            start = time.perf_counter()
            model.fit(*item[:2], validation=item[2], on_epoch=on_epoch[i] if on_epoch else None)
            seconds[i] = time.perf_counter() - start
        else:
            groups.setdefault(key, []).append(i)
    for members in groups.values():
        start = time.perf_counter()
        runs = []
        for i in members:
            model = models[i]
            train, val = model.prepare_fit(*data[i][:2], data[i][2])
            runs.append(
                BatchedRun(
                    state=model.module_.state_dict(),
                    train=train,
                    validation=val,
                    config=model.train or TrainingConfig(),
                    seed=model.seed,
                    dropout=model.dropout,
                    score_initial=model._residual,
                    on_epoch=on_epoch[i] if on_epoch is not None else None,
                )
            )
        first = models[members[0]]
        shape = network_shape(first, first.n_features_in_)
        results = train_batched(shape, runs, classifier=first.target_kind == "direction")
        for i, (state, history) in zip(members, results, strict=True):
            module: nn.Module = models[i].module_
            module.load_state_dict(state)
            models[i].finish_fit(history)
        share = (time.perf_counter() - start) / len(members)
        for i in members:
            seconds[i] = share
    return [(model, seconds[i]) for i, model in enumerate(models)]
