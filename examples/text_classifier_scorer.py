"""A text classifier as a sentiment scorer: train it, save it, score tweets with it.

    .venv/bin/python examples/text_classifier_scorer.py [SHARED_DATA_DIR]

Trains a TF-IDF + logistic regression classifier on the 20,000-tweet Sentiment140 sample
(``positive`` / ``negative`` labels), checks it on the official Sentiment140 test tweets, and
saves it as a data-only model folder. That folder then replaces VADER in a scoring job: each
tweet's ``compound`` becomes ``P(positive) - P(negative)`` and the daily table is built exactly
as with VADER. The command line does the same with
``sentcast textclf train ... --out MODEL_DIR`` and
``sentcast sentiment score TWEETS --scorer MODEL_DIR --out DAILY.parquet``.
Finally the learned scores are set beside VADER's on the same Bitcoin tweets.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sentcast import VaderScorer, shared_data_dir
from sentcast.data.corpora import read_sentiment140
from sentcast.evaluation.classification import classification_scores
from sentcast.models.text import make_text_model
from sentcast.models.text_scorer import ClassifierScorer
from sentcast.sentiment.batch import BatchScorer
from sentcast.sentiment.ingest import ScoreJob, run_score_job


def main() -> None:
    """Run the example and print its figures."""
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else shared_data_dir()
    train = read_sentiment140(data / "sentiment140" / "sentiment140_train_sample.csv")
    test = read_sentiment140(data / "sentiment140" / "testdata.manual.2009.06.14.csv")
    model = make_text_model("tfidf-lr", seed=0).fit(train.texts, train.labels)
    accuracy = classification_scores(test.labels, model.predict(test.texts))["accuracy"]
    print(f"tfidf-lr: trained on {len(train)} tweets, official test accuracy {accuracy:.3f}")
    folder = model.save("runs/sentiment_tfidf_lr")

    # The saved folder as the scorer of a scoring job (one process here; any number in general)
    tweets = data / "tweets" / "bitcoin_tweets_2016-2017_sample.csv"
    job = ScoreJob(
        inputs=[tweets],
        out=Path("runs/learned_daily.parquet"),
        scored=Path("runs/learned_scored.parquet"),
        text_col="text",
        time_col="created_at",
    )
    with BatchScorer(ClassifierScorer(folder), workers=1) as batch:
        result = run_score_job(job, batch)
    print(next(line for line in result.summary().splitlines() if line.startswith("rows read")))
    daily = pd.read_parquet(job.out)
    print(f"daily table: {len(daily)} days, columns {', '.join(daily.columns[:4])}, ...")

    # Learned vs VADER on the same tweets (per tweet; VADER has a neutral zone, tf-idf not)
    scored = pd.read_parquet(job.scored).dropna(subset=["compound"])
    vader = VaderScorer().score(scored["text"].tolist())[:, 3]
    keep = ~np.isnan(vader)
    r = np.corrcoef(scored["compound"].to_numpy()[keep], vader[keep])[0, 1]
    print(f"learned vs VADER compound on {int(keep.sum())} tweets: Pearson r {r:.2f}")


if __name__ == "__main__":
    main()
