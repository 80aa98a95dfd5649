"""Values that look usable and are not: blank texts given to a classifier, booleans where a
config expects a number. Refused or marked, never taken silently."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sentcast.config.training import TrainingConfig
from sentcast.errors import ConfigError
from sentcast.models.text_scorer import ClassifierScorer
from sentcast.models.text_tfidf import TfidfClassifier
from sentcast.text.preprocess import is_blank

CLI = Callable[..., tuple[int, str, str]]
POS = ["good great love it", "awesome wonderful day", "love this great thing", "nice good fun"]
NEG = ["bad awful hate it", "terrible horrible day", "hate this awful thing", "sad bad boring"]
BLANK = ["", "   ", "\u200b", "\t\x00\u2028", "\ufeff "]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = TfidfClassifier().fit(POS + NEG, ["positive"] * 4 + ["negative"] * 4)
    return model.save(tmp_path_factory.mktemp("m") / "lr")


@pytest.mark.parametrize("text", BLANK)
def test_blank_texts_are_blank(text: str) -> None:
    assert is_blank(text)


@pytest.mark.parametrize("text", ["a", " ! ", "😀", "\u200bx", "0"])
def test_visible_texts_are_not_blank(text: str) -> None:
    assert not is_blank(text)


def test_predict_marks_blank_texts_instead_of_labelling_them(cli: CLI, model_dir: Path) -> None:
    code, stdout, err = cli("textclf", "predict", str(model_dir), "great love", *BLANK[2:])
    assert code == 0, err
    lines = stdout.removesuffix("\n").split("\n")  # not splitlines: U+2028 is in a text
    assert lines[0].startswith("positive\t0.")
    assert all(line.startswith("-\t-\t") for line in lines[1:]) and len(lines) == 4
    assert "3 blank texts not labelled (shown as -): text 2, 3, 4" in err


def test_scorer_gives_blank_texts_no_score(model_dir: Path) -> None:
    rows = ClassifierScorer(model_dir).score(["great love", *BLANK])
    assert not np.isnan(rows[0]).any()
    assert np.isnan(rows[1:]).all()


@pytest.mark.parametrize(
    ("values", "key"),
    [({"epochs": True}, "epochs"), ({"learning_rate": False}, "learning_rate")],
)
def test_a_boolean_is_not_a_config_number(values: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError, match=f"{key}: must be a number, not a boolean"):
        TrainingConfig.from_mapping(values)


def test_set_true_on_a_number_is_refused(cli: CLI, tmp_path: Path) -> None:
    from tests.experiments.forecast_files import experiment_toml

    toml = experiment_toml(tmp_path / "exp")
    code, _, err = cli("experiment", "validate", str(toml), "--set", "train.epochs=true")
    assert code == 2 and "train.epochs: must be a number, not a boolean" in err


def test_booleans_stay_booleans_and_lists_of_numbers_refuse_them() -> None:
    from sentcast.config.forecast import GridConfig, RidgeConfig, TargetConfig

    assert RidgeConfig.from_mapping({"relative": False}).relative is False
    with pytest.raises(ConfigError, match=r"windows: must be a number, not a boolean"):
        GridConfig.from_mapping({"windows": [7, True]})
    with pytest.raises(ConfigError, match=r"horizons: must be a number, not a boolean"):
        TargetConfig.from_mapping({"horizons": [False]})
