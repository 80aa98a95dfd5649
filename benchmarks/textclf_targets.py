"""Run (or resume) a text classification study and check it against the issue's targets.

Targets (accuracy on the named evaluation set):

* ``sentiment``: Sentiment140 official test set (positive / negative, 359 tweets), models
  trained on the 100k set plus the 20k sample, de-duplicated: >= 82.1 % (the study's best,
  trained on 1.6M tweets); the same for the config's 20k and 5k datasets;
* ``imdb``: IMDb 50k, 16 % test split: any model >= 91.3 % (TF-IDF bigram LR) and a neural or
  embedding model >= 90.1 % (the study's CNN);
* ``hierarchy``: DBpedia sample, 20 % test split: l2 >= 87.6 % and l3 >= 76.7 % (the
  KNN-vs-LSTM study's figures at its second and third levels), l1 >= 92.5 % (its KNN at the top);
* ``kim``: no target; Kim (2014) CNN 81.0-81.5 % (rt-polarity), 86.8-88.1 % (SST-2).

For each target the model is the one with the best **validation** accuracy (``val_accuracy``
in ``results.csv``) among the models the target admits; its accuracy on the target's set is
then compared with the target (MET / NOT met). The test set never chooses the model. Prints
every model's accuracy, F1, wall time and CPU training throughput (samples/s) first. Run with
e.g. ``nice -n 10 .venv/bin/python benchmarks/textclf_targets.py sentiment --out
runs/study_sentiment`` (extra ``--set key=value`` overrides are passed to the experiment).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sentcast.config.textclf import TextclfExperiment
from sentcast.experiments.runner import load_experiment, run_experiment

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
#: Models whose features are (or include) TF-IDF counts: not "learned features" for a target.
TFIDF_MODELS = ("tfidf-lr", "tfidf-knn", "tfidf-svm", "tfidf-minilm-lr")


@dataclass(frozen=True)
class Target:
    """An accuracy to reach on ``dataset`` / ``eval_set``; ``learned_features``: only models
    that are not TF-IDF models (neural networks, embedding models) count."""

    dataset: str
    eval_set: str
    accuracy: float
    what: str
    learned_features: bool = False


STUDIES: dict[str, tuple[str, list[Target]]] = {
    "sentiment": (
        "study_sentiment.toml",
        [
            Target("sentiment140", "sentiment140_official", 0.821, "study's best (1.6M tweets)"),
            Target("sentiment140_20k", "sentiment140_official", 0.821, "20k sample only"),
            Target("sentiment140_5k", "sentiment140_official", 0.821, "5k subset only"),
        ],
    ),
    "imdb": (
        "study_sentiment_imdb.toml",
        [
            Target("imdb", "test", 0.913, "TF-IDF bigram LR, kept"),
            Target("imdb", "test", 0.901, "study's CNN", learned_features=True),
        ],
    ),
    "hierarchy": (
        "study_hierarchy.toml",
        [
            Target("dbpedia_l1", "test", 0.925, "study's KNN, level 1"),
            Target("dbpedia_l2", "test", 0.876, "study's level 2"),
            Target("dbpedia_l3", "test", 0.767, "study's level 3"),
        ],
    ),
    "kim": ("study_kim.toml", []),
}


def base_models(config: TextclfExperiment) -> dict[str, str]:
    """Model label -> model name (a variant's base model, else the label itself)."""
    return {label: getattr(config.variants.get(label), "model", label) for label in config.models}


def verdict(results: pd.DataFrame, target: Target, bases: dict[str, str]) -> str:
    """One line: the model chosen on validation, its accuracy on the target set, MET or not."""
    rows = results[
        (results["dataset"] == target.dataset) & (results["eval_set"] == target.eval_set)
    ]
    if target.learned_features:
        rows = rows[~rows["model"].map(bases).isin(TFIDF_MODELS)]
    name = f"{target.dataset}/{target.eval_set} >= {target.accuracy:.1%} ({target.what})"
    if rows.empty:
        return f"{name}: no results"
    if "val_accuracy" not in rows or rows["val_accuracy"].isna().all():
        return f"{name}: no validation accuracy in results.csv (re-run the study)"
    means = rows.groupby("model")[["val_accuracy", "accuracy"]].mean()  # mean over seeds
    chosen = means["val_accuracy"].idxmax()
    accuracy = means.loc[chosen, "accuracy"]
    state = "MET" if accuracy >= target.accuracy else "NOT met"
    return (
        f"{name}: {chosen} (validation {means.loc[chosen, 'val_accuracy']:.4f}) "
        f"scores {accuracy:.4f}: {state}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("study", choices=sorted(STUDIES))
    parser.add_argument("--out", type=Path, required=True, help="RUN_DIR (resumed if present)")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument(
        "--no-run", action="store_true", help="only check the results already in --out"
    )
    args = parser.parse_args()
    config_name, targets = STUDIES[args.study]
    if not args.no_run:
        start = time.perf_counter()
        run_experiment(CONFIGS / config_name, args.out, args.overrides)
        print(f"wall time of this invocation: {time.perf_counter() - start:.0f} s")
    _, config = load_experiment(CONFIGS / config_name, args.overrides)
    assert isinstance(config, TextclfExperiment)
    results = pd.read_csv(args.out / "results.csv")
    columns = ["dataset", "eval_set", "model", "val_accuracy", "accuracy", "f1"]
    columns += ["train_seconds", "samples_per_s"]
    with pd.option_context("display.width", 160, "display.float_format", "{:.4f}".format):
        print(results[[c for c in columns if c in results]].to_string(index=False))
    for target in targets:
        print(verdict(results, target, base_models(config)))


if __name__ == "__main__":
    main()
