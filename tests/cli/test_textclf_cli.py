"""``sentcast textclf train / evaluate / predict`` in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture()
def reviews(tmp_path: Path) -> Path:
    pos, neg = ["great", "fun", "superb", "loved"], ["awful", "dull", "boring", "hated"]
    rows = ["review,sentiment"]
    for i in range(30):
        rows.append(f"{pos[i % 4]} film {pos[(i + 1) % 4]},positive")
        rows.append(f"{neg[i % 4]} film {neg[(i + 1) % 4]},negative")
    path = tmp_path / "reviews.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_train_predict_evaluate(cli, reviews: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model_dir = tmp_path / "model"
    code, out, err = cli(
        "textclf", "train", "--data", str(reviews), "--text-col", "review",
        "--label-col", "sentiment", "--model", "tfidf-lr", "--out", str(model_dir),
    )  # fmt: skip
    assert code == 0, err
    assert "trained on 48 texts, 2 classes" in out and "kept 60 of 60 rows" in err
    code, out, _ = cli("textclf", "predict", str(model_dir), "great superb", "dull awful")
    assert code == 0
    lines = [line.split("\t") for line in out.strip().splitlines()]
    assert [(row[0], row[2]) for row in lines] == [
        ("positive", "great superb"),
        ("negative", "dull awful"),
    ]
    assert all(0.5 < float(row[1]) <= 1 for row in lines)
    code, out, _ = cli(
        "textclf", "evaluate", str(model_dir), "--data", str(reviews),
        "--text-col", "review", "--label-col", "sentiment",
    )  # fmt: skip
    assert code == 0 and "60 texts" in out and "accuracy 1.0000" in out


def test_train_neural_with_embeddings(cli, reviews: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    glove = tmp_path / "glove.txt"
    glove.write_text("great 1 0\nawful 0 1\n", encoding="utf-8")
    code, out, err = cli(
        "textclf", "train", "--data", str(reviews), "--text-col", "review",
        "--label-col", "sentiment", "--model", "gru", "--embeddings", str(glove),
        "--epochs", "1", "--max-len", "5", "--out", str(tmp_path / "gru"),
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = cli("textclf", "predict", str(tmp_path / "gru"), "great film")
    assert code == 0 and out.split("\t")[0] in {"positive", "negative"}
    params = json.loads((tmp_path / "gru" / "config.json").read_text(encoding="utf-8"))["params"]
    assert (params["epochs"], params["batch_size"]) == (1, 128)  # the neural default batch


def test_train_minilm_ft_epochs_batch_size(cli, reviews: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "ft"
    code, out, err = cli(
        "textclf", "train", "--data", str(reviews), "--text-col", "review",
        "--label-col", "sentiment", "--model", "minilm-ft", "--epochs", "2",
        "--batch-size", "16", "--out", str(folder),
    )  # fmt: skip
    assert code == 0, err
    params = json.loads((folder / "config.json").read_text(encoding="utf-8"))["params"]
    assert (params["epochs"], params["batch_size"], params["max_len"]) == (2, 16, 64)
    code, out, _ = cli("textclf", "predict", str(folder), "a superb and wonderful film")
    assert code == 0 and out.split("\t")[0] == "positive"


def test_svm_prints_labels_without_probabilities(cli, reviews: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli(
        "textclf", "train", "--data", str(reviews), "--text-col", "review",
        "--label-col", "sentiment", "--model", "tfidf-svm", "--out", str(tmp_path / "svm"),
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = cli("textclf", "predict", str(tmp_path / "svm"), "great superb", "dull awful")
    assert code == 0
    assert out.splitlines() == ["positive\t-\tgreat superb", "negative\t-\tdull awful"]


def test_errors(cli, reviews: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("textclf", "train", "--data", str(reviews), "--out", str(tmp_path / "m"))
    assert code == 2 and "no column 'text'" in err
    code, _, err = cli(
        "textclf", "train", "--data", str(reviews), "--model", "svm", "--out", str(tmp_path)
    )
    assert code == 2 and "'svm' is not one of tfidf-lr, tfidf-knn, tfidf-svm, lstm" in err
    code, _, err = cli("textclf", "predict", str(tmp_path / "nothing"), "text")
    assert code == 2 and "not a saved sentcast model folder" in err
    code, _, err = cli("textclf", "evaluate", str(tmp_path), "--data", str(tmp_path / "x.csv"))
    assert code == 2 and "error:" in err


def test_minilm_lr_as_sentiment_scorer(cli, reviews: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sentcast.models.text_scorer import ClassifierScorer
    from sentcast.sentiment.daily import read_daily_sentiment

    model_dir = tmp_path / "minilm"
    code, out, err = cli(
        "textclf", "train", "--data", str(reviews), "--text-col", "review",
        "--label-col", "sentiment", "--model", "minilm-lr", "--out", str(model_dir),
    )  # fmt: skip
    assert code == 0, err
    assert "minilm-lr: trained on 48 texts" in out and "accuracy 1.0000" in out
    tweets = tmp_path / "t.csv"
    tweets.write_text(
        "date,text\n2020-01-01,what a wonderful film\n2020-01-01,a dreadful film\n"
        "2020-01-02,I loved it\n",
        encoding="utf-8",
    )
    daily_file = tmp_path / "daily.parquet"
    code, out, err = cli(
        "sentiment", "score", str(tweets), "--out", str(daily_file), "--scorer", str(model_dir),
        "--workers", "1",
    )  # fmt: skip
    assert code == 0, err
    compound = ClassifierScorer(model_dir).score(
        ["what a wonderful film", "a dreadful film", "I loved it"]
    )[:, 3]
    assert compound[0] > 0 > compound[1] and compound[2] > 0
    daily = read_daily_sentiment(daily_file)
    assert daily["compound_mean"].tolist() == pytest.approx(
        [(compound[0] + compound[1]) / 2, compound[2]], abs=1e-12
    )


def test_glove_tfidf_lr_with_named_vectors(cli, reviews: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(
        "textclf", "train", "--data", str(reviews), "--text-col", "review",
        "--label-col", "sentiment", "--model", "glove-tfidf-lr", "--embeddings", "glove-6b-50d",
        "--out", str(tmp_path / "g"),
    )  # fmt: skip
    assert code == 0, err
    # words never seen in training are read through their GloVe vectors
    code, out, _ = cli("textclf", "predict", str(tmp_path / "g"), "a wonderful movie")
    assert code == 0 and out.split("\t")[0] == "positive"
    code, _, err = cli(
        "textclf", "train", "--data", str(reviews), "--text-col", "review",
        "--label-col", "sentiment", "--model", "glove-tfidf-lr", "--embeddings", "glove-7b",
        "--out", str(tmp_path / "x"),
    )  # fmt: skip
    assert code == 2 and "--embeddings: file not found: glove-7b" in err
