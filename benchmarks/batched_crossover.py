"""Where batching the seeds of a network cell pays: per-model against batched training, side by
side in one run, for the study's networks over a range of window lengths.

    nice -n 0 .venv/bin/python benchmarks/batched_crossover.py

For each network (LSTM, CNN-LSTM with the study's sizes: hidden 50, 32 channels, pool 2) and
window length it trains ``--models`` seeds on the same random-walk windows (720 training and
150 validation samples, 6 features, batch 64, ``--epochs`` epochs, no early stop) one at a
time (``SequenceForecaster.fit``: ``nn.LSTM``'s fused kernel) and as one batch
(``fit_batched(..., max_steps=None)``), and prints both wall times, their ratio, what the grid
does at that length (``models.batched_fit.MAX_BATCHED_STEPS``) and, for the LSTM, the
per-model path's arithmetic rate (forward + backward matrix products, about 3 x 8 H (F + H)
floating-point operations per sample and time step): when that rate is near the core's
throughput, the time is arithmetic, which batching cannot remove.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from sentcast.config.training import TrainingConfig
from sentcast.models.batched_fit import MAX_BATCHED_STEPS, fit_batched, recurrent_steps
from sentcast.models.forecast import SequenceForecaster

WINDOWS = (4, 7, 10, 14, 20, 30, 60, 90)
N_TRAIN, N_VAL, N_FEATURES, HIDDEN = 720, 150, 6, 50


def _windows(t: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.03, n + t)))
    cols = np.stack([close * (1 + 0.01 * k) for k in range(N_FEATURES)], axis=1)
    X = np.stack([cols[i : i + t] for i in range(n)])
    return X, close[t - 1 : t - 1 + n] * np.exp(rng.normal(0, 0.01, n))


def _model(network: str, seed: int, epochs: int) -> SequenceForecaster:
    train = TrainingConfig(
        epochs=epochs, batch_size=64, learning_rate=0.003, patience=epochs + 1, device="cpu"
    )
    return SequenceForecaster(network, hidden_size=HIDDEN, close_index=3, train=train, seed=seed)  # type: ignore[arg-type]


def main() -> None:
    """Time both paths per network and window; print one row each."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=int, default=3, help="networks per batch (seeds)")
    parser.add_argument("--epochs", type=int, default=9, help="epochs (the grid's 1 + patience)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    warm_X, warm_y = _windows(7, 200, rng)
    _model("lstm", 0, 1).fit(warm_X, warm_y)  # first-call costs out of the table
    print(f"{args.models} models, {args.epochs} epochs, {N_TRAIN} training windows, 1 thread")
    print(f"the grid batches recurrent sequences of at most {MAX_BATCHED_STEPS} steps\n")
    print(
        "| network | window | LSTM steps | per-model s | batched s | batched speed-up | grid "
        "| per-model GFLOP/s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for network in ("lstm", "cnn-lstm"):
        for t in WINDOWS:
            X, y = _windows(t, N_TRAIN + N_VAL, rng)
            data = (X[:N_TRAIN], y[:N_TRAIN], (X[N_TRAIN:], y[N_TRAIN:]))
            seeds = range(args.models)
            start = time.perf_counter()
            for seed in seeds:
                _model(network, seed, args.epochs).fit(*data[:2], validation=data[2])
            alone = time.perf_counter() - start
            start = time.perf_counter()
            models = [_model(network, seed, args.epochs) for seed in seeds]
            fit_batched(models, [data] * args.models, max_steps=None)
            batched = time.perf_counter() - start
            steps = recurrent_steps(models[0], t)
            grid = "batched" if steps <= MAX_BATCHED_STEPS else "per model"
            rate = ""
            if network == "lstm":
                samples = args.epochs * (N_TRAIN * 3 + N_VAL)  # training: fwd+bwd; validation: fwd
                flops = 8 * HIDDEN * (N_FEATURES + HIDDEN) * t * samples * args.models
                rate = f"{flops / alone / 1e9:.1f}"
            print(
                f"| {network} | {t} | {steps} | {alone:.2f} | {batched:.2f} | "
                f"{alone / batched:.2f} x | {grid} | {rate} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
