"""The Trainer's smaller promises: losses are means over samples, every setting reaches the
optimiser, seeds fix every random draw, and the epoch report says what happened."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest
import torch
from torch import nn

from sentcast.models.training import (
    Trainer,
    TrainingConfig,
    TrainingHistory,
    predict_tensor,
    resolve_device,
    seed_everything,
)

#: So small a learning rate that Adam leaves the weights as they were (steps of about 1e-30).
FROZEN = 1e-30


def _data(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 3, generator=gen)
    return X, X @ torch.tensor([1.0, -2.0, 0.5]) + 0.3


def _net(dropout: float = 0.0) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(3, 8), nn.Tanh(), nn.Dropout(dropout), nn.Linear(8, 1), nn.Flatten(0)
    )


def _mse(module: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    return float(nn.MSELoss()(predict_tensor(module, X), y))


@pytest.mark.parametrize("n", [1, 7, 64])
def test_losses_are_means_over_samples_whatever_the_batches(n: int) -> None:
    """Uneven batches (64 = 24 + 24 + 16) weigh each sample once; one sample is its own mean."""
    X, y = _data(n)
    Xv, yv = _data(n, seed=1)
    module = _net()
    before_train, before_val = _mse(module, X, y), _mse(module, Xv, yv)
    config = TrainingConfig(epochs=1, batch_size=24, learning_rate=FROZEN, device="cpu")
    history = Trainer(config, nn.MSELoss()).fit(module, (X, y), (Xv, yv))
    assert history.train_loss == [pytest.approx(before_train, rel=1e-6)]
    assert history.val_loss == [pytest.approx(before_val, rel=1e-6)]


def test_seeds_fix_dropout_whatever_the_global_state() -> None:
    X, y = _data(64)
    config = TrainingConfig(epochs=2, batch_size=16, learning_rate=0.01, device="cpu")
    outputs = []
    for global_seed in (1, 2):
        module = _net(dropout=0.5)
        torch.manual_seed(global_seed)
        Trainer(config, nn.MSELoss(), seed=5).fit(module, (X, y))
        outputs.append(predict_tensor(module, X))
    assert torch.equal(outputs[0], outputs[1])


def test_seed_everything_seeds_python_numpy_and_torch() -> None:
    seed_everything(11)
    drawn = (random.random(), np.random.random(), float(torch.rand(1)))  # noqa: NPY002
    random.seed(11)
    np.random.seed(11)  # noqa: NPY002
    torch.manual_seed(11)
    assert drawn == (random.random(), np.random.random(), float(torch.rand(1)))  # noqa: NPY002


@pytest.mark.parametrize(
    "setting", [{"weight_decay": 5.0}, {"grad_clip": 1e-9}], ids=["weight_decay", "grad_clip"]
)
def test_optimiser_settings_change_the_training(setting: dict[str, float]) -> None:
    X, y = _data(64)
    base = {"epochs": 3, "batch_size": 16, "learning_rate": 0.05, "device": "cpu"}
    plain, changed = _net(), _net()
    Trainer(TrainingConfig(**base), nn.MSELoss()).fit(plain, (X, y))
    Trainer(TrainingConfig(**base, **setting), nn.MSELoss()).fit(changed, (X, y))
    start = _net()
    moved = [
        float((p - s).detach().abs().max())
        for module in (plain, changed)
        for p, s in zip(module.parameters(), start.parameters(), strict=True)
    ]
    half = len(moved) // 2
    assert max(moved[:half]) > 0.05  # without the setting the weights move by many steps
    if "grad_clip" in setting:  # gradients clipped to 1e-9 are about Adam's eps: tiny steps
        assert max(moved[half:]) < 0.5 * max(moved[:half])
    else:
        assert _mse(plain, X, y) != _mse(changed, X, y)


def test_grad_clip_far_above_the_gradients_changes_nothing() -> None:
    X, y = _data(64)
    base = {"epochs": 2, "batch_size": 16, "learning_rate": 0.05, "device": "cpu"}
    plain, clipped = _net(), _net()
    Trainer(TrainingConfig(**base), nn.MSELoss()).fit(plain, (X, y))
    Trainer(TrainingConfig(**base, grad_clip=1e9), nn.MSELoss()).fit(clipped, (X, y))
    assert torch.equal(predict_tensor(plain, X), predict_tensor(clipped, X))


def test_history_counts_samples_and_time() -> None:
    X, y = _data(40)
    config = TrainingConfig(epochs=3, batch_size=16, device="cpu")
    history = Trainer(config, nn.MSELoss()).fit(_net(), (X, y))
    assert history.epochs_run == 3 and history.samples_seen == 3 * 40
    assert 0 < history.seconds < 60
    assert history.samples_per_second == pytest.approx(120 / history.seconds)
    assert np.isnan(TrainingHistory().samples_per_second)


def test_epoch_lines_report_that_epochs_losses_and_a_rate(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SENTCAST_PROGRESS", "0")
    caplog.set_level("INFO", logger="sentcast.models.training")
    X, y = _data(64)
    config = TrainingConfig(epochs=3, batch_size=16, learning_rate=0.05, device="cpu")
    history = Trainer(config, nn.MSELoss(), description="net").fit(_net(), (X, y), (X, y))
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("net: ")]
    assert len(lines) == 3
    for epoch, line in enumerate(lines):
        train, val = history.train_loss[epoch], history.val_loss[epoch]
        prefix = f"net: epoch {epoch + 1}/3: loss {train:.4g} val {val:.4g} "
        assert line.startswith(prefix), (line, prefix)
        rate = re.fullmatch(r"([\d,]+) samples/s", line[len(prefix) :])
        assert rate is not None and int(rate.group(1).replace(",", "")) > 0


def test_device_auto_is_cuda_when_present_else_cpu() -> None:
    assert resolve_device("auto") == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("cpu") == torch.device("cpu")


def test_predict_tensor_of_no_rows_is_empty() -> None:
    out = predict_tensor(_net(), torch.empty((0, 3)))
    assert out.shape == (0,)
