from __future__ import annotations

import random
import re
import time

import numpy as np
import pytest
import torch
from torch import nn

from sentcast.models.training import (
    Trainer,
    TrainingConfig,
    TrainingHistory,
    cell_fit,
    fit_summary,
    predict_tensor,
    resolve_device,
    seed_everything,
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
    infos: list[str] = []

    class Bar:
        def advance(self, task: int, advance: float = 1) -> None:
            seen["advanced"] += advance

        def update(self, task: int, **fields: object) -> None:
            infos.append(str(fields["info"]))

    @contextmanager
    def fake_bar(description: str, total: float | None = None):  # type: ignore[no-untyped-def]
        seen["total"] = total or 0
        infos.append(description)
        yield Bar()

    monkeypatch.setattr(training, "progress_bar", fake_bar)
    X, y = _data(0)
    config = TrainingConfig(epochs=2, batch_size=10, device="cpu")
    Trainer(config, nn.MSELoss(), description="net").fit(_model(), (X, y))
    assert seen["total"] == seen["advanced"] == 2 * 7  # 64 samples in batches of 10
    # the bar's label, then each epoch as it starts and as it ends (with its losses)
    assert [info.split(": loss ")[0] for info in infos] == [
        "net",
        "epoch 1/2",
        "epoch 1/2",
        "epoch 2/2",
        "epoch 2/2",
    ]
    assert infos[2].startswith("epoch 1/2: loss ") and infos[4].startswith("epoch 2/2: loss ")


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


# --- the smaller promises: losses are means over samples, every setting reaches the
# optimiser, seeds fix every random draw, the epoch report says what happened


#: So small a learning rate that Adam leaves the weights as they were (steps of about 1e-30).
FROZEN = 1e-30


def _samples(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 3, generator=gen)
    return X, X @ torch.tensor([1.0, -2.0, 0.5]) + 0.3


def _dropout_net(dropout: float = 0.0) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(3, 8), nn.Tanh(), nn.Dropout(dropout), nn.Linear(8, 1), nn.Flatten(0)
    )


def _mse(module: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    return float(nn.MSELoss()(predict_tensor(module, X), y))


@pytest.mark.parametrize("n", [1, 7, 64, 600])
def test_losses_are_means_over_samples_whatever_the_batches(n: int) -> None:
    """Uneven batches (64 = 24 + 24 + 16) weigh each sample once; one sample is its own mean;
    600 validation samples are scored in several batches (256 + 256 + 88)."""
    X, y = _samples(n)
    Xv, yv = _samples(n, seed=1)
    module = _dropout_net()
    before_train, before_val = _mse(module, X, y), _mse(module, Xv, yv)
    config = TrainingConfig(epochs=1, batch_size=24, learning_rate=FROZEN, device="cpu")
    history = Trainer(config, nn.MSELoss()).fit(module, (X, y), (Xv, yv))
    assert history.train_loss == [pytest.approx(before_train, rel=1e-6)]
    assert history.val_loss == [pytest.approx(before_val, rel=1e-6)]


def test_seeds_fix_dropout_whatever_the_global_state() -> None:
    X, y = _samples(64)
    config = TrainingConfig(epochs=2, batch_size=16, learning_rate=0.01, device="cpu")
    outputs = []
    for global_seed in (1, 2):
        module = _dropout_net(dropout=0.5)
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
    X, y = _samples(64)
    base = {"epochs": 3, "batch_size": 16, "learning_rate": 0.05, "device": "cpu"}
    plain, changed = _dropout_net(), _dropout_net()
    Trainer(TrainingConfig(**base), nn.MSELoss()).fit(plain, (X, y))
    Trainer(TrainingConfig(**base, **setting), nn.MSELoss()).fit(changed, (X, y))
    start = _dropout_net()
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
    X, y = _samples(64)
    base = {"epochs": 2, "batch_size": 16, "learning_rate": 0.05, "device": "cpu"}
    plain, clipped = _dropout_net(), _dropout_net()
    Trainer(TrainingConfig(**base), nn.MSELoss()).fit(plain, (X, y))
    Trainer(TrainingConfig(**base, grad_clip=1e9), nn.MSELoss()).fit(clipped, (X, y))
    assert torch.equal(predict_tensor(plain, X), predict_tensor(clipped, X))


def test_history_counts_samples_and_time() -> None:
    X, y = _samples(40)
    config = TrainingConfig(epochs=3, batch_size=16, device="cpu")
    history = Trainer(config, nn.MSELoss()).fit(_dropout_net(), (X, y))
    assert history.epochs_run == 3 and history.samples_seen == 3 * 40
    assert 0 < history.seconds < 60
    assert history.samples_per_second == pytest.approx(120 / history.seconds)
    assert np.isnan(TrainingHistory().samples_per_second)


def test_epoch_lines_report_that_epochs_losses_and_a_rate(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SENTCAST_PROGRESS", "0")
    caplog.set_level("DEBUG", logger="sentcast.models.training")  # epochs at DEBUG
    X, y = _samples(64)
    config = TrainingConfig(epochs=3, batch_size=16, learning_rate=0.05, device="cpu")
    history = Trainer(config, nn.MSELoss(), description="net").fit(_dropout_net(), (X, y), (X, y))
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("net: epoch")]
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
    out = predict_tensor(_dropout_net(), torch.empty((0, 3)))
    assert out.shape == (0,)


def test_a_trainer_without_seed_or_description_uses_seed_0_and_says_train(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    X, y = _data(0)
    config = TrainingConfig(epochs=2, batch_size=8, device="cpu")
    caplog.set_level("INFO", logger="sentcast.models.training")
    monkeypatch.setenv("SENTCAST_PROGRESS", "0")
    fitted = []
    for trainer in (Trainer(config, nn.MSELoss()), Trainer(config, nn.MSELoss(), seed=0)):
        torch.manual_seed(1)
        module = _model()
        trainer.fit(module, (X, y))
        fitted.append(predict_tensor(module, X))
    assert torch.equal(fitted[0], fitted[1])
    assert caplog.records[0].getMessage().startswith("train: 2 epochs, ")


def test_the_epoch_rate_is_samples_over_the_seconds_since_the_start() -> None:
    from sentcast.models.training import report_epoch

    class Bar:
        info = ""

        def update(self, task: int, **fields: object) -> None:
            Bar.info = str(fields["info"])

    history = TrainingHistory(train_loss=[0.5], samples_seen=1000)
    report_epoch(Bar(), "net", history, 4, time.perf_counter() - 0.25)  # type: ignore[arg-type]
    rate = re.fullmatch(r"epoch 1/4: loss 0\.5 ([\d,]+) samples/s", Bar.info)
    assert rate is not None
    # 1000 samples in a quarter of a second (and the little this call took): about 4,000/s
    assert 2000 < int(rate.group(1).replace(",", "")) <= 4000


def test_a_best_first_epoch_is_epoch_1() -> None:
    history = TrainingHistory(train_loss=[1.0, 2.0], best_epoch=0, seconds=0.3)
    assert fit_summary(history) == "2 epochs, best epoch 1, 0.3 s"


def test_a_validation_loss_that_only_equals_the_best_is_no_improvement() -> None:
    """Frozen weights give the same validation loss every epoch: the first epoch stays the
    best and patience runs out."""
    X, y = _samples(32)
    config = TrainingConfig(epochs=10, batch_size=8, learning_rate=FROZEN, patience=2, device="cpu")
    history = Trainer(config, nn.MSELoss()).fit(_dropout_net(), (X, y), (X, y))
    assert len(set(history.val_loss)) == 1
    assert history.best_epoch == 0 and history.epochs_run == 1 + config.patience


class _RecordingLoss(nn.MSELoss):
    """MSE that records the targets of every batch it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[list[float]] = []

    def forward(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        self.seen.append(target.tolist())
        return super().forward(out, target)


def test_batch_order_has_its_own_generator_whatever_the_network_draws() -> None:
    """The shuffling generator is seeded apart from torch's global one: a network that draws
    random numbers (dropout) sees its batches in the same order as one that draws none."""
    X, y = _samples(40)
    orders = []
    for net in (_dropout_net(0.5), nn.Sequential(nn.Linear(3, 1), nn.Flatten(0))):
        loss = _RecordingLoss()
        Trainer(TrainingConfig(epochs=3, batch_size=8, device="cpu"), loss, seed=3).fit(net, (X, y))
        orders.append(loss.seen)
    assert len(orders[0]) == 3 * 5
    assert orders[0] == orders[1]
