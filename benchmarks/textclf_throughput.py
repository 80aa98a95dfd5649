"""CPU training throughput (samples/s) of every text model on real tweets.

Trains each model for ``--epochs`` epochs on ``--rows`` Sentiment140 training tweets
(50 tokens, batch 128, the 2,604-word GloVe cut, torch threads = ``--threads``) and prints
samples/s (neural: the trainer's throughput over all epochs; TF-IDF: texts / fit time) and the
prediction rate. Run with
``nice -n 10 .venv/bin/python benchmarks/textclf_throughput.py [--rows 4000] [--threads 2]``.
"""

from __future__ import annotations

import argparse
import time

import torch

from sentcast.config.text_models import MODELS, EmbeddingConfig, SequenceConfig, TextModelParams
from sentcast.data.corpora import read_sentiment140
from sentcast.models.text import make_text_model
from sentcast.models.text_neural import NeuralTextClassifier
from sentcast.models.training import TrainingConfig
from sentcast.paths import shared_data_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = shared_data_dir()
    corpus = read_sentiment140(data / "sentiment140/sentiment140_train_sample.csv")
    texts, labels = corpus.texts[: args.rows], corpus.labels[: args.rows]
    params = TextModelParams(
        sequence=SequenceConfig(max_len=50),
        embeddings=EmbeddingConfig(path=str(data / "embeddings/glove.6B.100d.top2604.txt")),
        train=TrainingConfig(epochs=args.epochs, batch_size=128, device="cpu"),
    )
    print(f"{len(texts)} tweets, {args.epochs} epoch(s), {args.threads} torch thread(s)")
    print(f"{'model':<12} {'train samples/s':>16} {'fit s':>8} {'predict texts/s':>16}")
    for name in MODELS:
        model = make_text_model(name, params)
        start = time.perf_counter()
        model.fit(texts, labels)
        fit_s = time.perf_counter() - start
        if isinstance(model, NeuralTextClassifier):
            rate = model.history_.samples_per_second
        else:
            rate = len(texts) / fit_s
        start = time.perf_counter()
        model.predict(texts)
        predict_rate = len(texts) / (time.perf_counter() - start)
        print(f"{name:<12} {rate:>16,.0f} {fit_s:>8.1f} {predict_rate:>16,.0f}")


if __name__ == "__main__":
    main()
