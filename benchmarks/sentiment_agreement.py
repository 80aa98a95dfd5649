"""How VADER and learned sentiment models agree with human labels, per tweet and per day.

Sets (every human-labelled one in shared/data; SOURCES.md sections 2, 4 and 8):

* ``sentiment140_test``: the official Sentiment140 test set, all 498 tweets including the 139
  neutral ones (3 classes), dated (May-June 2009);
* ``sst2_dev``: GLUE SST-2 dev, 872 sentences, 2 classes, no dates;
* ``btc_2021_23``: the 5,952 pre-cleaned Bitcoin tweets of 2021-23 (``clean_text``, ``date``,
  ``sentiment_label``), 3 classes, dated. Their labels come from a transformer model run by
  the repository author, not from people reading each tweet.

Scorers: VADER (the ``vader`` preset) and every saved sentiment model given with
``--model LABEL=MODEL_DIR`` (e.g. the ``tfidf-lr`` and ``minilm-lr`` folders that
``configs/study_sentiment.toml`` saves: trained on Sentiment140 training tweets only, with the
official test tweets removed). The score is VADER's compound or ``P(positive) - P(negative)``;
an empty text after cleaning scores 0 (counted in the output).

Metrics (:mod:`sentcast.evaluation.agreement`): Pearson r of score vs the -1/0/+1 label codes;
accuracy of labels read off the score with thresholds cross-fitted on two stratified halves
(each half labelled with the thresholds best on the other half); per day (days with at least
``--min-per-day`` tweets): r of the daily mean score vs the daily mean code, and the share of
days whose mean predicted code leans the same way as the human one. Prints a Markdown table::

    nice -n 10 .venv/bin/python benchmarks/sentiment_agreement.py \\
        --model tfidf-lr=runs/study_sentiment/models/sentiment140__tfidf-lr__s0 \\
        --model minilm-lr=runs/study_sentiment/models/sentiment140__minilm-lr__s0
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sentcast.data.corpora import read_sst2
from sentcast.evaluation.agreement import (
    crossfit_codes,
    daily_agreement,
    label_codes,
    text_agreement,
)
from sentcast.models.text_scorer import ClassifierScorer
from sentcast.paths import shared_data_dir
from sentcast.sentiment.scorer import SCORE_COLUMNS, Scorer
from sentcast.sentiment.vader import VaderScorer

COMPOUND = SCORE_COLUMNS.index("compound")
S140_POLARITY = {0: "negative", 2: "neutral", 4: "positive"}


@dataclass
class LabelledSet:
    """Texts, human labels and (where known) the UTC day of each text."""

    name: str
    texts: list[str]
    labels: list[str]
    days: list[str] | None


def sentiment140_test(root: Path) -> LabelledSet:
    frame = pd.read_csv(root / "sentiment140/testdata.manual.2009.06.14.csv")
    frame.columns = ["polarity", "id", "date", "query", "user", "text"]
    dates = pd.to_datetime(frame["date"], format="%a %b %d %H:%M:%S UTC %Y", utc=True)
    labels = frame["polarity"].map(S140_POLARITY)
    return LabelledSet(
        "sentiment140_test",
        frame["text"].tolist(),
        labels.tolist(),
        dates.dt.strftime("%Y-%m-%d").tolist(),
    )


def sst2_dev(root: Path) -> LabelledSet:
    corpus = read_sst2(root / "text/sst2/dev.tsv")
    return LabelledSet("sst2_dev", corpus.texts, corpus.labels, None)


def btc_2021_23(root: Path) -> LabelledSet:
    frame = pd.read_csv(root / "tweets/bitcoin_tweets_2021-2023_1M_followers_sentiment.csv.gz")
    frame = frame.dropna(subset=["clean_text", "sentiment_label"])
    days = pd.to_datetime(frame["date"], utc=True).dt.strftime("%Y-%m-%d")
    return LabelledSet(
        "btc_2021_23",
        frame["clean_text"].astype(str).tolist(),
        frame["sentiment_label"].str.strip().str.lower().tolist(),
        days.tolist(),
    )


def scores_of(scorer: Scorer, texts: list[str]) -> tuple[np.ndarray, int]:
    """Compound scores (empty-after-cleaning texts -> 0) and how many were empty."""
    compound = scorer.score(texts)[:, COMPOUND]
    empty = int(np.isnan(compound).sum())
    return np.nan_to_num(compound, nan=0.0), empty


def _fmt(value: float) -> str:
    return "–" if np.isnan(value) else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", default=[], metavar="LABEL=MODEL_DIR")
    parser.add_argument("--min-per-day", type=int, default=3)
    args = parser.parse_args()
    scorers: dict[str, Scorer] = {"VADER": VaderScorer()}
    for spec in args.model:
        label, _, folder = spec.partition("=")
        scorers[label] = ClassifierScorer(folder)
    root = shared_data_dir()
    sets = [sentiment140_test(root), sst2_dev(root), btc_2021_23(root)]
    print(
        "| set | classes | scorer | n | r (tweet) | accuracy (tweet) | days "
        "| r (day) | accuracy (day) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    notes = []
    for data in sets:
        codes = label_codes(data.labels)
        n_classes = len(set(codes.tolist()))
        for label, scorer in scorers.items():
            start = time.perf_counter()
            scores, empty = scores_of(scorer, data.texts)
            seconds = time.perf_counter() - start
            notes.append(f"{data.name} / {label}: {seconds:.0f} s, {empty} empty after cleaning")
            predicted = crossfit_codes(scores, codes)
            tweet = text_agreement(scores, codes, predicted)
            row = [data.name, str(n_classes), label, str(tweet["n"])]
            row += [_fmt(tweet["pearson_r"]), _fmt(tweet["accuracy"])]
            if data.days is None:
                row += ["–", "–", "–"]
            else:
                day = daily_agreement(data.days, scores, codes, predicted, args.min_per_day)
                row += [str(day["n_days"]), _fmt(day["pearson_r"]), _fmt(day["accuracy"])]
            print("| " + " | ".join(row) + " |", flush=True)
    print()
    for note in notes:
        print(f"- {note}")


if __name__ == "__main__":
    main()
