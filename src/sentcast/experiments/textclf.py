"""The text classification experiment (``kind = "textclf"``): datasets x models x seeds.

For each dataset the corpus is read and split once (``split_seed``); every model is fitted on
the training part (early stopping on the validation part) and scored on the test part and on
the dataset's extra evaluation sets. RUN_DIR receives:

* ``results.csv``: ``dataset, eval_set, model, seed, accuracy, precision, recall, f1`` then
  ``precision_weighted, recall_weighted, f1_weighted, n_eval, n_train, train_seconds,
  samples_per_s, epochs, embedding_oov_rate, level, val_accuracy`` (the accuracy on the
  validation part, the same in every row of a cell: the column to choose a model by);
* ``tables.md``; ``data_summary.json`` (``{"kind": "textclf", "datasets": {...}}``);
* ``confusion/<dataset>_<eval_set>_<model>.csv`` and ``plots/confusion_<...>.png`` (first seed);
* ``models/<dataset>__<model>__s<seed>/`` when ``save_models``.

Cells already in ``results.csv`` are skipped, so an interrupted run resumes. ``results.csv``
and ``data_summary.json`` are rewritten atomically after each cell and dataset; on resume a
cell counts as finished only when it has one complete row per evaluation set, and an
unreadable file is redone (and said so in the summary).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from sklearn.dummy import DummyClassifier

from sentcast.config.textclf import DatasetConfig, TextclfExperiment, resolve_paths
from sentcast.evaluation.classification import classification_scores, confusion_table
from sentcast.experiments.run_files import read_finished_csv, redone_line, write_csv, write_json
from sentcast.experiments.textclf_data import PreparedDataset, prepare_dataset
from sentcast.files import atomic_write_text, inside, read_json_object
from sentcast.models.text import make_text_model
from sentcast.models.text_classifier import TextClassifier
from sentcast.models.training import TrainingHistory, cell_fit, fit_summary
from sentcast.reporting.confusion import plot_confusion
from sentcast.reporting.textclf_tables import textclf_tables
from sentcast.text.vectorize import Vocabulary

logger = logging.getLogger(__name__)

CONFIG = TextclfExperiment
RESULTS_FILE = "results.csv"
SUMMARY_FILE = "data_summary.json"
TABLES_FILE = "tables.md"
RESULT_COLUMNS = ["dataset", "eval_set", "model", "seed", "accuracy", "precision", "recall", "f1"]
#: Columns every finished row has a value in (the others may be empty, e.g. ``level``).
_REQUIRED = [*RESULT_COLUMNS, "n_eval", "n_train", "train_seconds"]

__all__ = ["CONFIG", "resolve_paths", "run"]


def cell_id(dataset: str, model: str, seed: int) -> str:
    """Folder-safe name of one (dataset, model, seed) cell."""
    return f"{dataset}__{model}__s{seed}"


def _finished_rows(config: TextclfExperiment, out_dir: Path) -> tuple[pd.DataFrame, list[str]]:
    """The rows of finished cells in ``results.csv``; and the ids of cells to redo.

    A cell is finished when it has exactly one row per evaluation set of its dataset, each
    with every required value; other rows (of a torn or edited file) are dropped and their
    cells redone.

    Raises
    ------
    _TornResultsError
        The file exists but is unreadable or holds no row (it is written after a cell only).
    """
    path = out_dir / RESULTS_FILE
    empty = pd.DataFrame(columns=RESULT_COLUMNS)
    if not path.exists():
        return empty, []
    results = read_finished_csv(path, _REQUIRED)
    if results is None or results.empty:
        raise _TornResultsError
    cells = [(d, m, s) for d in config.datasets for m in config.models_for(d) for s in config.seeds]
    keep = []
    redone = []
    complete = results[_REQUIRED].notna().all(axis=1)
    for dataset, model, seed in cells:
        rows = (
            (results["dataset"].astype(str) == dataset.name)
            & (results["model"].astype(str) == model)
            & (results["seed"] == seed)
        )
        if not rows.any():
            continue
        expected = ["test", *(e.name for e in dataset.eval)]
        if complete[rows].all() and results.loc[rows, "eval_set"].astype(str).tolist() == expected:
            keep.append(rows)
        else:
            redone.append(cell_id(dataset.name, model, seed))
    if not keep:
        return empty, redone
    return results[pd.concat(keep, axis=1).any(axis=1)].reset_index(drop=True), redone


class _TornResultsError(Exception):
    """``results.csv`` exists but cannot be used."""


def _done(results: pd.DataFrame) -> set[str]:
    return {
        cell_id(str(d), str(m), int(s))
        for d, m, s in zip(results["dataset"], results["model"], results["seed"], strict=True)
    }


def _read_summaries(path: Path) -> tuple[dict[str, Any], bool]:
    """Per-dataset summaries of ``data_summary.json`` (whole entries only); and if it was torn."""
    if not path.exists():
        return {}, False
    data = read_json_object(path)
    datasets = data.get("datasets") if data is not None else None
    if not isinstance(datasets, dict):
        return {}, True
    whole = {k: v for k, v in datasets.items() if isinstance(v, dict) and "n_train" in v}
    return whole, len(whole) != len(datasets)


def _data_summary(
    data: PreparedDataset, config: TextclfExperiment, dataset: DatasetConfig
) -> dict[str, Any]:
    """Split sizes, the share of test tokens outside a training vocabulary, and the majority
    class of the training part with its scores on every evaluation set (the baseline row)."""
    _, params = config.params_for(config.models_for(dataset)[0], dataset)
    pipeline = params.text
    vocab = Vocabulary(params.sequence.max_words).fit(pipeline.tokens(t) for t in data.train.texts)
    summary = dict(data.summary)
    summary["oov_rate"] = vocab.oov_rate(pipeline.tokens(t) for t in data.test.texts)
    summary["vocabulary_size"] = len(vocab)
    if dataset.format == "dbpedia":
        summary["level"] = dataset.level
    majority = DummyClassifier(strategy="most_frequent").fit(
        [[0]] * len(data.train.labels), data.train.labels
    )
    summary["majority_class"] = str(majority.classes_[majority.class_prior_.argmax()])
    summary["majority_scores"] = {
        name: classification_scores(part.labels, [summary["majority_class"]] * len(part))
        for name, part in data.eval_sets.items()
    }
    return summary


def _save_confusion(
    out_dir: Path,
    data: PreparedDataset,
    eval_set: str,
    model: str,
    truth: list[str],
    pred: list[str],
) -> None:
    labels = sorted(set(data.train.labels) | set(truth))
    table = confusion_table(truth, pred, labels)
    stem = f"{data.name}_{eval_set}_{model}"
    (out_dir / "confusion").mkdir(exist_ok=True)
    write_csv(table, inside(out_dir, Path("confusion") / f"{stem}.csv"), index=True)
    plot_confusion(
        table,
        inside(out_dir, Path("plots") / f"confusion_{stem}.png"),
        f"{data.name} {eval_set}: {model}",
    )


def run_cell(
    config: TextclfExperiment,
    dataset: DatasetConfig,
    data: PreparedDataset,
    label: str,
    seed: int,
    out_dir: Path,
) -> list[dict[str, Any]]:
    """Fit one model on one dataset with one seed and score it on every evaluation set."""
    name, params = config.params_for(label, dataset)
    model: TextClassifier = make_text_model(name, params, seed)
    start = time.perf_counter()
    with cell_fit():  # this cell's one log line (below) says how the fit went
        model.fit(
            data.train.texts,
            data.train.labels,
            validation=(data.validation.texts, data.validation.labels),
        )
    seconds = time.perf_counter() - start
    extra: dict[str, Any] = {"n_train": len(data.train), "train_seconds": seconds}
    history: TrainingHistory | None = getattr(model, "history_", None)  # the torch models'
    if history is not None:
        extra["samples_per_s"] = history.samples_per_second
        extra["epochs"] = history.epochs_run
    else:
        extra["samples_per_s"] = len(data.train) / seconds if seconds > 0 else float("nan")
        extra["epochs"] = 1
    extra["embedding_oov_rate"] = getattr(model, "embedding_oov_rate_", float("nan"))
    extra["level"] = dataset.level if dataset.format == "dbpedia" else ""
    # for choosing a model on validation, never on a test set
    extra["val_accuracy"] = classification_scores(
        data.validation.labels, model.predict(data.validation.texts)
    )["accuracy"]
    if config.save_models:
        model.save(inside(out_dir, Path("models") / cell_id(data.name, label, seed)))
    rows = []
    for eval_set, part in data.eval_sets.items():
        pred = model.predict(part.texts)
        scores = classification_scores(part.labels, pred)
        rows.append(
            {
                "dataset": data.name,
                "eval_set": eval_set,
                "model": label,
                "seed": seed,
                **scores,
                "n_eval": len(part),
                **extra,
            }
        )
        if seed == config.seeds[0]:
            _save_confusion(out_dir, data, eval_set, label, part.labels, pred)
    fitted = f"{fit_summary(history)}; " if history is not None else ""
    logger.info(
        "%s: %saccuracy %.4f in %.1f s",
        cell_id(data.name, label, seed),
        fitted,
        rows[0]["accuracy"],
        seconds,
    )
    return rows


def _order(results: pd.DataFrame) -> pd.DataFrame:
    head = RESULT_COLUMNS
    return results[head + [c for c in results.columns if c not in head]]


def run(config: TextclfExperiment, out_dir: Path) -> str:
    """Run every (dataset, model, seed) cell not yet in ``results.csv``; write RUN_DIR."""
    if config.threads:
        torch.set_num_threads(config.threads)
    out = Path(out_dir)
    (out / "plots").mkdir(parents=True, exist_ok=True)
    notes = []
    try:
        results, redone = _finished_rows(config, out)
    except _TornResultsError:
        results, redone = pd.DataFrame(columns=RESULT_COLUMNS), []
        notes.append(f"{RESULTS_FILE} was unreadable: every cell is run again")
        logger.warning(notes[-1])
    done = _done(results)
    summary_path = out / SUMMARY_FILE
    summaries, torn_summary = _read_summaries(summary_path)
    if torn_summary:
        logger.warning("%s was unreadable: rebuilding it", summary_path)
    skipped = 0
    for dataset in config.datasets:
        cells = [(m, s) for m in config.models_for(dataset) for s in config.seeds]
        if not cells:
            continue
        todo = [(m, s) for m, s in cells if cell_id(dataset.name, m, s) not in done]
        skipped += len(cells) - len(todo)
        if not todo and dataset.name in summaries:
            continue
        data = prepare_dataset(dataset, config.split_seed)
        summaries[dataset.name] = _data_summary(data, config, dataset)
        write_json({"kind": "textclf", "datasets": summaries}, summary_path)
        for label, seed in todo:
            rows = run_cell(config, dataset, data, label, seed, out)
            new = pd.DataFrame(rows)
            results = new if results.empty else pd.concat([results, new], ignore_index=True)
            write_csv(_order(results), out / RESULTS_FILE)
    results = _order(results)
    references = {
        d.name: {"test": d.reference, **{e.name: e.reference for e in d.eval}}
        for d in config.datasets
    }
    bases = {label: variant.model for label, variant in config.variants.items()}
    atomic_write_text(
        out / TABLES_FILE, textclf_tables(results, config.title, summaries, references, bases)
    )
    notes.append(redone_line(redone))
    if torn_summary:
        notes.append(f"rebuilt {SUMMARY_FILE}: it was unreadable")
    return _summary_text(results, out, skipped, [n for n in notes if n])


def _summary_text(results: pd.DataFrame, out: Path, skipped: int, notes: list[str]) -> str:
    lines = [f"{len(results)} result rows in {out / RESULTS_FILE} ({skipped} cells skipped)"]
    lines += notes
    mean = (
        results.groupby(["dataset", "eval_set", "model"], sort=False)["accuracy"]
        .mean()
        .reset_index()
    )
    for dataset, eval_set, model, acc in mean.itertuples(index=False):
        lines.append(f"  {dataset:<24} {eval_set:<24} {model:<14} accuracy {acc:.4f}")
    lines.append(f"tables: {out / TABLES_FILE}")
    return "\n".join(lines)
