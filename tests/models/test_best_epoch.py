"""Every torch model that trains with validation keeps the epoch of the lowest validation loss.

Each test builds a run whose best epoch is *not* its last (a validation set that training
makes worse after a while), records the weights at the end of every epoch (just before the
validation pass reads them) and checks that the fitted module, and the saved folder, hold
exactly the weights of the best epoch. A trainer that kept a reference to the live weights
instead of a copy would end with the last epoch's weights and fail here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from sentcast.features.sets import feature_columns
from sentcast.features.windows import make_windows, split_windows
from sentcast.models.forecast import SequenceForecaster
from sentcast.models.persistence import WEIGHTS_FILE
from sentcast.models.text_finetune import FineTunedEncoderClassifier
from sentcast.models.text_neural import NeuralTextClassifier
from sentcast.models.training import Trainer, TrainingConfig, TrainingHistory, predict_tensor
from tests.features.synthetic import synthetic_panel

State = dict[str, torch.Tensor]


def _copy(module: nn.Module) -> State:
    return {name: tensor.detach().clone() for name, tensor in module.state_dict().items()}


def _equal(a: State, b: State) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k].to(a[k].device)) for k in a)


@pytest.fixture
def trainer_epochs(monkeypatch: pytest.MonkeyPatch) -> list[State]:
    """The weights of every epoch a :class:`Trainer` validates, in order."""
    epochs: list[State] = []
    validate = Trainer._epoch_loss

    def recording(self: Trainer, module: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
        epochs.append(_copy(module))
        return validate(self, module, X, y)

    monkeypatch.setattr(Trainer, "_epoch_loss", recording)
    return epochs


def _check_best_epoch_kept(history: TrainingHistory, epochs: list[State], final: State) -> None:
    losses = history.val_loss
    if history.initial_val_loss is not None:  # score_initial: the untrained weights came first
        epochs = epochs[1:]
    assert len(epochs) == len(losses) == history.epochs_run
    assert history.best_epoch == int(np.argmin(losses))  # the first of equal minima
    assert history.best_epoch < history.epochs_run - 1, (
        "the test needs a best epoch before the last"
    )
    assert not _equal(epochs[-1], epochs[history.best_epoch])
    assert _equal(final, epochs[history.best_epoch])


# --- Trainer ----------------------------------------------------------------------------------


def _regression(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(64, 3, generator=gen)
    return X, X @ torch.tensor([1.0, -2.0, 0.5])


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1), nn.Flatten(0))


def test_trainer_keeps_a_middle_best_epoch_when_every_epoch_runs(
    trainer_epochs: list[State],
) -> None:
    """Validation targets are half the training targets: the network passes them on its way
    to the training targets, so the validation loss falls, then rises. Patience is never
    exhausted, so the last epoch is not the best one only because of early stopping."""
    X, y = _regression(0)
    config = TrainingConfig(epochs=15, batch_size=16, learning_rate=0.01, patience=15, device="cpu")
    module = _net()
    history = Trainer(config, nn.MSELoss(), seed=0).fit(module, (X, y), (X, 0.5 * y))
    assert history.epochs_run == config.epochs
    assert history.best_epoch > 0
    _check_best_epoch_kept(history, trainer_epochs, _copy(module))
    restored = float(nn.MSELoss()(predict_tensor(module, X), 0.5 * y))
    assert restored == pytest.approx(min(history.val_loss), rel=1e-5)


def test_trainer_improvements_smaller_than_min_delta_do_not_count(
    trainer_epochs: list[State],
) -> None:
    """With a huge ``min_delta`` only the first epoch improves (on an infinite loss): training
    stops after ``patience`` more epochs, with the first epoch's weights."""
    X, y = _regression(0)
    config = TrainingConfig(
        epochs=20, batch_size=16, learning_rate=0.05, patience=3, min_delta=1e6, device="cpu"
    )
    module = _net()
    history = Trainer(config, nn.MSELoss(), seed=0).fit(module, (X, y), (X, y))
    assert history.val_loss[-1] < history.val_loss[0]  # it did learn; no epoch counted
    assert history.best_epoch == 0 and history.epochs_run == 1 + config.patience
    assert _equal(_copy(module), trainer_epochs[0])


def test_trainer_small_min_delta_still_counts_larger_improvements(
    trainer_epochs: list[State],
) -> None:
    """An improvement larger than ``min_delta`` resets the patience; a smaller one does not."""
    X, y = _regression(0)
    base = {"epochs": 15, "batch_size": 16, "learning_rate": 0.01, "device": "cpu"}
    plain = Trainer(TrainingConfig(**base, patience=15), nn.MSELoss(), seed=0)
    losses = plain.fit(_net(), (X, y), (X, 0.5 * y)).val_loss
    delta = 0.04  # the losses fall by 0.14, 0.11, 0.10, 0.08, 0.05, 0.03, 0.005, then rise
    trainer_epochs.clear()
    config = TrainingConfig(**base, patience=15, min_delta=delta)
    module = _net()
    history = Trainer(config, nn.MSELoss(), seed=0).fit(module, (X, y), (X, 0.5 * y))
    assert history.val_loss == losses  # min_delta changes the choice, not the training
    best, chosen = np.inf, 0
    for epoch, loss in enumerate(losses):
        if loss < best - delta:
            best, chosen = loss, epoch
    assert history.best_epoch == chosen < int(np.argmin(losses))
    assert _equal(_copy(module), trainer_epochs[chosen])


def test_trainer_without_validation_keeps_the_last_epoch(trainer_epochs: list[State]) -> None:
    X, y = _regression(0)
    config = TrainingConfig(epochs=3, batch_size=16, learning_rate=0.05, patience=1, device="cpu")
    history = Trainer(config, nn.MSELoss(), seed=0).fit(_net(), (X, y))
    assert history.epochs_run == 3 and history.best_epoch == 2 and history.val_loss == []
    assert trainer_epochs == []


def test_trainer_scoring_the_untrained_weights_keeps_them_when_no_epoch_beats_them(
    trainer_epochs: list[State],
) -> None:
    """Validation targets are the untrained network's own outputs (loss 0): training towards
    the training targets only moves away from them, so the untrained weights are kept."""
    X, y = _regression(0)
    untrained = predict_tensor(_net(), X)
    config = TrainingConfig(epochs=10, batch_size=16, learning_rate=0.05, patience=3, device="cpu")
    module = _net()
    history = Trainer(config, nn.MSELoss(), seed=0, score_initial=True).fit(
        module, (X, y), (X, untrained)
    )
    assert history.initial_val_loss == 0.0 and history.best_epoch == -1
    assert history.epochs_run == config.patience and min(history.val_loss) > 0
    assert len(trainer_epochs) == 1 + config.patience
    assert _equal(_copy(module), trainer_epochs[0]) and _equal(_copy(module), _copy(_net()))


def test_trainer_scoring_the_untrained_weights_still_keeps_a_better_epoch(
    trainer_epochs: list[State],
) -> None:
    X, y = _regression(0)
    config = TrainingConfig(epochs=15, batch_size=16, learning_rate=0.01, patience=15, device="cpu")
    module = _net()
    history = Trainer(config, nn.MSELoss(), seed=0, score_initial=True).fit(
        module, (X, y), (X, 0.5 * y)
    )
    assert history.initial_val_loss is not None
    assert history.initial_val_loss > min(history.val_loss)
    assert history.initial_val_loss == pytest.approx(
        float(nn.MSELoss()(predict_tensor(_net(), X), 0.5 * y)), rel=1e-6
    )
    _check_best_epoch_kept(history, trainer_epochs, _copy(module))


# --- models trained by the Trainer --------------------------------------------------------------


def test_sequence_forecaster_keeps_and_saves_its_best_epoch(
    trainer_epochs: list[State], tmp_path: Path
) -> None:
    """Validation targets all equal the training mean: the network first learns the mean
    (validation improves), then the variation around it (validation worsens). The study's
    formulation (level head), whose untrained output is not naive, so an epoch is kept."""
    frame = synthetic_panel(90, seed=1)
    features = feature_columns("BTC+Sentiment", list(frame.columns))
    parts = split_windows(make_windows(frame, features, 6), validation=0.25)
    flat = np.full(len(parts.validation), parts.train.y.mean())
    train = TrainingConfig(epochs=12, batch_size=16, learning_rate=0.02, patience=12, device="cpu")
    model = SequenceForecaster(
        hidden_size=8, train=train, seed=0, input_norm="global", head="level"
    )
    model.fit(parts.train.X, parts.train.y, (parts.validation.X, flat))
    _check_best_epoch_kept(model.history_, trainer_epochs, _copy(model.module_))
    saved = torch.load(model.save(tmp_path / "m") / WEIGHTS_FILE, weights_only=True)
    assert _equal(saved, trainer_epochs[model.history_.best_epoch])


TEXTS = ["great fun movie", "a great plot", "loved it great", "awful boring movie", "a dull plot"]
LABELS = ["positive"] * 3 + ["negative"] * 2
FLIPPED = ["negative"] * 3 + ["positive"] * 2


def test_neural_text_classifier_keeps_and_saves_its_best_epoch(
    trainer_epochs: list[State], tmp_path: Path
) -> None:
    """Validation is the training texts with every label flipped: learning hurts it."""
    model = NeuralTextClassifier(
        architecture="cnn",
        max_words=50,
        max_len=6,
        embed_dim=8,
        filters=4,
        kernel_sizes=(2, 3),
        dropout=0.0,
        word2vec=False,
        epochs=8,
        batch_size=5,
        learning_rate=0.05,
        patience=8,
        device="cpu",
    )
    model.fit(TEXTS, LABELS, validation=(TEXTS, FLIPPED))
    _check_best_epoch_kept(model.history_, trainer_epochs, _copy(model.module_))
    saved = torch.load(model.save(tmp_path / "m") / WEIGHTS_FILE, weights_only=True)
    assert _equal(saved, trainer_epochs[model.history_.best_epoch])


# --- minilm-ft (its own loop) -------------------------------------------------------------------


def _recording_logits(epochs: list[State]) -> Callable[..., torch.Tensor]:
    logits = FineTunedEncoderClassifier._logits

    def recording(self: FineTunedEncoderClassifier, ids: list[list[int]]) -> torch.Tensor:
        epochs.append(_copy(self.module_))
        return logits(self, ids)

    return recording


@pytest.mark.slow
def test_fine_tuned_encoder_keeps_and_saves_its_best_epoch(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Four short texts, one batch per epoch, a high learning rate, and a validation set of the
    same texts with flipped labels: each epoch fits the training labels better and the
    validation ones worse, so the first epoch is the best and the third the last."""
    epochs: list[State] = []
    monkeypatch.setattr(FineTunedEncoderClassifier, "_logits", _recording_logits(epochs))
    settings: dict[str, Any] = {
        "max_len": 8,
        "epochs": 3,
        "batch_size": 4,
        "learning_rate": 1e-4,
        "warmup": 0.0,
        "dropout": 0.0,
    }
    texts, labels, flipped = TEXTS[1:], LABELS[1:], FLIPPED[1:]
    model = FineTunedEncoderClassifier(**settings).fit(texts, labels, validation=(texts, flipped))
    _check_best_epoch_kept(model.history_, epochs, _copy(model.module_))
    best = epochs[model.history_.best_epoch]
    saved = torch.load(model.save(tmp_path / "m") / WEIGHTS_FILE, weights_only=True)
    assert _equal(saved, best)
    monkeypatch.undo()
    proba = model.predict_proba(texts)
    flipped_index = [model.classes_.index(label) for label in flipped]
    held_out = -np.log(proba[np.arange(len(texts)), flipped_index]).mean()
    assert held_out == pytest.approx(min(model.history_.val_loss), rel=1e-4)
