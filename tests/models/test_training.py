from __future__ import annotations

import numpy as np
import torch
from torch import nn

from sentcast.models.training import (
    Trainer,
    TrainingConfig,
    cell_fit,
    fit_summary,
    predict_tensor,
)


def _data(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(64, 3, generator=gen)
    return X, X @ torch.tensor([1.0, -2.0, 0.5])


def _model() -> nn.Module:
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1), nn.Flatten(0))


def test_early_stopping_restores_the_best_validation_weights() -> None:
    X, y = _data(0)
    Xv, _ = _data(1)
    yv = -(Xv @ torch.tensor([1.0, -2.0, 0.5]))  # learning the training task hurts validation
    config = TrainingConfig(epochs=60, batch_size=16, learning_rate=0.05, patience=3, device="cpu")
    module = _model()
    history = Trainer(config, nn.MSELoss(), seed=0).fit(module, (X, y), (Xv, yv))
    assert history.epochs_run < config.epochs
    assert history.epochs_run == history.best_epoch + 1 + config.patience
    restored = float(nn.MSELoss()(predict_tensor(module, Xv), yv))
    assert np.isclose(restored, min(history.val_loss), rtol=1e-5)


def test_same_seed_same_weights() -> None:
    X, y = _data(0)
    config = TrainingConfig(epochs=3, batch_size=8, device="cpu")
    states = []
    for seed in (7, 7, 8):
        torch.manual_seed(123)  # global state before the call must not matter
        module = _model()
        Trainer(config, nn.MSELoss(), seed=seed).fit(module, (X, y))
        states.append(predict_tensor(module, X))
    assert torch.equal(states[0], states[1])
    assert not torch.equal(states[0], states[2])


def test_progress_ticks_every_mini_batch(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from contextlib import contextmanager

    from sentcast.models import training

    seen: dict[str, float] = {"advanced": 0}

    class Bar:
        def advance(self, task: int, advance: float = 1) -> None:
            seen["advanced"] += advance

        def update(self, task: int, **fields: object) -> None:
            seen["info"] = fields["info"]  # type: ignore[assignment]

    @contextmanager
    def fake_bar(description: str, total: float | None = None):  # type: ignore[no-untyped-def]
        seen["total"] = total or 0
        yield Bar()

    monkeypatch.setattr(training, "progress_bar", fake_bar)
    X, y = _data(0)
    config = TrainingConfig(epochs=2, batch_size=10, device="cpu")
    Trainer(config, nn.MSELoss()).fit(_model(), (X, y))
    assert seen["total"] == seen["advanced"] == 2 * 7  # 64 samples in batches of 10
    assert str(seen["info"]).startswith("epoch 2/2: loss ")


def test_epochs_are_logged_at_debug_only_without_a_progress_bar(monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    X, y = _data(0)
    config = TrainingConfig(epochs=2, batch_size=32, device="cpu")
    caplog.set_level("DEBUG", logger="sentcast.models.training")
    monkeypatch.setenv("SENTCAST_PROGRESS", "0")
    Trainer(config, nn.MSELoss(), description="net").fit(_model(), (X, y), (X, y))
    epochs = [r for r in caplog.records if ": epoch " in r.getMessage()]
    assert [r.getMessage().split(": loss")[0] for r in epochs] == [
        "net: epoch 1/2",
        "net: epoch 2/2",
    ]
    assert all(r.levelname == "DEBUG" for r in epochs)
    assert all(" val " in r.getMessage() and r.getMessage().endswith("samples/s") for r in epochs)
    caplog.clear()
    monkeypatch.setenv("SENTCAST_PROGRESS", "1")  # the bar shows the same line instead
    Trainer(config, nn.MSELoss(), description="net").fit(_model(), (X, y))
    assert not [r for r in caplog.records if ": epoch " in r.getMessage()]


def test_one_info_line_per_fitted_model(monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    """A log file sees one line per fit at INFO (epochs, best epoch, seconds); inside a grid
    cell that line drops to DEBUG, the cell writes its own."""
    X, y = _data(0)
    config = TrainingConfig(epochs=3, batch_size=32, device="cpu", patience=10)
    caplog.set_level("INFO", logger="sentcast.models.training")
    monkeypatch.setenv("SENTCAST_PROGRESS", "0")
    history = Trainer(config, nn.MSELoss(), description="net").fit(_model(), (X, y), (X, y))
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1
    assert lines[0].startswith(f"net: 3 epochs, best epoch {history.best_epoch + 1}, ")
    assert fit_summary(history) in lines[0]
    history.best_epoch = -1  # score_initial: no epoch beat the untrained weights
    assert fit_summary(history).startswith("3 epochs, kept the untrained weights, ")
    caplog.clear()
    with cell_fit():
        Trainer(config, nn.MSELoss(), description="net").fit(_model(), (X, y), (X, y))
    assert caplog.records == []
