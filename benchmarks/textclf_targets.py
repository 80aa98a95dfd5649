"""Run (or resume) a text classification study and check it against the issue's targets.

Targets (accuracy on the named evaluation set, best model of the run):

* ``sentiment``: Sentiment140 official test set (positive / negative, 359 tweets), models
  trained on the 20k sample only: >= 82.1 % (the study's best, trained on 1.6M tweets);
* ``imdb``: IMDb 50k, 16 % test split: >= 90.1 % (the study's CNN);
* ``hierarchy``: DBpedia l1 test split: >= 92.5 % (the study's KNN at its top level);
* ``kim``: no target; Kim (2014) CNN 81.0-81.5 % (rt-polarity), 86.8-88.1 % (SST-2).

Prints every model's accuracy, F1, wall time and CPU training throughput (samples/s), then
the best model per target and whether it is met. Run with e.g.
``nice -n 10 .venv/bin/python benchmarks/textclf_targets.py sentiment --out runs/study_sentiment``
(extra ``--set key=value`` overrides are passed to the experiment).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from sentcast.experiments.runner import run_experiment

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
STUDIES = {
    "sentiment": ("study_sentiment.toml", [("sentiment140", "sentiment140_official", 0.821)]),
    "imdb": ("study_sentiment_imdb.toml", [("imdb", "test", 0.901)]),
    "hierarchy": ("study_hierarchy.toml", [("dbpedia_l1", "test", 0.925)]),
    "kim": ("study_kim.toml", []),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("study", choices=sorted(STUDIES))
    parser.add_argument("--out", type=Path, required=True, help="RUN_DIR (resumed if present)")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    config, targets = STUDIES[args.study]
    start = time.perf_counter()
    run_experiment(CONFIGS / config, args.out, args.overrides)
    print(f"wall time of this invocation: {time.perf_counter() - start:.0f} s")
    results = pd.read_csv(args.out / "results.csv")
    columns = ["dataset", "eval_set", "model", "accuracy", "f1", "train_seconds", "samples_per_s"]
    with pd.option_context("display.width", 160, "display.float_format", "{:.4f}".format):
        print(results[columns].to_string(index=False))
    for dataset, eval_set, target in targets:
        rows = results[(results["dataset"] == dataset) & (results["eval_set"] == eval_set)]
        if rows.empty:
            print(f"{dataset}/{eval_set}: no results")
            continue
        best = rows.loc[rows["accuracy"].idxmax()]
        verdict = "MET" if best["accuracy"] >= target else "NOT met"
        print(
            f"{dataset}/{eval_set}: best {best['model']} accuracy {best['accuracy']:.4f} "
            f"vs target {target:.3f}: {verdict}"
        )


if __name__ == "__main__":
    main()
