"""Accuracy, macro / weighted precision-recall-F1 and the confusion table."""

from __future__ import annotations

import warnings

import pytest

from sentcast.evaluation.classification import classification_scores, confusion_table

TRUE = ["a", "a", "a", "b", "b", "c"]
PRED = ["a", "a", "b", "b", "c", "c"]


def test_scores_by_hand() -> None:
    s = classification_scores(TRUE, PRED)
    assert s["accuracy"] == pytest.approx(4 / 6)
    # per class precision a=1, b=1/2, c=1/2; recall a=2/3, b=1/2, c=1
    assert s["precision"] == pytest.approx((1 + 0.5 + 0.5) / 3)
    assert s["recall"] == pytest.approx((2 / 3 + 0.5 + 1) / 3)
    f1 = [2 * p * r / (p + r) for p, r in ((1, 2 / 3), (0.5, 0.5), (0.5, 1))]
    assert s["f1"] == pytest.approx(sum(f1) / 3)
    assert s["f1_weighted"] == pytest.approx((3 * f1[0] + 2 * f1[1] + f1[2]) / 6)


def test_never_predicted_class_counts_zero() -> None:
    s = classification_scores(["a", "b"], ["a", "a"])
    assert s["precision"] == pytest.approx(0.25)


def test_errors() -> None:
    with pytest.raises(ValueError, match="2 true labels but 1"):
        classification_scores(["a", "b"], ["a"])
    with pytest.raises(ValueError, match=r"^no labels to score$"):
        classification_scores([], [])


def test_confusion_table_rows_true_columns_predicted() -> None:
    table = confusion_table(TRUE, PRED, labels=["c", "b", "a"])
    assert list(table.index) == ["c", "b", "a"]
    assert table.loc["a", "b"] == 1 and table.loc["b", "c"] == 1 and table.loc["a", "a"] == 2
    assert int(table.to_numpy().sum()) == len(TRUE)


def test_a_never_predicted_class_scores_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scikit-learn's UndefinedMetricWarning would raise
        s = classification_scores(["a", "b", "c"], ["a", "a", "c"])
    assert s["precision"] == pytest.approx((1 / 2 + 0 + 1) / 3)
    assert s["recall"] == pytest.approx((1 + 0 + 1) / 3)


def test_confusion_table_default_order_is_the_sorted_union_of_both_sides() -> None:
    # "z" is only ever true, "b" only ever predicted: both get a row and a column
    table = confusion_table(["z", "a", "a"], ["a", "b", "a"])
    assert list(table.index) == ["a", "b", "z"] and list(table.columns) == ["a", "b", "z"]
    assert table.index.name == "true" and table.columns.name == "predicted"
    assert table.loc["z", "a"] == 1 and table.loc["a", "b"] == 1 and table.loc["a", "a"] == 1
    assert table.loc["b"].sum() == 0 and table["z"].sum() == 0
