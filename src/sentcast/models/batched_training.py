"""Train networks of one shape together: one optimiser step for all, per-model early stopping.

:func:`train_batched` is :class:`~sentcast.models.training.Trainer` for ``M`` networks at once
(:mod:`sentcast.models.batched_networks`). Per model: its own data, seed (batch order, dropout
masks), learning rate, weight decay, gradient clipping, patience and early stopping (with
``score_initial``: the untrained weights are a candidate). The loss summed over models has
as gradient each model's own loss gradient on its own slice, and Adam acts element by element,
so one step for all equals one step per model. A model that stops keeps its best weights and
leaves the batch (the others' tensors are sliced): it no longer changes and costs nothing.
Training runs with one torch intra-op thread (restored afterwards), as the grid's
``grid.threads = 1``: with several, a kernel's split of the work depends on the batch's size.

Reproducibility: model ``m``'s batches come from ``torch.Generator().manual_seed(seed_m)``,
exactly as :class:`Trainer`'s (the same batch order), and its dropout masks from a second
generator of its own, so its result depends on its seed, data and settings only, never on
the other models of the batch (bitwise; ``tests/models/test_batched.py``), except that a
model left alone in its batch rounds differently (see :mod:`.batched_networks`). Against the
per-model path the arithmetic differs by rounding only (batched matrix products instead of
``nn.LSTM``'s kernels; dropout masks come from other streams).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from sentcast.config.training import TrainingConfig
from sentcast.models.batched_networks import NetworkShape, batched_forward, stack_states
from sentcast.models.training import TrainingHistory

logger = logging.getLogger(__name__)

__all__ = ["BatchedRun", "train_batched"]

_BETAS = (0.9, 0.999)
_EPS = 1e-8
_EVAL_CHUNK = 256


@dataclass
class BatchedRun:
    """One model of a batch: its initial weights, data and settings.

    Attributes
    ----------
    state : dict of str to Tensor
        Initial weights, an ordinary state dict of the shape's network.
    train : (X, y) tensors
        ``X`` ``(N, T, F)``, ``y`` ``(N,)``; ``N`` equal for every model of a batch.
    validation : (X, y) tensors, optional
        Early stopping (the same sizes for every model of a batch, or absent for all).
    config : TrainingConfig
        ``epochs`` and ``batch_size`` equal for every model; the rest may differ.
    seed : int
        Batch order and dropout masks.
    dropout : float
        Dropout rate of this model.
    score_initial : bool
        The untrained weights are a candidate (best epoch -1), as in ``Trainer``.
    on_epoch : callable, optional
        Called after each epoch with ``(epoch, validation loss)``; ``True`` stops this model
        there (a pruned tuning trial), with its best weights so far.
    """

    state: dict[str, torch.Tensor]
    train: tuple[torch.Tensor, torch.Tensor]
    validation: tuple[torch.Tensor, torch.Tensor] | None
    config: TrainingConfig
    seed: int = 0
    dropout: float = 0.0
    score_initial: bool = False
    on_epoch: Callable[[int, float], bool] | None = None


def _check_runs(runs: Sequence[BatchedRun]) -> None:
    first = runs[0]
    for run in runs[1:]:
        if (run.config.epochs, run.config.batch_size) != (
            first.config.epochs,
            first.config.batch_size,
        ):
            raise ValueError("models of one batch need the same epochs and batch_size")
        if run.train[0].shape != first.train[0].shape:
            raise ValueError("models of one batch need training windows of one shape")
        if (run.validation is None) != (first.validation is None) or (
            run.validation is not None
            and first.validation is not None
            and run.validation[0].shape != first.validation[0].shape
        ):
            raise ValueError("models of one batch need validation windows of one shape")


def _losses(out: torch.Tensor, y: torch.Tensor, classifier: bool) -> torch.Tensor:
    """Per-model mean loss ``(M,)`` (MSE, or BCE with logits)."""
    if classifier:
        raw = torch.nn.functional.binary_cross_entropy_with_logits(out, y, reduction="none")
    else:
        raw = (out - y) ** 2
    return raw.mean(dim=1)


def _eval_losses(
    params: dict[str, torch.Tensor],
    X: torch.Tensor,
    y: torch.Tensor,
    shape: NetworkShape,
    classifier: bool,
) -> torch.Tensor:
    """Per-model mean loss over all of ``X`` ``(M, N, T, F)`` in chunks, without dropout."""
    n = X.shape[1]
    total = torch.zeros(X.shape[0], dtype=torch.float64)
    with torch.no_grad():
        for start in range(0, n, _EVAL_CHUNK):
            xb, yb = X[:, start : start + _EVAL_CHUNK], y[:, start : start + _EVAL_CHUNK]
            out = batched_forward(params, xb, shape)
            total += _losses(out, yb, classifier).double() * xb.shape[1]
    return total / max(n, 1)


class _Batch:
    """The active models' tensors: parameters, Adam moments, data and per-model settings."""

    def __init__(self, runs: Sequence[BatchedRun]) -> None:
        self.ids = list(range(len(runs)))
        self.params = stack_states([r.state for r in runs])
        self.exp_avg = {k: torch.zeros_like(v) for k, v in self.params.items()}
        self.exp_avg_sq = {k: torch.zeros_like(v) for k, v in self.params.items()}
        self.X = torch.stack([r.train[0] for r in runs]).float()
        self.y = torch.stack([r.train[1] for r in runs]).float()
        val = [r.validation for r in runs]
        self.Xv = torch.stack([v[0] for v in val if v is not None]).float() if val[0] else None
        self.yv = torch.stack([v[1] for v in val if v is not None]).float() if val[0] else None
        self.lr = torch.tensor([r.config.learning_rate for r in runs])
        self.decay = torch.tensor([r.config.weight_decay for r in runs])
        self.clip = torch.tensor([r.config.grad_clip or math.inf for r in runs])
        self.dropout = torch.tensor([r.dropout for r in runs])
        self.order = [torch.Generator().manual_seed(r.seed) for r in runs]
        self.masks = [torch.Generator().manual_seed(r.seed) for r in runs]

    def keep(self, rows: list[int]) -> None:
        """Keep the models at positions ``rows`` only."""
        idx = torch.tensor(rows, dtype=torch.long)

        def cut(t: torch.Tensor) -> torch.Tensor:
            return t.index_select(0, idx).contiguous()

        self.ids = [self.ids[r] for r in rows]
        self.params = {k: cut(v) for k, v in self.params.items()}
        self.exp_avg = {k: cut(v) for k, v in self.exp_avg.items()}
        self.exp_avg_sq = {k: cut(v) for k, v in self.exp_avg_sq.items()}
        self.X, self.y = cut(self.X), cut(self.y)
        if self.Xv is not None and self.yv is not None:
            self.Xv, self.yv = cut(self.Xv), cut(self.yv)
        self.lr, self.decay = cut(self.lr), cut(self.decay)
        self.clip, self.dropout = cut(self.clip), cut(self.dropout)
        self.order = [self.order[r] for r in rows]
        self.masks = [self.masks[r] for r in rows]


def _per_model(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``(M,)`` values shaped to broadcast against ``like`` ``(M, ...)``."""
    return values.reshape((-1,) + (1,) * (like.dim() - 1)).to(like.dtype)


def _step(batch: _Batch, grads: dict[str, torch.Tensor], step: int) -> None:
    """Per-model gradient clipping (as ``clip_grad_norm_``), then Adam (as ``torch.optim.Adam``,
    per-model learning rate and weight decay)."""
    if bool(torch.isfinite(batch.clip).any()):
        norms = torch.stack(
            [g.reshape(g.shape[0], -1).norm(dim=1) for g in grads.values()], dim=1
        ).norm(dim=1)
        coef = torch.clamp(batch.clip / (norms + 1e-6), max=1.0)
        grads = {k: g * _per_model(coef, g) for k, g in grads.items()}
    beta1, beta2 = _BETAS
    correction1 = 1 - beta1**step
    correction2_sqrt = math.sqrt(1 - beta2**step)
    with torch.no_grad():
        for name, param in batch.params.items():
            grad = grads[name]
            if bool((batch.decay > 0).any()):
                grad = grad + _per_model(batch.decay, param) * param
            avg, avg_sq = batch.exp_avg[name], batch.exp_avg_sq[name]
            avg.lerp_(grad, 1 - beta1)
            avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            denom = (avg_sq.sqrt() / correction2_sqrt).add_(_EPS)
            param.addcdiv_(avg * _per_model(batch.lr / correction1, param), denom, value=-1.0)


def train_batched(
    shape: NetworkShape, runs: Sequence[BatchedRun], classifier: bool = False
) -> list[tuple[dict[str, torch.Tensor], TrainingHistory]]:
    """Train the models of ``runs`` together; each ends with the weights of its best
    validation epoch (or its untrained weights, see ``score_initial``).

    Parameters
    ----------
    shape : NetworkShape
        The networks' common shape.
    runs : sequence of BatchedRun
        One per model (see :class:`BatchedRun` for what must agree).
    classifier : bool
        ``BCEWithLogitsLoss`` instead of MSE.

    Returns
    -------
    list of (state dict, TrainingHistory)
        Per model, in the order of ``runs``.
    """
    if not runs:
        return []
    _check_runs(runs)
    threads = torch.get_num_threads()
    # One intra-op thread: a parallel kernel splits its work by the whole batch's size, so a
    # model's arithmetic would depend on how many models share it (measured: with 2 threads
    # a seed's weights differ in the last bits alone vs in a batch; with 1 they are equal).
    torch.set_num_threads(1)
    try:
        return _train(shape, runs, classifier)
    finally:
        torch.set_num_threads(threads)


def _train(
    shape: NetworkShape, runs: Sequence[BatchedRun], classifier: bool
) -> list[tuple[dict[str, torch.Tensor], TrainingHistory]]:
    batch = _Batch(runs)
    n = batch.X.shape[1]
    epochs, batch_size = runs[0].config.epochs, runs[0].config.batch_size
    histories = [TrainingHistory() for _ in runs]
    best: list[dict[str, torch.Tensor] | None] = [None] * len(runs)
    best_loss = [math.inf] * len(runs)
    stale = [0] * len(runs)
    start = time.perf_counter()
    if batch.Xv is not None and batch.yv is not None:
        initial = _eval_losses(batch.params, batch.Xv, batch.yv, shape, classifier)
        for row, model in enumerate(batch.ids):
            if runs[model].score_initial:
                best_loss[model] = float(initial[row])
                best[model] = {k: v[row].clone() for k, v in batch.params.items()}
                histories[model].initial_val_loss = best_loss[model]
                histories[model].best_epoch = -1
    step = 0
    for epoch in range(epochs):
        orders = [torch.randperm(n, generator=g).split(batch_size) for g in batch.order]
        totals = torch.zeros(len(batch.ids), dtype=torch.float64)
        rows = torch.arange(len(batch.ids)).unsqueeze(1)
        for j in range(len(orders[0])):
            idx = torch.stack([order[j] for order in orders])
            xb, yb = batch.X[rows, idx], batch.y[rows, idx]
            params = {k: v.requires_grad_(True) for k, v in batch.params.items()}
            out = batched_forward(params, xb, shape, batch.dropout, batch.masks)
            losses = _losses(out, yb, classifier)
            grads = torch.autograd.grad(losses.sum(), list(params.values()))
            for v in params.values():
                v.requires_grad_(False)
            step += 1
            _step(batch, dict(zip(params, grads, strict=True)), step)
            totals += losses.detach().double() * idx.shape[1]
        val = None
        if batch.Xv is not None and batch.yv is not None:
            val = _eval_losses(batch.params, batch.Xv, batch.yv, shape, classifier)
        keep = []
        for row, model in enumerate(batch.ids):
            history, cfg = histories[model], runs[model].config
            history.train_loss.append(float(totals[row]) / max(n, 1))
            history.samples_seen += n
            if val is None:
                history.best_epoch = epoch
                keep.append(row)
                continue
            history.val_loss.append(float(val[row]))
            if float(val[row]) < best_loss[model] - cfg.min_delta:
                best_loss[model], stale[model], history.best_epoch = float(val[row]), 0, epoch
                best[model] = {k: v[row].clone() for k, v in batch.params.items()}
            else:
                stale[model] += 1
            stop = runs[model].on_epoch
            if stale[model] < cfg.patience and not (stop and stop(epoch, float(val[row]))):
                keep.append(row)
            elif best[model] is None:  # never a finite validation loss: its last weights
                best[model] = {k: v[row].clone() for k, v in batch.params.items()}
        if not keep:
            break
        if len(keep) < len(batch.ids):
            batch.keep(keep)
    seconds = time.perf_counter() - start
    final = {model: row for row, model in enumerate(batch.ids)}
    results = []
    for model, history in enumerate(histories):
        history.seconds = seconds
        state = best[model]
        if state is None:  # no validation: the last weights (the model ran every epoch)
            state = {k: v[final[model]].clone() for k, v in batch.params.items()}
        results.append((state, history))
    logger.debug("batched %s x%d: %.1f s", shape.network, len(runs), seconds)
    return results
