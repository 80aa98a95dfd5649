"""One trainer for every PyTorch model: Adam, mini-batches, early stopping, seeds, device.

Forecasters and text classifiers differ only in their network and input tensors; both hand
their ``nn.Module`` and tensors to :class:`Trainer`. The one exception is ``minilm-ft``
(:mod:`sentcast.models.text_finetune`): fine-tuning a transformer needs batches of varying
width, AdamW and a learning-rate schedule, so it has its own loop.
"""

from __future__ import annotations

import copy
import logging
import math
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import numpy as np
import torch
from rich.progress import Progress, TaskID
from torch import nn

from sentcast.config.training import TrainingConfig
from sentcast.progress import progress_bar, progress_enabled

logger = logging.getLogger(__name__)

__all__ = [
    "Trainer",
    "TrainingConfig",
    "TrainingHistory",
    "cell_fit",
    "fit_summary",
    "predict_tensor",
    "report_epoch",
    "report_fit",
    "resolve_device",
    "seed_everything",
]


@dataclass
class TrainingHistory:
    """Per-epoch losses and the outcome of one :meth:`Trainer.fit` call.

    ``best_epoch`` counts from 0; -1 means the untrained weights were kept (see
    ``Trainer(score_initial=True)``), whose validation loss is ``initial_val_loss``.
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0
    initial_val_loss: float | None = None
    seconds: float = 0.0
    samples_seen: int = 0

    @property
    def epochs_run(self) -> int:
        """Number of epochs actually trained."""
        return len(self.train_loss)

    @property
    def samples_per_second(self) -> float:
        """Training throughput over the whole fit."""
        return self.samples_seen / self.seconds if self.seconds > 0 else float("nan")


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch so a run reproduces exactly on the same machine."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - legacy global state some libraries still use
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _batches(n: int, batch_size: int, generator: torch.Generator | None) -> list[torch.Tensor]:
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    return list(order.split(batch_size))


class Trainer:
    """Fit an ``nn.Module`` with Adam and early stopping on validation loss.

    Parameters
    ----------
    config : TrainingConfig
        Optimisation hyper-parameters.
    loss : torch.nn.Module
        Loss taking ``(module(X_batch), y_batch)``, e.g. ``nn.MSELoss()`` or
        ``nn.CrossEntropyLoss()``.
    seed : int
        Seeds python/numpy/torch before training and the batch shuffling generator.
    description : str
        Label of the progress bar (one tick per mini-batch, so a long epoch shows progress;
        the epoch, losses and samples/s beside it).
    score_initial : bool
        Score the untrained weights on the validation part first, as a candidate "epoch 0":
        when no epoch beats them, they are what ``fit`` keeps (``best_epoch`` is then -1). A
        network whose untrained output is a baseline (a zero head on a residual target)
        can so never end worse than that baseline on validation.
    """

    def __init__(
        self,
        config: TrainingConfig,
        loss: nn.Module,
        seed: int = 0,
        description: str = "train",
        score_initial: bool = False,
    ) -> None:
        self.config = config
        self.loss = loss
        self.seed = seed
        self.description = description
        self.score_initial = score_initial

    def _epoch_loss(self, module: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
        device = next(module.parameters()).device
        module.eval()
        total = 0.0
        with torch.no_grad():
            for idx in _batches(len(X), max(self.config.batch_size, 256), None):
                out = module(X[idx].to(device))
                total += float(self.loss(out, y[idx].to(device))) * len(idx)
        return total / max(len(X), 1)

    def fit(
        self,
        module: nn.Module,
        train: tuple[torch.Tensor, torch.Tensor],
        validation: tuple[torch.Tensor, torch.Tensor] | None = None,
        on_epoch: Callable[[int, float], bool] | None = None,
    ) -> TrainingHistory:
        """Train ``module`` in place; restore the weights of the best validation epoch.

        Parameters
        ----------
        module : torch.nn.Module
            The network; moved to the configured device.
        train : (X, y) tensors
            Training inputs and targets (first dimension = samples).
        validation : (X, y) tensors, optional
            Used for early stopping; without it all epochs run and the last weights are kept.
        on_epoch : callable, optional
            Called after each epoch with ``(epoch, validation loss)`` unless patience has
            already run out; ``True`` stops training there (a tuning pruner), the best epoch's
            weights restored as usual. Only with ``validation``.

        Returns
        -------
        TrainingHistory
        """
        cfg = self.config
        seed_everything(self.seed)
        device = resolve_device(cfg.device)
        module.to(device)
        optimiser = torch.optim.Adam(
            module.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay
        )
        generator = torch.Generator().manual_seed(self.seed)
        X, y = train
        history = TrainingHistory()
        best_loss, best_state, stale = float("inf"), None, 0
        if validation is not None and self.score_initial:
            best_loss = self._epoch_loss(module, *validation)
            best_state = copy.deepcopy(module.state_dict())
            history.initial_val_loss, history.best_epoch = best_loss, -1
        start = time.perf_counter()
        per_epoch = math.ceil(len(X) / cfg.batch_size)
        with progress_bar(self.description, total=cfg.epochs * per_epoch) as bar:
            for epoch in range(cfg.epochs):
                module.train()
                total = 0.0
                bar.update(TaskID(0), info=f"epoch {epoch + 1}/{cfg.epochs}")
                for idx in _batches(len(X), cfg.batch_size, generator):
                    bar.advance(TaskID(0))
                    xb, yb = X[idx].to(device), y[idx].to(device)
                    optimiser.zero_grad()
                    loss = self.loss(module(xb), yb)
                    loss.backward()
                    if cfg.grad_clip is not None:
                        nn.utils.clip_grad_norm_(module.parameters(), cfg.grad_clip)
                    optimiser.step()
                    total += float(loss.detach()) * len(idx)
                history.train_loss.append(total / max(len(X), 1))
                history.samples_seen += len(X)
                if validation is not None:
                    val = self._epoch_loss(module, *validation)
                    history.val_loss.append(val)
                    if val < best_loss - cfg.min_delta:
                        best_loss, stale, history.best_epoch = val, 0, epoch
                        best_state = copy.deepcopy(module.state_dict())
                    else:
                        stale += 1
                else:
                    history.best_epoch = epoch
                report_epoch(bar, self.description, history, cfg.epochs, start)
                if validation is not None and (
                    stale >= cfg.patience or (on_epoch is not None and on_epoch(epoch, val))
                ):
                    break
        if best_state is not None:
            module.load_state_dict(best_state)
        history.seconds = time.perf_counter() - start
        report_fit(self.description, history)
        return history


def report_epoch(
    bar: Progress, description: str, history: TrainingHistory, epochs: int, start: float
) -> None:
    """Show the epoch just recorded in ``history`` (losses, samples/s since ``start``) beside
    the bar; without a bar (a log file or pipe) the line goes to the log at DEBUG (``--debug``
    shows every epoch; at INFO, :func:`report_fit` writes one line per fitted model).

    The validation loss is shown when ``history`` has one for this epoch.
    """
    epoch = history.epochs_run
    info = f"loss {history.train_loss[-1]:.4g}"
    if len(history.val_loss) == epoch:
        info += f" val {history.val_loss[-1]:.4g}"
    rate = history.samples_seen / max(time.perf_counter() - start, 1e-9)
    line = f"epoch {epoch}/{epochs}: {info} {rate:,.0f} samples/s"
    bar.update(TaskID(0), info=line)
    if not progress_enabled():
        logger.debug("%s: %s", description, line)


#: True while a grid cell fits its model (:func:`cell_fit`): the cell writes the log line.
_in_cell: ContextVar[bool] = ContextVar("sentcast_in_cell", default=False)


@contextmanager
def cell_fit() -> Iterator[None]:
    """Inside, :func:`report_fit` logs at DEBUG: an experiment's cell logs one line of its own
    (with :func:`fit_summary`), so a grid writes at most one INFO line per cell."""
    token = _in_cell.set(True)
    try:
        yield
    finally:
        _in_cell.reset(token)


def fit_summary(history: TrainingHistory) -> str:
    """``"23 epochs, best epoch 14, 1.2 s"``: epochs trained, the epoch whose weights were kept
    (counting from 1; ``"kept the untrained weights"`` when no epoch beat them, see
    ``Trainer(score_initial=True)``), seconds."""
    best = (
        f"best epoch {history.best_epoch + 1}"
        if history.best_epoch >= 0
        else "kept the untrained weights"
    )
    return f"{history.epochs_run} epochs, {best}, {history.seconds:.1f} s"


def report_fit(description: str, history: TrainingHistory) -> None:
    """Log one line for a fitted model at INFO (DEBUG inside :func:`cell_fit`)."""
    level = logging.DEBUG if _in_cell.get() else logging.INFO
    logger.log(
        level,
        "%s: %s (%.0f samples/s)",
        description,
        fit_summary(history),
        history.samples_per_second,
    )


def predict_tensor(module: nn.Module, X: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    """Run ``module`` in eval mode over ``X`` in batches; returns outputs on the CPU."""
    device = next(module.parameters()).device
    module.eval()
    outputs = []
    with torch.no_grad():
        for idx in _batches(len(X), batch_size, None):
            outputs.append(module(X[idx].to(device)).cpu())
    return torch.cat(outputs) if outputs else torch.empty(0)
