from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

from sentcast.errors import DataError, UserInputError
from sentcast.models.baselines import NaiveForecaster
from sentcast.models.flat_baselines import ForestForecaster, RidgeForecaster
from sentcast.models.persistence import (
    ARRAYS_FILE,
    CONFIG_FILE,
    FORMAT,
    FORMAT_VERSION,
    LEGACY_STATE_FILE,
    MODEL_KINDS,
    MOVED_CLASSES,
    SKLEARN_FILE,
    STATE_FILE,
    WEIGHTS_FILE,
    ModelFolder,
    check_model_folder,
    class_path,
    current_class_path,
    load_estimator,
    save_folder,
)
from sentcast.models.text import load_text_classifier, make_text_model
from tests.models.test_text import LABELS, TEXTS, TINY


def test_missing_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match=re.escape(f"no {CONFIG_FILE}")):
        load_estimator(tmp_path / "absent")


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"params": {}}'])
def test_corrupt_config_is_a_data_error(tmp_path: Path, text: str) -> None:
    (tmp_path / CONFIG_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=re.escape(CONFIG_FILE)):
        load_estimator(tmp_path)


def _ridge(tmp_path: Path) -> Path:
    X = np.random.default_rng(0).normal(size=(30, 3, 4))
    # raw windows: no arrays.npz, so a stale one must be removed by the save
    return RidgeForecaster(input_norm="global").fit(X, X[:, -1, 3]).save(tmp_path / "ridge")


def test_folder_holds_only_data_files_and_a_readable_config(tmp_path: Path) -> None:
    folder = _ridge(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == [CONFIG_FILE, SKLEARN_FILE, STATE_FILE]
    config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    assert config["format"] == FORMAT and config["format_version"] == FORMAT_VERSION
    assert config["class"] == "sentcast.models.flat_baselines:RidgeForecaster"
    assert config["params"]["alpha"] == 1.0
    assert json.loads((folder / STATE_FILE).read_text(encoding="utf-8")) == {
        "n_features": 4,
        "majority": 0.0,
        "alpha": 1.0,
    }


def test_saving_removes_files_of_an_earlier_model(tmp_path: Path) -> None:
    (tmp_path / "ridge").mkdir()
    for name in (LEGACY_STATE_FILE, WEIGHTS_FILE, ARRAYS_FILE):
        (tmp_path / "ridge" / name).write_bytes(b"left by an earlier save")
    assert {p.name for p in _ridge(tmp_path).iterdir()} == {CONFIG_FILE, SKLEARN_FILE, STATE_FILE}


def test_a_failed_save_leaves_no_config(tmp_path: Path) -> None:
    """config.json is written last: a folder whose save failed is not a model folder."""
    with pytest.raises(ValueError, match="allow_pickle=False"):
        save_folder(
            tmp_path / "m",
            RidgeForecaster(),
            {},
            state={"n_features": 1},
            arrays={"bad": np.array([object()], dtype=object)},
        )
    # state.json was written, then the arrays failed: no config.json, no temporary file
    assert [p.name for p in (tmp_path / "m").iterdir()] == [STATE_FILE]


def test_only_sentcast_models_are_saved(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a sentcast model class"):
        save_folder(tmp_path / "m", object(), {})


def test_params_are_validated_against_the_constructor(tmp_path: Path) -> None:
    folder = ModelFolder(_ridge(tmp_path))
    assert folder.build(RidgeForecaster).get_params()["alpha"] == 1.0
    folder.params = {"alpha": "1.5", "alphas": [0.1, 2]}  # JSON numbers as text are accepted
    assert folder.build(RidgeForecaster).alphas == [0.1, 2.0]
    folder.params = {"alpha": "strong", "relative": 3}
    with pytest.raises(DataError, match=r"params\.alpha: .*; params\.relative"):
        folder.build(RidgeForecaster)
    with pytest.raises(UserInputError, match=r"holds a .*:RidgeForecaster, not"):
        folder.build(ForestForecaster)


def test_kind_is_checked_before_anything_else_is_read(tmp_path: Path) -> None:
    folder = _ridge(tmp_path)
    (folder / SKLEARN_FILE).write_bytes(b"garbage")
    with pytest.raises(UserInputError, match="not a text classifier; it holds a forecaster"):
        load_estimator(folder, kind="text classifier")
    with pytest.raises(DataError, match="not a readable skops file"):
        load_estimator(folder, kind="forecaster")


@pytest.mark.parametrize("cls", [RidgeForecaster, ForestForecaster])
def test_a_folder_naming_the_old_baselines_module_loads(cls: type, tmp_path: Path) -> None:
    """Ridge and the forest moved from ``models.baselines`` to ``models.flat_baselines``: a
    folder saved before names the old path in config.json and still loads."""
    X = np.random.default_rng(0).normal(size=(30, 3, 4))
    fitted = cls(input_norm="global").fit(X, X[:, -1, 3])
    folder = fitted.save(tmp_path / "m")
    config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    old = f"sentcast.models.baselines:{cls.__name__}"
    assert MOVED_CLASSES[old] == config["class"] == class_path(cls)
    config["class"] = old
    (folder / CONFIG_FILE).write_text(json.dumps(config), encoding="utf-8")
    for again in (load_estimator(folder, kind="forecaster"), cls.load(folder)):
        assert type(again) is cls
        np.testing.assert_array_equal(again.predict(X), fitted.predict(X))


def test_moved_classes_lead_to_known_classes() -> None:
    assert set(MOVED_CLASSES.values()) <= set(MODEL_KINDS)
    assert not set(MOVED_CLASSES) & set(MODEL_KINDS)
    assert current_class_path("sentcast.models.forecast:SequenceForecaster") == (
        "sentcast.models.forecast:SequenceForecaster"
    )


@pytest.mark.parametrize(
    ("name", "old_class"),
    [
        ("tfidf-lr", "sentcast.models.text:TfidfClassifier"),
        ("cnn", "sentcast.models.text:NeuralTextClassifier"),
        ("tfidf-minilm-lr", "sentcast.models.text_embedding:TfidfSentenceClassifier"),
    ],
)
def test_folders_naming_a_moved_class_load(name: str, old_class: str, tmp_path: Path) -> None:
    """Folders saved when the class lived in another module (``sentcast.models.text``,
    ``sentcast.models.text_embedding``) load as the class now."""
    model = make_text_model(name, TINY).fit(TEXTS, LABELS)
    folder = model.save(tmp_path / "m")
    config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    new_class = config["class"]
    assert new_class != old_class
    config["class"] = old_class
    (folder / CONFIG_FILE).write_text(json.dumps(config), encoding="utf-8")
    assert ModelFolder(folder).class_name == new_class
    loaded = load_text_classifier(folder)
    assert type(loaded) is type(model) and loaded.get_params() == model.get_params()
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), model.predict_proba(TEXTS))
    again = loaded.save(tmp_path / "again") / CONFIG_FILE
    assert json.loads(again.read_text(encoding="utf-8"))["class"] == new_class


def _naive_folder(path: Path, **files: Any) -> ModelFolder:
    save_folder(path, NaiveForecaster(), {}, **files)
    return ModelFolder(path)


def test_a_later_save_removes_the_files_the_new_model_does_not_use(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    _naive_folder(folder, state={"a": 1}, sklearn_model=StandardScaler())
    assert (folder / STATE_FILE).is_file() and (folder / SKLEARN_FILE).is_file()
    _naive_folder(folder, arrays={"x": np.zeros(2)})
    assert not (folder / STATE_FILE).exists() and not (folder / SKLEARN_FILE).exists()
    assert (folder / ARRAYS_FILE).is_file()


def test_saving_over_a_foreign_folder_names_it(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text('{"project": 1}', encoding="utf-8")
    with pytest.raises(UserInputError, match=re.escape(f"model folder {tmp_path} is not a saved")):
        save_folder(tmp_path, NaiveForecaster(), {})


def test_unreadable_files_say_why(tmp_path: Path) -> None:
    folder = _naive_folder(
        tmp_path / "m", arrays={"x": np.zeros(2)}, sklearn_model=StandardScaler()
    )
    folder.path.joinpath(ARRAYS_FILE).write_bytes(b"PK\x03\x04 not a zip")
    folder.path.joinpath(WEIGHTS_FILE).write_bytes(b"PK\x03\x04 not torch")
    folder.path.joinpath(SKLEARN_FILE).write_bytes(b"PK\x03\x04 not skops")
    for read, what in [
        (folder.arrays, "array"),
        (lambda: folder.load_weights(torch.nn.Linear(1, 1)), "weights"),
        (lambda: folder.sklearn_model(StandardScaler), "skops"),
    ]:
        with pytest.raises(DataError, match=rf"not a readable {what} file \((?!None\))\S"):
            read()


def test_weights_that_are_not_named_tensors(tmp_path: Path) -> None:
    folder = _naive_folder(tmp_path / "m")
    file = folder.path / WEIGHTS_FILE
    net = torch.nn.Linear(1, 1)
    for weights in ([torch.zeros(1)], {"weight": 1}, {1: torch.zeros(1)}):
        torch.save(weights, file)
        with pytest.raises(
            DataError, match=re.escape(f"{file}: not a state_dict of named tensors")
        ):
            folder.load_weights(net)
    torch.save({"weight": torch.zeros(1), "extra": torch.nn.Module()}, file)
    with pytest.raises(
        DataError,
        match=re.escape(
            f"{file}: not a readable weights file (it holds Python objects besides tensors, "
            "which are never loaded)"
        ),
    ):
        folder.load_weights(net)


def test_a_skops_file_of_another_class_is_named(tmp_path: Path) -> None:
    folder = _naive_folder(tmp_path / "m", sklearn_model=StandardScaler())
    with pytest.raises(
        DataError,
        match=re.escape(f"{folder.path / SKLEARN_FILE}: holds a StandardScaler, not a Ridge"),
    ):
        folder.sklearn_model(Ridge)


def test_state_with_nan_is_refused_not_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        save_folder(tmp_path / "m", NaiveForecaster(), {}, state={"x": float("nan")})


def test_a_mismatch_names_300_characters_of_torchs_reason(tmp_path: Path) -> None:
    folder = _naive_folder(tmp_path / "m")
    big = torch.nn.Sequential(*[torch.nn.Linear(2, 2) for _ in range(30)])
    torch.save(big.state_dict(), folder.path / WEIGHTS_FILE)
    with pytest.raises(DataError, match="does not match the network") as error:
        folder.load_weights(torch.nn.Linear(1, 1))
    detail = str(error.value).split(f"{CONFIG_FILE} (", 1)[1]
    assert len(detail) == 300 + 1 and detail.endswith(")")


def test_the_refusal_names_the_option_the_folder_and_its_files(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text('{"format": "other"}', encoding="utf-8")
    (tmp_path / STATE_FILE).write_text("{}", encoding="utf-8")
    with pytest.raises(UserInputError) as error:
        check_model_folder(tmp_path)
    assert str(error.value) == (
        f"--out {tmp_path} is not a saved sentcast model folder but holds {CONFIG_FILE}, "
        f"{STATE_FILE}; refusing to replace them: choose another folder"
    )


def test_metadata_that_json_cannot_hold_is_written_as_text(tmp_path: Path) -> None:
    folder = _naive_folder(tmp_path / "m", metadata={"day": dt.date(2024, 5, 1), "path": tmp_path})
    assert folder.metadata == {"day": "2024-05-01", "path": str(tmp_path)}


def test_a_config_from_before_format_versions_is_named_as_older(tmp_path: Path) -> None:
    """A ``config.json`` with a class but no format version is an older sentcast's, even
    without its pickled state file beside it."""
    (tmp_path / CONFIG_FILE).write_text(
        json.dumps({"class": "sentcast.models.baselines:NaiveForecaster", "params": {}}),
        encoding="utf-8",
    )
    with pytest.raises(DataError) as error:
        ModelFolder(tmp_path)
    assert str(error.value) == (
        f"{tmp_path} was written by an older sentcast (pickled {LEGACY_STATE_FILE}, never loaded "
        "because pickle can run code): re-train or re-save the model with this version"
    )


def test_config_checks_name_what_is_wrong(tmp_path: Path) -> None:
    base = {"format": FORMAT, "format_version": FORMAT_VERSION,
            "class": "sentcast.models.baselines:NaiveForecaster", "params": {}}  # fmt: skip
    file = tmp_path / CONFIG_FILE
    file.write_text(json.dumps(base), encoding="utf-8")
    assert ModelFolder(tmp_path).metadata == {}  # no metadata: an empty mapping
    file.write_text(json.dumps({**base, "format": "other"}), encoding="utf-8")
    with pytest.raises(
        DataError, match=re.escape(f"{file}: format 'other' version {FORMAT_VERSION!r} is not")
    ):
        ModelFolder(tmp_path)
    for bad in ({"params": []}, {"metadata": []}):
        file.write_text(json.dumps({**base, **bad}), encoding="utf-8")
        with pytest.raises(DataError) as error:
            ModelFolder(tmp_path)
        assert str(error.value) == f"{file}: 'params' and 'metadata' must be JSON objects"
