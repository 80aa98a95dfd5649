"""One round of tuning trials: the networks of the asked parameters, trained on the cell's
training part, scored on its validation part (RMSE in USD); the test part is never used.

A round is a pure function of its inputs (the cell's data, the trials' numbers and
parameters, and the validation curves of the trials finished in earlier rounds), so it runs
the same here or as a Ray task: trials of one network shape train as one batch
(:func:`sentcast.models.batched_fit.fit_batched`), and a trial's result never depends on the
other trials of its batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sentcast.config.forecast import ForecastExperiment
from sentcast.config.training import TrainingConfig
from sentcast.evaluation.regression import forecast_metrics
from sentcast.experiments.forecast_cells import build_estimator
from sentcast.experiments.forecast_data import CellData
from sentcast.models.batched_fit import fit_batched
from sentcast.models.forecast import SequenceForecaster

__all__ = ["TUNED_PARAMS", "MedianRule", "TrialResult", "run_round", "trial_estimator"]

#: Parameters a trial may set (``SearchSpace`` fields).
TUNED_PARAMS = ("hidden_size", "layers", "dropout", "learning_rate", "batch_size")


@dataclass
class TrialResult:
    """What a trial left: its validation RMSE (USD) with its best weights, whether it was
    pruned, its validation-loss curve (scaled, per epoch), epochs and seconds."""

    number: int
    params: dict[str, Any]
    value: float
    pruned: bool
    curve: list[float] = field(default_factory=list)
    best_epoch: int = 0
    seconds: float = 0.0


def trial_estimator(
    name: str, config: ForecastExperiment, data: CellData, params: dict[str, Any], seed: int
) -> SequenceForecaster:
    """The grid's estimator of network ``name`` with ``params`` (a trial's or the chosen
    ones) in place of ``[model.<name>]`` / ``[train]`` values."""
    model: SequenceForecaster = build_estimator(name, config, seed, data)
    train = (model.train or TrainingConfig()).model_copy(
        update={k: params[k] for k in ("learning_rate", "batch_size") if k in params}
    )
    net = {k: params[k] for k in ("hidden_size", "layers", "dropout") if k in params}
    model.set_params(train=train, **net)
    return model


class MedianRule:
    """Median pruning on the validation curve against *finished* trials only (those of
    earlier rounds), so a decision never depends on the order in which running trials
    report: a trial stops at epoch ``e`` when its best validation loss so far is worse than
    the median of the finished trials' best losses up to ``e``.

    Parameters
    ----------
    curves : list of list of float
        Validation curves of the finished (not pruned) trials.
    startup : int
        No pruning before this many finished trials.
    warmup : int
        No pruning before this epoch (0-based).
    """

    def __init__(self, curves: list[list[float]], startup: int, warmup: int) -> None:
        self.curves = [c for c in curves if c]
        self.startup, self.warmup = startup, warmup

    def median(self, epoch: int) -> float | None:
        """The median of the finished trials' best losses up to ``epoch``; ``None`` while
        pruning is off (startup trials, warmup epochs)."""
        if len(self.curves) < max(self.startup, 1) or epoch < self.warmup:
            return None
        return float(np.median([min(c[: epoch + 1]) for c in self.curves]))

    def watcher(self) -> _Watcher:
        """A per-trial callback for :func:`~sentcast.models.batched_fit.fit_batched`."""
        return _Watcher(self)


class _Watcher:
    """Tracks one trial's best loss; says stop when the median rule prunes it."""

    def __init__(self, rule: MedianRule) -> None:
        self.rule, self.best, self.pruned = rule, float("inf"), False

    def __call__(self, epoch: int, loss: float) -> bool:
        self.best = min(self.best, loss)
        median = self.rule.median(epoch)
        self.pruned = median is not None and self.best > median
        return self.pruned


def validation_rmse_usd(model: SequenceForecaster, data: CellData, kind: str) -> float:
    """RMSE in USD of ``model`` on the cell's validation part (the tuning objective)."""
    val = data.split.validation
    pred = model.predict(val.X)
    metrics = forecast_metrics(
        kind, val.y, pred, val.last_close, val.target_close, data.target_range
    )
    return float(metrics["rmse_usd"])


def run_round(
    name: str,
    config: ForecastExperiment,
    data: CellData,
    trials: list[tuple[int, dict[str, Any]]],
    finished: list[list[float]],
) -> list[TrialResult]:
    """Train and score the ``trials`` (number, parameters) of one round of network ``name``.

    Every trial trains with the seed ``tuning.seed``; ``finished`` holds the validation
    curves of the trials completed in earlier rounds (the median rule's reference).
    """
    tuning = config.tuning
    rule = MedianRule(finished, tuning.startup_trials, tuning.warmup_epochs)
    watchers = [rule.watcher() if tuning.pruner == "median" else None for _ in trials]
    models = [trial_estimator(name, config, data, p, tuning.seed) for _, p in trials]
    split = data.split
    item = (split.train.X, split.train.y, (split.validation.X, split.validation.y))
    fitted = fit_batched(models, [item] * len(models), watchers)
    results = []
    for (number, params), (model, seconds), watcher in zip(trials, fitted, watchers, strict=True):
        results.append(
            TrialResult(
                number=number,
                params=params,
                value=validation_rmse_usd(model, data, config.target.kind),
                pruned=bool(watcher is not None and watcher.pruned),
                curve=list(model.history_.val_loss),
                best_epoch=model.history_.best_epoch,
                seconds=seconds,
            )
        )
    return results
