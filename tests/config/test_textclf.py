from __future__ import annotations

import logging

import pytest

from sentcast.config.textclf import DatasetConfig
from sentcast.errors import ConfigError

BASE = {"name": "s140", "format": "csv", "path": "/data/train.csv"}


def test_split_parts_are_train_validation_test_and_val_is_read_with_a_note(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="sentcast.config.base"):
        old = DatasetConfig.from_mapping({**BASE, "val": 0.3, "test": 0.1})
    assert old.validation == 0.3
    assert "val is spelled validation now" in caplog.text
    assert "val" not in old.to_toml_dict() and old.to_toml_dict()["validation"] == 0.3
    assert old == DatasetConfig.from_mapping({**BASE, "validation": 0.3, "test": 0.1})


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"val": 0.3, "validation": 0.2}, "give validation only"),
        ({"validation": 0.5, "test": 0.5}, "validation \\+ test must be < 1"),
    ],
)
def test_bad_split_keys(extra: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DatasetConfig.from_mapping({**BASE, **extra})
