"""``tables.md`` of a textclf run and the confusion matrix PNG."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sentcast.evaluation.classification import confusion_table
from sentcast.reporting.confusion import plot_confusion
from sentcast.reporting.textclf_tables import markdown_table, model_label, textclf_tables


def _results() -> pd.DataFrame:
    rows = []
    for seed, acc in ((0, 0.80), (1, 0.90)):
        for model in ("tfidf-lr", "cnn"):
            rows.append(
                {
                    "dataset": "s140",
                    "eval_set": "test",
                    "model": model,
                    "seed": seed,
                    "accuracy": acc,
                    "precision": acc,
                    "recall": acc,
                    "f1": acc,
                    "f1_weighted": acc,
                    "n_eval": 100,
                    "train_seconds": 2.0,
                    "samples_per_s": 1000.0,
                }
            )
    return pd.DataFrame(rows)


def test_tables_mean_std_and_reference() -> None:
    summary = {
        "s140": {"n_train": 10, "n_validation": 2, "n_test": 3, "n_classes": 2, "oov_rate": 0.25}
    }
    refs = {"s140": {"test": {"cnn": "82.1 (study)", "best model": "83.0"}}}
    text = textclf_tables(_results(), "T", summary, refs)
    assert "Study, best model: 83.0" in text
    assert text.startswith("# T")
    assert "| s140 | test | 85.0 ± 7.1 | 85.0 ± 7.1 |" in text
    assert "test-token OOV 25.0%" in text
    cnn_row = next(line for line in text.splitlines() if line.startswith("| CNN |"))
    assert cnn_row.endswith("| 2 | 82.1 (study) |")


def test_markdown_table() -> None:
    assert markdown_table(["a", "b"], [["1", "2"]]) == "| a | b |\n|---|---|\n| 1 | 2 |"


def test_confusion_png(tmp_path: Path) -> None:
    table = confusion_table(["a", "b", "b"], ["a", "a", "b"])
    path = plot_confusion(table, tmp_path / "plots" / "c.png", "t")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    many = confusion_table([str(i) for i in range(30)], [str(i) for i in range(30)])
    assert plot_confusion(many, tmp_path / "many.png").stat().st_size > 0


def test_model_labels_for_variants() -> None:
    assert model_label("tfidf-knn") == "TF-IDF + KNN (k=7)"
    assert model_label("lstm-w2v", "lstm") == "LSTM [lstm-w2v]"
    assert model_label("mystery") == "mystery"


def test_majority_class_row_and_column() -> None:
    majority = {"test": {"accuracy": 0.6, "precision": 0.3, "recall": 0.5, "f1": 0.375}}
    summary = {"s140": {"n_train": 10, "majority_class": "neg", "majority_scores": majority}}
    text = textclf_tables(_results(), "T", summary, {})
    row = next(line for line in text.splitlines() if line.startswith("| Majority class (neg)"))
    assert row == "| Majority class (neg) | 60.0 | 30.0 | 50.0 | 37.5 | – | – | – | – |"
    assert "| Dataset | Eval set | TF-IDF + LR | CNN | Majority class |" in text
    assert "| s140 | test | 85.0 ± 7.1 | 85.0 ± 7.1 | 60.0 |" in text
    # an older data_summary.json without the baseline: no row, "–" in the summary column
    old = textclf_tables(_results(), "T", {"s140": {"n_train": 10}}, {})
    assert "Majority class (" not in old and "| 85.0 ± 7.1 | – |" in old
