"""``tables.md`` of a text classification run, shaped like the studies' result tables.

One section per dataset and evaluation set: accuracy, macro precision / recall / F1,
weighted F1, training time and throughput per model (mean ± std over seeds), with the study's
figure next to ours, and the majority-class baseline (the training part's most frequent class)
as the last row; then one summary table of accuracy per dataset x model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

MODEL_LABELS = {
    "tfidf-lr": "TF-IDF + LR",
    "tfidf-knn": "TF-IDF + KNN (k=7)",
    "tfidf-svm": "TF-IDF + linear SVM",
    "lstm": "LSTM",
    "gru": "GRU",
    "cnn": "CNN",
    "cnn-lstm": "CNN-LSTM",
    "bilstm-cnn": "BiLSTM-CNN",
    "minilm-lr": "MiniLM + LR",
    "glove-tfidf-lr": "GloVe TF-IDF mean + LR",
    "tfidf-minilm-lr": "TF-IDF + MiniLM + LR",
    "minilm-ft": "MiniLM fine-tuned",
}

_METRICS = (
    ("accuracy", "Accuracy", True),
    ("precision", "Precision", True),
    ("recall", "Recall", True),
    ("f1", "F1 (macro)", True),
    ("f1_weighted", "F1 (weighted)", True),
    ("train_seconds", "Train s", False),
    ("samples_per_s", "Samples/s", False),
)


def _cell(values: pd.Series, percent: bool) -> str:
    values = values.dropna()
    if values.empty:
        return "–"
    scale, digits = (100.0, 1) if percent else (1.0, 0)
    mean = values.mean() * scale
    if len(values) == 1:
        return f"{mean:,.{digits}f}"
    return f"{mean:,.{digits}f} ± {values.std(ddof=1) * scale:,.{digits}f}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def model_label(model: str, base: str | None = None) -> str:
    """Display name: ``"TF-IDF + LR"`` for ``tfidf-lr``; a variant shows its base model's
    name and its own label, e.g. ``"TF-IDF + LR [tfidf-lr-bigram]"``."""
    if model in MODEL_LABELS:
        return MODEL_LABELS[model]
    if base in MODEL_LABELS:
        return f"{MODEL_LABELS[base]} [{model}]"
    return model


def _majority_scores(summary: Mapping[str, Any], eval_set: str) -> Mapping[str, Any] | None:
    scores = summary.get("majority_scores")
    part = scores.get(eval_set) if isinstance(scores, Mapping) else None
    return part if isinstance(part, Mapping) else None


def _majority_row(summary: Mapping[str, Any], eval_set: str, width: int) -> list[str] | None:
    """The majority-class baseline row (always the training part's most frequent class)."""
    scores = _majority_scores(summary, eval_set)
    if scores is None:
        return None
    row = [f"Majority class ({summary.get('majority_class', '?')})"]
    for key, _, pct in _METRICS:
        value = scores.get(key)
        row.append(_cell(pd.Series([value]), pct) if isinstance(value, float) else "–")
    return row + ["–"] * (width - len(row))


def dataset_section(
    results: pd.DataFrame,
    dataset: str,
    summary: Mapping[str, Any],
    references: Mapping[str, Mapping[str, str]],
    bases: Mapping[str, str] | None = None,
) -> str:
    """Tables of one dataset: one per evaluation set.

    ``references`` maps an evaluation set to the study's figures: per model (a ``Study``
    column) or under other keys (notes below the table).
    """
    part = results[results["dataset"] == dataset]
    lines = [f"## {dataset}", ""]
    if summary:
        oov = summary.get("oov_rate")
        oov_text = f", test-token OOV {oov:.1%}" if isinstance(oov, float) else ""
        lines.append(
            f"train {summary.get('n_train')} / "
            f"validation {summary.get('n_validation', summary.get('n_val'))} / "
            f"test {summary.get('n_test')} texts, {summary.get('n_classes')} classes{oov_text}; "
            f"split: {summary.get('split', '')}"
        )
        lines.append("")
    for eval_set, rows in part.groupby("eval_set", sort=False):
        refs = references.get(str(eval_set), {})
        per_model = {m: v for m, v in refs.items() if m in set(rows["model"])}
        header = ["Model", *(title for _, title, _ in _METRICS), "Seeds"]
        if per_model:
            header.append("Study")
        body = []
        for model, cell in rows.groupby("model", sort=False):
            row = [model_label(str(model), (bases or {}).get(str(model)))]
            row += [_cell(cell[key], pct) if key in cell else "–" for key, _, pct in _METRICS]
            row.append(str(cell["seed"].nunique()))
            if per_model:
                row.append(per_model.get(str(model), "–"))
            body.append(row)
        majority = _majority_row(summary, str(eval_set), len(header))
        body += [majority] if majority else []
        lines += [f"### {dataset} — {eval_set} (n = {int(rows['n_eval'].iloc[0])})", ""]
        lines += [markdown_table(header, body), ""]
        lines += [f"Study, {key}: {value}" for key, value in refs.items() if key not in per_model]
        if len(refs) > len(per_model):
            lines.append("")
    return "\n".join(lines)


def summary_table(
    results: pd.DataFrame,
    bases: Mapping[str, str] | None = None,
    summaries: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """Accuracy (%) per dataset / evaluation set (rows) and model (columns), then the
    majority-class baseline when ``summaries`` (per dataset) hold its scores."""
    models = list(dict.fromkeys(results["model"]))
    body = []
    for (dataset, eval_set), rows in results.groupby(["dataset", "eval_set"], sort=False):
        row = [str(dataset), str(eval_set)]
        for model in models:
            row.append(_cell(rows.loc[rows["model"] == model, "accuracy"], True))
        majority = _majority_scores((summaries or {}).get(str(dataset), {}), str(eval_set))
        accuracy = majority.get("accuracy") if majority else None
        row.append(_cell(pd.Series([accuracy]), True) if isinstance(accuracy, float) else "–")
        body.append(row)
    names = [model_label(m, (bases or {}).get(m)) for m in models]
    return markdown_table(["Dataset", "Eval set", *names, "Majority class"], body)


def textclf_tables(
    results: pd.DataFrame,
    title: str,
    summaries: Mapping[str, Mapping[str, Any]],
    references: Mapping[str, Mapping[str, Mapping[str, str]]],
    bases: Mapping[str, str] | None = None,
) -> str:
    """The whole ``tables.md``: a summary, then one section per dataset.

    ``references`` maps dataset -> evaluation set -> the study's figures (see
    :func:`dataset_section`); ``bases`` maps variant labels to their model names.
    """
    parts = [
        f"# {title}",
        "",
        "Accuracy, precision, recall and F1 in %; precision / recall / F1 are macro averages "
        "over classes. Train s = fit wall time; Samples/s = training throughput (neural: "
        "samples per second over the epochs run; others: training texts / fit time).",
        "",
        "## Accuracy summary",
        "",
        summary_table(results, bases, summaries),
        "",
    ]
    for dataset in dict.fromkeys(results["dataset"]):
        name = str(dataset)
        parts.append(
            dataset_section(results, name, summaries.get(name, {}), references.get(name, {}), bases)
        )
    return "\n".join(parts)
