"""A tiny textclf experiment end to end: RUN_DIR contract, resume, splits, config paths."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import tomli_w

from sentcast.config.textclf import DatasetConfig
from sentcast.errors import ConfigError, DataError
from sentcast.experiments.runner import load_experiment, run_experiment
from sentcast.experiments.textclf_data import prepare_dataset, split_indices
from tests.experiments.textclf_files import textclf_toml


def test_run_dir_contract_and_resume(tmp_path: Path) -> None:
    config = textclf_toml(tmp_path)
    out = tmp_path / "run"
    summary = run_experiment(config, out)
    assert "0 cells skipped" in summary
    results = pd.read_csv(out / "results.csv")
    expected = ["dataset", "eval_set", "model", "seed", "accuracy", "precision", "recall", "f1"]
    assert list(results.columns[:8]) == expected
    assert set(zip(results["eval_set"], results["model"], strict=True)) == {
        ("test", "tfidf-lr"),
        ("extra", "tfidf-lr"),
        ("test", "cnn-small"),
        ("extra", "cnn-small"),
    }
    assert results.loc[results["eval_set"] == "extra", "n_eval"].tolist() == [3, 3]
    # the validation accuracy (to choose a model by) is one value per cell, on every row
    per_cell = results.groupby("model")["val_accuracy"]
    assert (per_cell.nunique() == 1).all() and results["val_accuracy"].between(0, 1).all()
    data = json.loads((out / "data_summary.json").read_text(encoding="utf-8"))
    tiny = data["datasets"]["tiny"]
    assert data["kind"] == "textclf"
    assert (tiny["n_train"], tiny["n_validation"], tiny["n_test"], tiny["n_classes"]) == (
        24,
        8,
        8,
        2,
    )
    assert 0 < tiny["oov_rate"] < 1  # the numbered tokens of the test texts are unseen
    # the majority-class baseline: the training part's most frequent class, scored per set
    assert set(tiny["majority_scores"]) == {"test", "extra"}
    assert 0 < tiny["majority_scores"]["test"]["accuracy"] < 1
    for stem in ("tiny_test_tfidf-lr", "tiny_extra_cnn-small"):
        assert (out / "plots" / f"confusion_{stem}.png").stat().st_size > 0
        assert (out / "confusion" / f"{stem}.csv").is_file()
    tables = (out / "tables.md").read_text(encoding="utf-8")
    assert "99.9 (made up)" in tables
    assert (
        "| TF-IDF + LR |" in tables
        and "| CNN [cnn-small] |" in tables
        and "### tiny — extra (n = 3)" in tables
    )
    assert f"| Majority class ({tiny['majority_class']}) |" in tables
    again = run_experiment(config, out)
    assert "2 cells skipped" in again
    assert len(pd.read_csv(out / "results.csv")) == len(results)


def test_results_hold_the_metrics_of_the_predictions(tmp_path: Path) -> None:
    # An extra set built so that TF-IDF + LR (which learns each word's class from the training
    # texts) errs once: "loved" is a positive word labelled negative here. Per class:
    # precision positive 2/3, negative 1/1; recall positive 2/2, negative 1/2.
    config = textclf_toml(tmp_path)
    extra = ["text,label", "great,positive", "fun,positive", "loved,negative", "awful,negative"]
    (tmp_path / "data" / "extra.csv").write_text("\n".join(extra) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    run_experiment(config, out, ["models=['tfidf-lr']"])
    confusion = pd.read_csv(out / "confusion" / "tiny_extra_tfidf-lr.csv", index_col=0)
    assert confusion.to_numpy().tolist() == [[1, 1], [0, 2]]  # rows: true negative, positive
    results = pd.read_csv(out / "results.csv").set_index("eval_set")
    row = results.loc["extra"]
    f1_positive, f1_negative = 2 * (2 / 3) / (2 / 3 + 1), 2 * 0.5 / 1.5
    assert row["accuracy"] == pytest.approx(3 / 4)
    assert row["precision"] == pytest.approx((2 / 3 + 1) / 2)
    assert row["recall"] == pytest.approx((1 + 1 / 2) / 2)
    assert row["f1"] == pytest.approx((f1_positive + f1_negative) / 2)
    # two true samples of each class: the support-weighted means equal the macro means
    assert row["precision_weighted"] == pytest.approx(row["precision"])
    assert row["recall_weighted"] == pytest.approx(row["recall"])


def test_relative_paths_resolve_against_config_folder(tmp_path: Path) -> None:
    config = textclf_toml(tmp_path)
    raw = tomllib.loads(config.read_text(encoding="utf-8"))
    raw["datasets"][0]["extra_sources"] = [{"format": "csv", "path": "../data/extra.csv"}]
    config.write_text(tomli_w.dumps(raw), encoding="utf-8")
    _, resolved = load_experiment(config)
    dataset = resolved.datasets[0]  # type: ignore[attr-defined]
    assert dataset.path == str((tmp_path / "data" / "train.csv").resolve())
    assert dataset.extra_sources[0].path == str((tmp_path / "data" / "extra.csv").resolve())


def test_config_errors(tmp_path: Path) -> None:
    config = textclf_toml(tmp_path)
    with pytest.raises(ConfigError, match="unknown model 'svm'"):
        load_experiment(config, ["models=['svm']"])
    with pytest.raises(ConfigError, match="validation \\+ test must be < 1"):
        load_experiment(
            config, ["datasets=[{name='x', format='csv', path='a', validation=0.6, test=0.5}]"]
        )


def test_split_stratifies_or_falls_back() -> None:
    labels = ["a"] * 10 + ["b"] * 10
    kept, taken, method = split_indices(labels, 0.2, seed=0)
    assert method == "stratified" and len(taken) == 4
    assert sorted(labels[i] for i in taken) == ["a", "a", "b", "b"]
    assert not set(kept) & set(taken)
    again = split_indices(labels, 0.2, seed=0)
    assert again[1].tolist() == taken.tolist()
    single = ["a"] * 10 + ["b"]  # "b" has one member: a plain seeded split
    assert split_indices(single, 0.2, seed=0)[2] == "seeded random"
    # 3 of 4 rows taken leaves 1 row for 2 classes: no stratification possible
    kept, taken, method = split_indices(["a", "a", "b", "b"], 0.6, seed=0)
    assert method == "seeded random" and (len(kept), len(taken)) == (1, 3)
    with pytest.raises(DataError, match="1 rows are too few"):
        split_indices(["a"], 0.2, seed=0)


def test_counts_are_written_as_integers(tmp_path: Path) -> None:
    out = tmp_path / "run"
    run_experiment(textclf_toml(tmp_path), out, ["models=['tfidf-lr']"])
    lines = (out / "results.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    assert lines[1].split(",")[header.index("n_eval")] == "8"


def _csv(path: Path, rows: list[str]) -> str:
    path.write_text("\n".join(["text,label", *rows]) + "\n", encoding="utf-8")
    return str(path)


def test_extra_sources_are_combined_deduplicated_and_kept_out_of_eval_sets(
    tmp_path: Path,
) -> None:
    main = _csv(tmp_path / "a.csv", [f"text {i},{'pos' if i % 2 else 'neg'}" for i in range(40)])
    more = _csv(tmp_path / "b.csv", ["text 1,pos", "text 2,pos", "new one,neg", "held out,pos"])
    held = _csv(tmp_path / "eval.csv", ["held out,pos", "text 3,pos"])
    raw = {
        "name": "x",
        "format": "csv",
        "path": main,
        "extra_sources": [{"format": "csv", "path": more}],
        "eval": [{"name": "e", "format": "csv", "path": held}],
    }
    data = prepare_dataset(DatasetConfig.model_validate({**raw, "deduplicate": True}), 0)
    combined = data.summary["combined"]
    # "text 1" repeated; "text 2" with two labels (both copies dropped); "held out" and
    # "text 3" are in the evaluation set
    assert combined == {
        "rows_read": 44,
        "rows_kept": 39,
        "dropped": {
            "also in an evaluation set": 2,
            "duplicate text": 1,
            "same text with different labels": 2,
        },
    }
    parts = [data.train, data.validation, data.test]
    assert sum(len(p) for p in parts) == 39
    every = [t for p in parts for t in p.texts]
    assert len(set(every)) == 39 and "new one" in every
    assert not {"held out", "text 3", "text 2"} & set(every)
    plain = prepare_dataset(DatasetConfig.model_validate(raw), 0)
    assert plain.summary["texts_also_in_eval_sets"] == 2
    assert plain.summary["combined"]["rows_kept"] == 44


def test_a_dataset_can_train_a_subset_of_the_models(tmp_path: Path) -> None:
    config = textclf_toml(tmp_path)
    raw = tomllib.loads(config.read_text(encoding="utf-8"))
    second = {**raw["datasets"][0], "name": "tiny_lr", "models": ["tfidf-lr"]}
    raw["datasets"].append(second)
    config.write_text(tomli_w.dumps(raw), encoding="utf-8")
    out = tmp_path / "run"
    run_experiment(config, out, ["models=['tfidf-lr', 'cnn-small']"])
    results = pd.read_csv(out / "results.csv")
    trained = set(zip(results["dataset"], results["model"], strict=True))
    assert trained == {("tiny", "tfidf-lr"), ("tiny", "cnn-small"), ("tiny_lr", "tfidf-lr")}
    # a run without any of its models leaves the dataset out; an unknown name is refused
    only_cnn = run_experiment(config, tmp_path / "cnn", ["models=['cnn-small']"])
    assert "tiny_lr" not in only_cnn
    raw["datasets"][1]["models"] = ["svm"]
    config.write_text(tomli_w.dumps(raw), encoding="utf-8")
    with pytest.raises(ConfigError, match="dataset 'tiny_lr': unknown model 'svm'"):
        load_experiment(config)


def test_embedding_models_in_an_experiment(tmp_path: Path) -> None:
    config = textclf_toml(tmp_path)
    out = tmp_path / "run"
    models = "models=['glove-tfidf-lr', 'minilm-lr', 'minilm-ft']"
    finetune = "model.finetune={epochs = 2, batch_size = 8, learning_rate = 1e-4}"
    run_experiment(config, out, [models, finetune, "save_models=true"])
    results = pd.read_csv(out / "results.csv").set_index(["model", "eval_set"])
    tuned = results.loc[("minilm-ft", "test")]
    assert tuned["epochs"] == 2 and tuned["samples_per_s"] > 0  # from its training history
    assert (out / "models" / "tiny__minilm-ft__s0" / "weights.pt").is_file()
    glove_oov = results.loc[("glove-tfidf-lr", "test"), "embedding_oov_rate"]
    assert glove_oov == 0.0  # recorded (not NaN): every word, numbers too, is in GloVe 6B
    assert pd.isna(results.loc[("minilm-lr", "test"), "embedding_oov_rate"])
    assert (results["accuracy"] > 0.5).all()
    assert (out / "models" / "tiny__minilm-lr__s0" / "model.skops").is_file()
    tables = (out / "tables.md").read_text(encoding="utf-8")
    assert "| MiniLM + LR |" in tables and "| GloVe TF-IDF mean + LR |" in tables
    assert "| MiniLM fine-tuned |" in tables
