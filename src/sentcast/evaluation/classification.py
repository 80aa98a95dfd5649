"""Classification metrics: accuracy, macro / weighted precision, recall and F1, confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support


def classification_scores(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, float]:
    """Accuracy plus macro-averaged and class-frequency-weighted precision, recall and F1.

    Macro averages (every class counts the same) are the headline ``precision``, ``recall``
    and ``f1``; the ``*_weighted`` variants weight classes by their support. Classes never
    predicted count with precision 0 (scikit-learn's ``zero_division=0``).
    """
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} true labels but {len(y_pred)} predictions")
    if len(y_true) == 0:
        raise ValueError("no labels to score")
    scores = {"accuracy": float(accuracy_score(y_true, y_pred))}
    for average in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(
            y_true, y_pred, average=average, zero_division=0
        )
        suffix = "" if average == "macro" else "_weighted"
        scores[f"precision{suffix}"] = float(p)
        scores[f"recall{suffix}"] = float(r)
        scores[f"f1{suffix}"] = float(f)
    return scores


def confusion_table(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str] | None = None
) -> pd.DataFrame:
    """Counts of true (rows) vs predicted (columns) labels.

    ``labels`` fixes the order (default: sorted union of both sequences).
    """
    order = list(labels) if labels is not None else sorted(set(y_true) | set(y_pred))
    matrix = confusion_matrix(y_true, y_pred, labels=order)
    return pd.DataFrame(
        matrix,
        index=pd.Index(order, name="true"),
        columns=pd.Index(order, name="predicted"),
    )
