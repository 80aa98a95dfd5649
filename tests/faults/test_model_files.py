"""Hostile, corrupt and foreign model folders: one error line, and nothing in them runs.

The payload is a pickle whose ``__reduce__`` creates a marker file when unpickled; every test
that plants it checks the marker is still absent afterwards.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from sentcast.config.text_models import TextModelParams
from sentcast.models.flat_baselines import RidgeForecaster
from sentcast.models.forecast import SequenceForecaster
from sentcast.models.persistence import (
    ARRAYS_FILE,
    CONFIG_FILE,
    LEGACY_STATE_FILE,
    SKLEARN_FILE,
    STATE_FILE,
    WEIGHTS_FILE,
)
from sentcast.models.text import make_text_model
from sentcast.models.text_tfidf import TfidfClassifier
from sentcast.models.training import TrainingConfig
from tests.experiments.forecast_files import experiment_toml

TEXTS = ["good great fun", "great good film", "bad awful dull", "awful bad plot"] * 2
LABELS = ["positive", "positive", "negative", "negative"] * 2
FAST = TrainingConfig(epochs=1, batch_size=4, patience=1, device="cpu")
TINY_TEXT = TextModelParams.model_validate(
    {
        "sequence": {"max_words": 20, "max_len": 4},
        "network": {"embed_dim": 4, "hidden": 4, "filters": 2, "kernel_sizes": [2]},
        "embeddings": {"word2vec": False},
        "train": FAST.model_dump(),
    }
)


class Payload:
    """Unpickling this creates ``marker`` (a stand-in for ``os.system``)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def _windows() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(24, 3, 4)), rng.normal(size=24)


def _save_folders(root: Path) -> dict[str, Path]:
    X, y = _windows()
    tfidf = TfidfClassifier().fit(TEXTS, LABELS)
    return {
        "tfidf": tfidf.save(root / "tfidf"),
        "cnn": make_text_model("cnn", TINY_TEXT).fit(TEXTS, LABELS).save(root / "cnn"),
        "lstm": SequenceForecaster(hidden_size=2, train=FAST).fit(X, y).save(root / "lstm"),
        "ridge": RidgeForecaster().fit(X, y).save(root / "ridge"),
    }


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One valid folder per storage layout: sklearn text, torch text, torch and sklearn
    forecasters."""
    return _save_folders(tmp_path_factory.mktemp("saved"))


@pytest.fixture()
def folder(saved: dict[str, Path], tmp_path: Path) -> Callable[[str], Path]:
    """A fresh copy of a saved folder, free to spoil."""

    def copy(name: str) -> Path:
        return Path(shutil.copytree(saved[name], tmp_path / name))

    return copy


@pytest.fixture()
def marker(tmp_path: Path) -> Path:
    return tmp_path / "PAYLOAD_RAN"


def _commands(model_dir: Path, kind: str) -> list[list[str]]:
    """Every command that loads a folder of this kind (forecasters: forecast predict)."""
    if kind in ("lstm", "ridge"):
        return [["forecast", "predict", str(model_dir)]]
    tweets = model_dir.parent / "tweets.csv"
    tweets.write_text("date,text\n2020-01-01,great fun\n", encoding="utf-8")
    out = str(model_dir.parent / "daily.parquet")
    return [
        ["textclf", "predict", str(model_dir), "good film"],
        ["sentiment", "score", str(tweets), "--out", out, "--scorer", str(model_dir)],
    ]


def _refused(cli, args: list[str], marker: Path | None = None) -> str:  # type: ignore[no-untyped-def]
    """Run a command that must fail with one ``error:`` line; returns that line."""
    code, _, err = cli(*args)
    lines = err.strip().splitlines()
    assert code in (1, 2), err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    if marker is not None:
        assert not marker.exists(), "the payload ran"
    return lines[0]


def _refused_everywhere(cli, model_dir: Path, kind: str, marker: Path) -> list[str]:  # type: ignore[no-untyped-def]
    return [_refused(cli, args, marker) for args in _commands(model_dir, kind)]


def test_the_payload_runs_when_unpickled(marker: Path) -> None:
    pickle.loads(pickle.dumps(Payload(marker)))  # what joblib.load did with state.joblib
    assert marker.exists()


@pytest.mark.parametrize("kind", ["tfidf", "lstm"])
def test_old_folder_with_pickled_state_is_refused_unopened(
    cli,  # type: ignore[no-untyped-def]
    folder: Callable[[str], Path],
    marker: Path,
    kind: str,
) -> None:
    model_dir = folder(kind)
    config = json.loads((model_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    old = {key: config[key] for key in ("class", "params", "metadata")}
    (model_dir / CONFIG_FILE).write_text(json.dumps(old), encoding="utf-8")
    (model_dir / LEGACY_STATE_FILE).write_bytes(pickle.dumps(Payload(marker)))
    for line in _refused_everywhere(cli, model_dir, kind, marker):
        assert "older sentcast" in line and "re-train" in line


def test_state_joblib_beside_a_current_folder_is_never_read(
    cli,  # type: ignore[no-untyped-def]
    folder: Callable[[str], Path],
    marker: Path,
) -> None:
    model_dir = folder("tfidf")
    (model_dir / LEGACY_STATE_FILE).write_bytes(pickle.dumps(Payload(marker)))
    code, out, err = cli("textclf", "predict", str(model_dir), "good film")
    assert code == 0, err
    assert out.startswith("positive\t") and not marker.exists()


#: Every data file of every storage layout.
DATA_FILES = [
    ("tfidf", STATE_FILE),
    ("tfidf", SKLEARN_FILE),
    ("cnn", STATE_FILE),
    ("cnn", WEIGHTS_FILE),
    ("lstm", STATE_FILE),
    ("lstm", ARRAYS_FILE),
    ("lstm", WEIGHTS_FILE),
    ("ridge", SKLEARN_FILE),
]


def _payload(file: Path, marker: Path) -> None:
    file.write_bytes(pickle.dumps(Payload(marker)))


def _truncate(file: Path, marker: Path) -> None:
    data = file.read_bytes()
    file.write_bytes(data[: len(data) // 2])


def _torch_payload(file: Path, marker: Path) -> None:
    torch.save({"weight": Payload(marker)}, file)


def _object_array_payload(file: Path, marker: Path) -> None:
    with file.open("wb") as handle:
        np.savez(handle, **{"x.min_": np.array([Payload(marker)], dtype=object)})


def _deeply_nested(file: Path, marker: Path) -> None:
    file.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")


SPOILED = [
    *[(kind, name, spoil) for kind, name in DATA_FILES for spoil in (_payload, _truncate)],
    ("lstm", CONFIG_FILE, _truncate),
    ("tfidf", CONFIG_FILE, _deeply_nested),
    ("lstm", STATE_FILE, _deeply_nested),
    ("cnn", WEIGHTS_FILE, _torch_payload),
    ("lstm", WEIGHTS_FILE, _torch_payload),
    ("lstm", ARRAYS_FILE, _object_array_payload),
]


@pytest.mark.filterwarnings("error")  # a warning would be a second line on stderr
@pytest.mark.parametrize(
    ("kind", "name", "spoil"),
    SPOILED,
    ids=[f"{kind}-{name}-{spoil.__name__.strip('_')}" for kind, name, spoil in SPOILED],
)
def test_data_file_replaced_by_a_payload_or_truncated(
    cli,  # type: ignore[no-untyped-def]
    folder: Callable[[str], Path],
    marker: Path,
    kind: str,
    name: str,
    spoil: Callable[[Path, Path], None],
) -> None:
    model_dir = folder(kind)
    spoil(model_dir / name, marker)
    for line in _refused_everywhere(cli, model_dir, kind, marker):
        assert name in line


def test_skops_file_naming_an_untrusted_function(cli, folder: Callable[[str], Path]) -> None:  # type: ignore[no-untyped-def]
    import skops.io
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    model_dir = folder("ridge")
    skops.io.dump(make_pipeline(FunctionTransformer(os.system)), model_dir / SKLEARN_FILE)
    line = _refused(cli, ["forecast", "predict", str(model_dir)])
    assert "refusing types sentcast never saves" in line and "system" in line


def test_missing_weights_file(cli, folder: Callable[[str], Path], marker: Path) -> None:  # type: ignore[no-untyped-def]
    model_dir = folder("lstm")
    (model_dir / WEIGHTS_FILE).unlink()
    (line,) = _refused_everywhere(cli, model_dir, "lstm", marker)
    assert f"{WEIGHTS_FILE} is missing" in line


def test_weights_of_another_network(cli, folder: Callable[[str], Path]) -> None:  # type: ignore[no-untyped-def]
    X, y = _windows()
    model_dir = folder("lstm")
    wider = SequenceForecaster(hidden_size=3, train=FAST).fit(X, y)
    torch.save(wider.module_.state_dict(), model_dir / WEIGHTS_FILE)
    line = _refused(cli, ["forecast", "predict", str(model_dir)])
    assert "does not match the network in config.json" in line and "size mismatch" in line


def test_scaler_arrays_of_the_wrong_shape(cli, folder: Callable[[str], Path]) -> None:  # type: ignore[no-untyped-def]
    model_dir = folder("lstm")
    with np.load(model_dir / ARRAYS_FILE) as npz:
        arrays = dict(npz)
    arrays["x.scale_"] = np.ones(5)
    np.savez(model_dir / ARRAYS_FILE, **arrays)
    line = _refused(cli, ["forecast", "predict", str(model_dir)])
    assert "x.scale_ is missing or not 4 numbers" in line


def test_vocabulary_that_is_not_one(cli, folder: Callable[[str], Path]) -> None:  # type: ignore[no-untyped-def]
    model_dir = folder("cnn")
    state = json.loads((model_dir / STATE_FILE).read_text(encoding="utf-8"))
    state["vocab"]["words"] = ["good", "good"]
    (model_dir / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
    line = _refused(cli, ["textclf", "predict", str(model_dir), "good"])
    assert "state.json: vocab: words must start with '<pad>'" in line


@pytest.mark.parametrize(
    ("kind", "args", "expected"),
    [
        ("tfidf", ["forecast", "predict"], "not a forecaster; it holds a text classifier"),
        ("lstm", ["textclf", "predict"], "not a text classifier; it holds a forecaster"),
        ("ridge", ["textclf", "evaluate"], "not a text classifier; it holds a forecaster"),
    ],
)
def test_folder_of_another_model_kind(
    cli,  # type: ignore[no-untyped-def]
    saved: dict[str, Path],
    kind: str,
    args: list[str],
    expected: str,
) -> None:
    extra = ["--data", str(saved["tfidf"] / CONFIG_FILE)] if "evaluate" in args else ["x"]
    extra = [] if args[0] == "forecast" else extra
    assert expected in _refused(cli, [*args, str(saved[kind]), *extra])


def test_forecaster_as_sentiment_scorer(cli, saved: dict[str, Path], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tweets = tmp_path / "t.csv"
    tweets.write_text("date,text\n2020-01-01,great\n", encoding="utf-8")
    line = _refused(
        cli,
        ["sentiment", "score", str(tweets), "--out", str(tmp_path / "d.parquet"),
         "--scorer", str(saved["lstm"])],
    )  # fmt: skip
    assert "--scorer" in line and "not a text classifier" in line


def _edit_config(model_dir: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    config = json.loads((model_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    edit(config)
    (model_dir / CONFIG_FILE).write_text(json.dumps(config), encoding="utf-8")


@pytest.mark.parametrize(
    ("kind", "edit", "expected"),
    [
        ("lstm", lambda c: c["params"].update(bogus=1), "params.bogus: unknown key"),
        ("lstm", lambda c: c["params"].update(hidden_size="big"), "params.hidden_size"),
        ("lstm", lambda c: c["params"].update(network="transformer"), "params.network"),
        ("tfidf", lambda c: c["params"].update(C=-1), "params.C: must be > 0"),
        ("cnn", lambda c: c["params"].update(architecture="rnn"), "unknown architecture"),
        ("ridge", lambda c: c.update({"class": "os:system"}), "unknown model class 'os:system'"),
        ("ridge", lambda c: c.update(format_version=3), "version 3 is not 'sentcast-model'"),
        ("ridge", lambda c: c.pop("params"), "needs the keys 'class' and 'params'"),
    ],
)
def test_config_json_with_bad_params_or_class(
    cli,  # type: ignore[no-untyped-def]
    folder: Callable[[str], Path],
    marker: Path,
    kind: str,
    edit: Callable[[dict[str, Any]], None],
    expected: str,
) -> None:
    model_dir = folder(kind)
    _edit_config(model_dir, edit)
    for line in _refused_everywhere(cli, model_dir, kind, marker):
        assert expected in line


@pytest.mark.parametrize(
    ("kind", "edit"),
    [
        ("lstm", lambda c: c["params"].update(hidden_size=10**7)),
        ("cnn", lambda c: c["params"].update(filters=10**5, kernel_sizes=[10**4])),
    ],
)
def test_absurd_network_size_in_a_saved_folder(
    cli,  # type: ignore[no-untyped-def]
    folder: Callable[[str], Path],
    marker: Path,
    kind: str,
    edit: Callable[[dict[str, Any]], None],
) -> None:
    model_dir = folder(kind)
    _edit_config(model_dir, edit)
    for line in _refused_everywhere(cli, model_dir, kind, marker):
        assert "parameters" in line and "the limit is 250,000,000" in line


def test_absurd_hidden_size_from_set(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = experiment_toml(tmp_path / "exp")
    line = _refused(
        cli,
        ["forecast", "train", str(config), "--out", str(tmp_path / "m"),
         "--model", "lstm", "--set", "model.lstm.hidden_size=10000000"],
    )  # fmt: skip
    assert "hidden_size=10000000" in line and "parameters" in line
    assert not (tmp_path / "m").exists()


def test_forecast_metadata_of_the_wrong_shape(cli, folder: Callable[[str], Path]) -> None:  # type: ignore[no-untyped-def]
    model_dir = folder("ridge")
    _edit_config(model_dir, lambda c: c["metadata"].update(experiment={}, window="x"))
    line = _refused(cli, ["forecast", "predict", str(model_dir)])
    assert "metadata.cell: required key is missing" in line and "metadata.window" in line
