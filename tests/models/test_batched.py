"""Batched training: the same networks as the per-model path, and a model's result
independent of the other models of its batch."""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from sentcast.config.training import TrainingConfig
from sentcast.models import batched_fit
from sentcast.models.batched_fit import batch_key, fit_batched, recurrent_steps
from sentcast.models.batched_networks import NetworkShape, batched_forward, stack_states
from sentcast.models.batched_training import BatchedRun, train_batched
from sentcast.models.forecast import SequenceForecaster
from sentcast.models.forecast_networks import CNNLSTMNet, LSTMNet


def _series(n: int, seed: int, t: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Random-walk windows (N, T, 3) whose feature 0 is the close; target the next close."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n + t)))
    other = rng.normal(0, 1, n + t)
    volume = np.exp(rng.normal(5, 0.3, n + t))
    cols = np.stack([close, other, volume], axis=1)
    X = np.stack([cols[i : i + t] for i in range(n)])
    last = close[t - 1 : t - 1 + n]
    # a learnable change: the last day's other feature says where the close goes
    y = last * np.exp(0.05 * np.tanh(other[t - 1 : t - 1 + n]) + rng.normal(0, 0.002, n))
    return X, y


def _model(network: str = "lstm", seed: int = 0, **kwargs: object) -> SequenceForecaster:
    train = TrainingConfig(
        epochs=kwargs.pop("epochs", 6),  # type: ignore[arg-type]
        batch_size=16,
        learning_rate=kwargs.pop("lr", 0.01),  # type: ignore[arg-type]
        patience=kwargs.pop("patience", 3),  # type: ignore[arg-type]
        grad_clip=kwargs.pop("grad_clip", None),  # type: ignore[arg-type]
        weight_decay=kwargs.pop("weight_decay", 0.0),  # type: ignore[arg-type]
        device="cpu",
    )
    return SequenceForecaster(
        network=network,  # type: ignore[arg-type]
        hidden_size=8,
        layers=kwargs.pop("layers", 1),  # type: ignore[arg-type]
        channels=4,
        close_index=0,
        train=train,
        seed=seed,
        **kwargs,  # type: ignore[arg-type]
    )


DATA = _series(75, 0)
VAL = _series(29, 1)


@pytest.mark.parametrize(
    ("net", "shape"),
    [
        (lambda: LSTMNet(3, 8, 2, 0.0), NetworkShape("lstm", 3, 8, 2)),
        (lambda: CNNLSTMNet(3, 8, 1, 0.0, 4, 3, 2), NetworkShape("cnn-lstm", 3, 8, 1, 4, 3, 2)),
        (lambda: CNNLSTMNet(3, 8, 1, 0.0, 4, 4, 1), NetworkShape("cnn-lstm", 3, 8, 1, 4, 4, 1)),
    ],
)
def test_forward_equals_the_ordinary_networks(net, shape) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    modules = [net().eval() for _ in range(3)]
    x = torch.randn(3, 5, 7, 3)
    out = batched_forward(stack_states([m.state_dict() for m in modules]), x, shape)
    expected = torch.stack([m(x[i]) for i, m in enumerate(modules)]).detach()
    torch.testing.assert_close(out.detach(), expected, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"network": "lstm"},
        {"network": "cnn-lstm"},
        {"network": "lstm", "layers": 2, "grad_clip": 0.5},
        {"network": "lstm", "head": "level", "input_norm": "global"},
        {"network": "lstm", "weight_decay": 0.05},
    ],
)
def test_batched_seeds_match_per_model_fits(kwargs: dict[str, object]) -> None:
    X, y = DATA
    single = [_model(seed=s, **dict(kwargs)).fit(X, y, validation=VAL) for s in (0, 1, 2)]
    batched = fit_batched([_model(seed=s, **dict(kwargs)) for s in (0, 1, 2)], [(X, y, VAL)] * 3)
    assert any(one.history_.best_epoch >= 0 for one in single)  # trained, not the naive start
    for one, (many, _) in zip(single, batched, strict=True):
        assert many.history_.best_epoch == one.history_.best_epoch
        assert many.history_.epochs_run == one.history_.epochs_run
        np.testing.assert_allclose(many.predict(VAL[0]), one.predict(VAL[0]), rtol=1e-4)
        np.testing.assert_allclose(many.history_.val_loss, one.history_.val_loss, rtol=1e-3)


@pytest.mark.parametrize(
    "shape", [NetworkShape("lstm", 3, 16, 2), NetworkShape("cnn-lstm", 3, 16, 1, 4, 3, 2)]
)
def test_outputs_of_a_model_are_the_same_bits_in_any_batch_of_two_or_more(
    shape: NetworkShape,
) -> None:
    """Large evaluation batches (300 windows): a model's outputs beside one, two or seven other
    models are the same bits. Alone, the products of one matrix take another kernel, which
    rounds differently (docs/tuning.md): equal up to rounding only."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as batched training runs
    try:
        states = []
        for seed in range(8):
            torch.manual_seed(seed)
            net = (
                LSTMNet(3, 16, 2, 0.0)
                if shape.network == "lstm"
                else CNNLSTMNet(3, 16, 1, 0.0, 4, 3, 2)
            )
            states.append(net.state_dict())
        x = torch.randn(8, 300, 12, 3, generator=torch.Generator().manual_seed(9))
        with torch.no_grad():
            first = {
                m: batched_forward(stack_states(states[:m]), x[:m], shape)[0] for m in (1, 2, 3, 8)
            }
        assert torch.equal(first[2], first[3]) and torch.equal(first[2], first[8])
        torch.testing.assert_close(first[1], first[2], rtol=1e-5, atol=1e-6)
    finally:
        torch.set_num_threads(threads)


def _weights(model: SequenceForecaster) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.module_.state_dict().items()}


@pytest.mark.parametrize("network", ["lstm", "cnn-lstm"])
def test_a_seed_is_bitwise_the_same_whatever_shares_its_batch(network: str) -> None:
    """Seed 1 alone, with other seeds, and with other learning rates, dropout and data: its
    weights, predictions and history are the same bits (the others stop at other epochs, so
    the batch also shrinks around it)."""
    X, y = DATA
    X2, y2 = _series(75, 7)

    def seed1() -> SequenceForecaster:
        return _model(network, seed=1, epochs=8, patience=2, dropout=0.2)

    alone = fit_batched([seed1()], [(X, y, VAL)])[0][0]
    crowd = [
        _model(network, seed=0, epochs=8, patience=1, lr=5.0),  # stops at once
        seed1(),
        _model(network, seed=5, epochs=8, patience=5, lr=0.05, dropout=0.5),
        _model(network, seed=9, epochs=8, patience=8),
    ]
    data = [(X2, y2, VAL), (X, y, VAL), (X, y, VAL), (X2, y2, VAL)]
    among = fit_batched(crowd, data)[1][0]
    stopped = {m.history_.epochs_run for m, _ in fit_batched(crowd, data)}
    assert len(stopped) > 1  # the batch shrank while seed 1 trained
    for name, value in _weights(alone).items():
        assert torch.equal(value, _weights(among)[name]), name
    assert alone.history_.val_loss == among.history_.val_loss
    assert np.array_equal(alone.predict(X), among.predict(X))


def test_batched_model_saves_and_loads_like_a_fitted_one(tmp_path: Path) -> None:
    X, y = DATA
    model = fit_batched([_model("cnn-lstm")], [(X, y, VAL)])[0][0]
    again = SequenceForecaster.load(model.save(tmp_path / "m"))
    np.testing.assert_array_equal(again.predict(X), model.predict(X))


def test_an_untrained_residual_network_is_kept_when_no_epoch_beats_it() -> None:
    X, y = DATA
    model = fit_batched([_model(lr=5.0, epochs=3, patience=1)], [(X, y, VAL)])[0][0]
    assert model.history_.best_epoch == -1
    last = X[:, -1, 0]
    np.testing.assert_allclose(model.predict(X), last, rtol=1e-6)


def test_gru_falls_back_to_its_own_fit() -> None:
    X, y = DATA
    gru, seconds = fit_batched([_model("gru")], [(X, y, VAL)])[0]
    assert gru.history_.epochs_run > 0 and seconds > 0


@pytest.mark.parametrize(
    ("network", "pool", "window", "steps"),
    [
        ("lstm", 2, 7, 7),
        ("cnn-lstm", 2, 7, 3),
        ("cnn-lstm", 1, 7, 7),
        ("cnn-lstm", 4, 3, 3),
        ("cnn-lstm", 4, 4, 1),
    ],
)
def test_recurrent_steps_count_what_the_lstm_runs(
    network: str, pool: int, window: int, steps: int
) -> None:
    assert recurrent_steps(_model(network, pool_size=pool), window) == steps


def test_a_sequence_longer_than_max_steps_trains_alone_with_its_callbacks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past ``max_steps`` each model takes its own ``fit`` (the fused kernel), bit for bit,
    and its ``on_epoch`` callback still stops it (a tuning pruner)."""
    X, y = DATA  # windows of 6 steps
    calls: list[int] = []
    monkeypatch.setattr(batched_fit, "train_batched", lambda *a, **k: calls.append(1))
    seen: list[float] = []

    def stop_at_second(epoch: int, loss: float) -> bool:
        seen.append(loss)
        return epoch == 1

    fitted = fit_batched(
        [_model(seed=s, epochs=6, patience=6) for s in (0, 1)],
        [(X, y, VAL)] * 2,
        [None, stop_at_second],
        max_steps=5,
    )
    assert calls == []
    alone = _model(seed=0, epochs=6, patience=6).fit(X, y, validation=VAL)
    for name, value in _weights(alone).items():
        assert torch.equal(value, _weights(fitted[0][0])[name]), name
    pruned = fitted[1][0].history_
    assert pruned.epochs_run == 2 and seen == pruned.val_loss
    monkeypatch.undo()
    real, used = batched_fit.train_batched, []

    def spy(shape, runs, **kwargs):  # type: ignore[no-untyped-def]
        used.append(len(runs))
        return real(shape, runs, **kwargs)

    monkeypatch.setattr(batched_fit, "train_batched", spy)
    fit_batched([_model(seed=s) for s in (0, 1)], [(X, y, VAL)] * 2, max_steps=6)
    assert used == [2]  # at the limit: one batch of both


def _spy_batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the size of every batch ``fit_batched`` trains."""
    real, sizes = batched_fit.train_batched, []

    def spy(shape, runs, **kwargs):  # type: ignore[no-untyped-def]
        sizes.append(len(runs))
        return real(shape, runs, **kwargs)

    monkeypatch.setattr(batched_fit, "train_batched", spy)
    return sizes


def test_only_models_that_can_share_a_batch_do(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same shape, data sizes, epochs and loss: one batch; any difference: a batch of its own."""
    X, y = DATA
    short_val = (VAL[0][:20], VAL[1][:20])
    two = (X[:, :, :2], y, (VAL[0][:, :, :2], VAL[1]))
    up = (y > X[:, -1, 0]).astype(float)
    val_up = (VAL[1] > VAL[0][:, -1, 0]).astype(float)
    sizes = _spy_batches(monkeypatch)
    fit_batched(
        [
            _model(seed=0),
            _model(seed=1),
            _model(seed=2),
            _model(seed=3, epochs=4),
            _model(seed=4),
            _model(seed=5, target_kind="direction"),
        ],
        [(X, y, VAL), (X, y, VAL), (X, y, short_val), (X, y, VAL), two, (X, up, (VAL[0], val_up))],
    )
    assert sorted(sizes) == [1, 1, 1, 1, 2]


def test_direction_networks_train_batched_as_classifiers() -> None:
    X, y = DATA
    up = (y > X[:, -1, 0]).astype(float)
    val_up = (VAL[1] > VAL[0][:, -1, 0]).astype(float)
    kw = {"target_kind": "direction", "lr": 0.05}
    alone = _model(seed=0, **dict(kw)).fit(X, up, validation=(VAL[0], val_up))
    batched = fit_batched([_model(seed=0, **dict(kw))], [(X, up, (VAL[0], val_up))])[0][0]
    assert batched.history_.epochs_run == alone.history_.epochs_run
    np.testing.assert_allclose(batched.history_.val_loss, alone.history_.val_loss, rtol=1e-3)
    assert set(np.unique(batched.predict(VAL[0]))) <= {0.0, 1.0}


def test_a_batched_model_is_stopped_by_its_callback_and_timed_by_its_share() -> None:
    X, y = DATA
    start = time.perf_counter()
    fitted = fit_batched(
        [_model(seed=s, epochs=6, patience=6) for s in (0, 1)],
        [(X, y, VAL)] * 2,
        [None, lambda epoch, loss: epoch == 1],
    )
    wall = time.perf_counter() - start
    assert [m.history_.epochs_run for m, _ in fitted] == [6, 2]
    shares = [s for _, s in fitted]
    assert shares[0] == shares[1] and 0 < 2 * shares[0] <= wall
    alone = fit_batched([_model("gru")], [(X, y, VAL)])  # trains alone: its own time
    assert 0 < alone[0][1] < 60


def test_mismatched_models_and_data_are_refused() -> None:
    with pytest.raises(ValueError, match=r"^one \(X, y, validation\) per model$"):
        fit_batched([_model()], [DATA, DATA])  # type: ignore[list-item]


def test_dropout_reaches_the_batched_networks() -> None:
    X, y = DATA
    plain = fit_batched([_model(seed=0, lr=0.05)], [(X, y, VAL)])[0][0]
    dropped = fit_batched([_model(seed=0, lr=0.05, dropout=0.5)], [(X, y, VAL)])[0][0]
    assert plain.history_.train_loss != dropped.history_.train_loss


def test_cnn_lstms_of_other_sizes_or_data_lengths_train_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Other channel counts, kernel widths or training lengths cannot share stacked weights or
    batches: each trains in a batch of its own instead of failing."""
    X, y = DATA
    sizes = _spy_batches(monkeypatch)
    fitted = fit_batched(
        [
            _model("cnn-lstm", seed=0),
            _model("cnn-lstm", seed=1).set_params(channels=6),
            _model("cnn-lstm", seed=2, kernel_size=2),
            _model("cnn-lstm", seed=3),
        ],
        [(X, y, VAL), (X, y, VAL), (X, y, VAL), (X[:60], y[:60], VAL)],
    )
    assert sizes == [1, 1, 1, 1]
    assert all(m.history_.epochs_run > 0 for m, _ in fitted)


def test_batched_networks_without_validation_run_every_epoch() -> None:
    X, y = DATA
    fitted = fit_batched([_model(seed=s, epochs=3) for s in (0, 1)], [(X, y, None)] * 2)
    assert [m.history_.epochs_run for m, _ in fitted] == [3, 3]
    assert [m.history_.best_epoch for m, _ in fitted] == [2, 2]


@pytest.mark.parametrize("network", ["lstm", "cnn-lstm"])
def test_networks_of_another_hidden_size_never_share_a_batch(network: str) -> None:
    """Their weights have other shapes: each hidden size is a batch of its own."""
    X, y = DATA
    small, large = _model(network), _model(network).set_params(hidden_size=16)
    assert batch_key(small, (X, y, VAL)) != batch_key(large, (X, y, VAL))
    assert batch_key(small, (X, y, VAL)) == batch_key(_model(network, seed=1), (X, y, VAL))


# --- train_batched itself: tiny LSTMs on random windows ------------------------------------------

SHAPE = NetworkShape("lstm", 3, 8, 1)


def _initial(seed: int) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    return {k: v.clone() for k, v in LSTMNet(3, 8, 1, 0.0).state_dict().items()}


def _windows(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    X = torch.randn(n, 5, 3, generator=torch.Generator().manual_seed(seed))
    return X, X[:, -1, 0] + 0.5 * X[:, -2, 1]


def _mse(state: dict[str, torch.Tensor], X: torch.Tensor, y: torch.Tensor) -> float:
    net = LSTMNet(3, 8, 1, 0.0)
    net.load_state_dict(state)
    with torch.no_grad():
        return float(((net.eval()(X) - y) ** 2).mean())


def test_weights_that_cannot_move_report_their_own_losses_and_stop_after_patience(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A learning rate too small to change any weight: every epoch scores the same weights.
    The first model improves once (on an infinite loss), then waits ``patience`` (2) epochs
    of equal losses; the second scores its untrained weights first, and no epoch beats them
    by ``min_delta`` in its ``patience`` (3): both stop after three epochs. Losses are the
    mean over every window (300 validation windows: more than one evaluation chunk), the
    returned weights are plain tensors."""
    X, y = _windows(64, 0)
    Xv, yv = _windows(300, 1)
    frozen = {"epochs": 6, "batch_size": 16, "learning_rate": 1e-30, "patience": 2}
    runs = [
        BatchedRun(_initial(0), (X, y), (Xv, yv), TrainingConfig(**frozen), seed=0),
        BatchedRun(
            _initial(1),
            (X, y),
            (Xv, yv),
            TrainingConfig(**{**frozen, "patience": 3}, min_delta=1e-3),
            seed=1,
            score_initial=True,
        ),
    ]
    caplog.set_level("DEBUG", logger="sentcast.models.batched_training")
    began = time.perf_counter()
    (first, one), (second, two) = train_batched(SHAPE, runs)
    elapsed = time.perf_counter() - began
    assert (one.epochs_run, one.best_epoch, one.samples_seen) == (3, 0, 3 * 64)
    assert one.val_loss == pytest.approx([_mse(runs[0].state, Xv, yv)] * 3, rel=1e-5)
    assert one.train_loss == pytest.approx([_mse(runs[0].state, X, y)] * 3, rel=1e-5)
    assert len(set(one.val_loss)) == 1 and one.initial_val_loss is None
    assert two.initial_val_loss == pytest.approx(_mse(runs[1].state, Xv, yv), rel=1e-5)
    assert (two.epochs_run, two.best_epoch) == (3, -1)
    assert two.val_loss == [two.initial_val_loss] * 3
    for state, run in ((first, runs[0]), (second, runs[1])):
        assert all(torch.equal(state[k], run.state[k]) for k in run.state)
        assert not any(t.requires_grad for t in state.values())
    assert 0 < one.seconds == two.seconds <= elapsed
    line = re.compile(r"batched lstm x2: \d+\.\d s")
    assert any(line.fullmatch(r.getMessage()) for r in caplog.records)


def test_one_window_losses_are_that_windows_loss() -> None:
    X, y = _windows(1, 2)
    Xv, yv = _windows(1, 3)
    config = TrainingConfig(epochs=2, batch_size=4, learning_rate=1e-30)
    ((_, history),) = train_batched(SHAPE, [BatchedRun(_initial(0), (X, y), (Xv, yv), config)])
    assert history.train_loss == pytest.approx([_mse(_initial(0), X, y)] * 2, rel=1e-5)
    assert history.val_loss == pytest.approx([_mse(_initial(0), Xv, yv)] * 2, rel=1e-5)


def test_a_batched_model_keeps_its_best_epoch_not_its_last() -> None:
    """Validation targets are half the training targets: the networks pass them on their
    way to the training targets, so the validation loss falls, then rises."""
    X, y = _windows(64, 0)
    config = TrainingConfig(epochs=15, batch_size=16, learning_rate=0.03, patience=15)
    runs = [BatchedRun(_initial(s), (X, y), (X, 0.5 * y), config, seed=s) for s in (0, 1)]
    for (state, history), run in zip(train_batched(SHAPE, runs), runs, strict=True):
        assert history.best_epoch < history.epochs_run - 1
        kept = _mse(state, *run.validation)  # type: ignore[misc]
        assert kept == pytest.approx(min(history.val_loss), rel=1e-4)
        assert kept < history.val_loss[-1] * (1 - 1e-3)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"config": TrainingConfig(epochs=2, batch_size=8)}, "the same epochs and batch_size"),
        ({"train": _windows(8, 0)}, "training windows of one shape"),
        ({"validation": None}, "validation windows of one shape"),
        ({"validation": _windows(4, 1)}, "validation windows of one shape"),
    ],
)
def test_models_that_cannot_share_a_batch_are_refused(
    change: dict[str, object], message: str
) -> None:
    base = {
        "state": _initial(0),
        "train": _windows(16, 0),
        "validation": _windows(8, 1),
        "config": TrainingConfig(epochs=1, batch_size=8),
    }
    runs = [BatchedRun(**base), BatchedRun(**{**base, **change}), BatchedRun(**base)]  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=f"^models of one batch need {message}$"):
        train_batched(SHAPE, runs)


def test_a_model_without_a_finite_validation_loss_stops_with_its_last_weights() -> None:
    """Its validation targets are NaN: no epoch improves, it leaves the batch after
    ``patience`` epochs with the weights it has then, while the other model goes on."""
    X, y = _windows(32, 0)
    Xv, yv = _windows(8, 1)
    config = TrainingConfig(epochs=4, batch_size=16, learning_rate=1e-30, patience=1)
    patient = TrainingConfig(epochs=4, batch_size=16, learning_rate=1e-30, patience=4)
    runs = [
        BatchedRun(_initial(0), (X, y), (Xv, torch.full_like(yv, math.nan)), config),
        BatchedRun(_initial(1), (X, y), (Xv, yv), patient),
    ]
    (lost, history), (_, other) = train_batched(SHAPE, runs)
    assert (history.epochs_run, other.epochs_run) == (1, 4)
    assert all(torch.equal(lost[k], runs[0].state[k]) for k in lost)


def test_a_direction_classifier_scores_its_untrained_weights_with_its_own_loss() -> None:
    X, y = _windows(32, 0)
    Xv, yv = _windows(8, 1)
    up, val_up = (y > 0).float(), (yv > 0).float()
    config = TrainingConfig(epochs=1, batch_size=16)
    run = BatchedRun(_initial(0), (X, up), (Xv, val_up), config, score_initial=True)
    ((_, history),) = train_batched(SHAPE, [run], classifier=True)
    net = LSTMNet(3, 8, 1, 0.0)
    net.load_state_dict(_initial(0))
    with torch.no_grad():
        logits = net.eval()(Xv)
    expected = float(torch.nn.functional.binary_cross_entropy_with_logits(logits, val_up))
    assert history.initial_val_loss == pytest.approx(expected, rel=1e-5)
