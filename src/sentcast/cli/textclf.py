"""``sentcast textclf``: train, evaluate and use one text classifier."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sentcast.cli.common import choices
from sentcast.config.text_models import MODELS
from sentcast.errors import UserInputError
from sentcast.files import check_output_folder

if TYPE_CHECKING:
    from sentcast.data.corpora import TextCorpus

app = typer.Typer(help="Text classification: train a model on a labelled file, evaluate, predict.")

_FORMAT_HELP = "csv, imdb-tar, sentiment140, dbpedia, sst2, rt-polarity, or auto (from the name)."


def _read(data: Path, fmt: str, text_col: str, label_col: str, level: str) -> TextCorpus:
    from sentcast.data.corpora import guess_format, read_corpus

    if not data.exists():
        raise UserInputError(f"data file not found: {data}")
    corpus = read_corpus(
        guess_format(data) if fmt == "auto" else fmt,
        data,
        text_col=text_col,
        label_col=label_col,
        level=level,
    )
    typer.echo(corpus.report.summary(), err=True)
    return corpus


def _scores_text(truth: list[str], pred: list[str]) -> str:
    from sentcast.evaluation.classification import classification_scores

    scores = classification_scores(truth, pred)
    return "  ".join(f"{k} {v:.4f}" for k, v in scores.items())


@app.command()
def train(
    data: Path = typer.Option(..., help="Labelled training file (or rt-polarity folder)."),
    model: str = typer.Option(
        "tfidf-lr", help="Model to fit.", **choices(MODELS, {"cnn_lstm": "cnn-lstm"})
    ),
    out: Path = typer.Option(..., help="MODEL_DIR to save the fitted model in."),
    fmt: str = typer.Option("auto", "--format", help=_FORMAT_HELP),
    text_col: str = typer.Option("text", help="Text column (csv format)."),
    label_col: str = typer.Option("label", help="Label column (csv format)."),
    level: str = typer.Option("l1", help="DBpedia label level: l1, l2 or l3."),
    embeddings: str | None = typer.Option(
        None,
        help="Word vectors: glove-6b-50d (by name) or a GloVe / word2vec file "
        "(neural models, glove-tfidf-lr).",
    ),
    word2vec: bool = typer.Option(
        True, help="Without --embeddings: word2vec trained on the texts, or random vectors."
    ),
    max_len: int = typer.Option(50, min=1, help="Tokens per text (neural models)."),
    max_words: int = typer.Option(50_000, min=3, help="Vocabulary size (neural models)."),
    epochs: int | None = typer.Option(
        None, min=1, help="Maximum epochs (neural models; default 5, minilm-ft 1)."
    ),
    batch_size: int | None = typer.Option(
        None, min=1, help="Mini-batch size (neural models; default 128, minilm-ft 32)."
    ),
    validation: float = typer.Option(
        0.2, "--validation", "--val", min=0.01, max=0.9, help="Validation share (early stopping)."
    ),
    seed: int = typer.Option(0, help="Seed of the split and the model."),
) -> None:
    """Fit one model (validation split held out for early stopping) and save it."""
    from sentcast.config.text_models import (
        EmbeddingConfig,
        FineTuneConfig,
        SequenceConfig,
        TextModelParams,
    )
    from sentcast.experiments.textclf_data import split_indices
    from sentcast.models.persistence import check_model_folder
    from sentcast.models.text import make_text_model
    from sentcast.models.training import TrainingConfig
    from sentcast.text.embeddings import NAMED_EMBEDDINGS

    named = embeddings in NAMED_EMBEDDINGS
    vectors_file = Path(embeddings) if embeddings is not None and not named else None
    if vectors_file is not None and not vectors_file.is_file():
        raise UserInputError(
            f"--embeddings: file not found: {vectors_file} "
            f"(known names: {', '.join(sorted(NAMED_EMBEDDINGS))})"
        )
    check_output_folder([data, *([vectors_file] if vectors_file else [])], "--out", out)
    check_model_folder(out)
    corpus = _read(data, fmt, text_col, label_col, level)
    train_idx, val_idx, method = split_indices(corpus.labels, validation, seed)
    texts = [corpus.texts[i] for i in train_idx]
    labels = [corpus.labels[i] for i in train_idx]
    val_texts = [corpus.texts[i] for i in val_idx]
    val_labels = [corpus.labels[i] for i in val_idx]
    given = {k: v for k, v in (("epochs", epochs), ("batch_size", batch_size)) if v is not None}
    params = TextModelParams(
        sequence=SequenceConfig(max_words=max_words, max_len=max_len),
        embeddings=EmbeddingConfig(
            name=embeddings if named else None,
            path=str(vectors_file) if vectors_file else None,
            word2vec=word2vec,
        ),
        train=TrainingConfig(epochs=epochs or 5, batch_size=batch_size or 128, patience=3),
        finetune=FineTuneConfig(**given),
    )
    clf = make_text_model(model, params, seed).fit(texts, labels, (val_texts, val_labels))
    clf.save(out)
    typer.echo(f"{model}: trained on {len(texts)} texts, {len(clf.classes_)} classes")
    typer.echo(f"validation ({len(val_texts)} texts, {method}):")
    typer.echo("  " + _scores_text(val_labels, clf.predict(val_texts)))
    typer.echo(f"saved to {out}")


@app.command()
def evaluate(
    model_dir: Path = typer.Argument(..., help="MODEL_DIR written by `textclf train`."),
    data: Path = typer.Option(..., help="Labelled file to score."),
    fmt: str = typer.Option("auto", "--format", help=_FORMAT_HELP),
    text_col: str = typer.Option("text", help="Text column (csv format)."),
    label_col: str = typer.Option("label", help="Label column (csv format)."),
    level: str = typer.Option("l1", help="DBpedia label level: l1, l2 or l3."),
) -> None:
    """Score a saved model on a labelled file: metrics and confusion matrix."""
    from sentcast.evaluation.classification import confusion_table
    from sentcast.models.text import load_text_classifier

    clf = load_text_classifier(model_dir)
    corpus = _read(data, fmt, text_col, label_col, level)
    pred = clf.predict(corpus.texts)
    typer.echo(f"{len(corpus)} texts")
    typer.echo(_scores_text(corpus.labels, pred))
    unseen = sorted(set(corpus.labels) - set(clf.classes_))
    if unseen:
        typer.echo(f"{len(unseen)} labels never seen in training: {', '.join(unseen[:5])}")
    table = confusion_table(corpus.labels, pred, sorted(set(clf.classes_) | set(corpus.labels)))
    if len(table) <= 12:
        typer.echo(table.to_string())


@app.command()
def predict(
    model_dir: Path = typer.Argument(..., help="MODEL_DIR written by `textclf train`."),
    texts: list[str] = typer.Argument(..., help="One or more texts."),
) -> None:
    """Print the predicted label and its probability for each text (tab-separated; ``-``
    for a model without probabilities, such as tfidf-svm). A blank text (empty, or only
    white space and invisible characters) gets no label: ``-`` twice, and a line on stderr."""
    from sentcast.models.text import load_text_classifier
    from sentcast.text.preprocess import is_blank

    clf = load_text_classifier(model_dir)
    labels, shown = ["-"] * len(texts), ["-"] * len(texts)
    keep = [i for i, text in enumerate(texts) if not is_blank(text)]
    if keep and hasattr(clf, "predict_proba"):
        proba = clf.predict_proba([texts[i] for i in keep])
        for i, row in zip(keep, proba, strict=True):
            labels[i], shown[i] = clf.classes_[int(row.argmax())], f"{row.max():.4f}"
    elif keep:
        for i, label in zip(keep, clf.predict([texts[i] for i in keep]), strict=True):
            labels[i] = label
    blank = [str(i + 1) for i in sorted(set(range(len(texts))) - set(keep))]
    if blank:
        typer.echo(
            f"{len(blank)} blank texts not labelled (shown as -): text {', '.join(blank[:10])}",
            err=True,
        )
    for text, label, value in zip(texts, labels, shown, strict=True):
        typer.echo(f"{label}\t{value}\t{text}")
