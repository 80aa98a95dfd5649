from __future__ import annotations

from pathlib import Path

import pytest

from sentcast.errors import ConfigError, UserInputError
from sentcast.experiments.runner import apply_overrides, load_experiment


def test_overrides_parse_toml_values_and_bare_strings() -> None:
    raw: dict[str, object] = {"grid": {"windows": [7]}}
    apply_overrides(raw, ["grid.windows=[7, 30]", "data.calendar=daily", "train.epochs=5"])
    assert raw == {
        "grid": {"windows": [7, 30]},
        "data": {"calendar": "daily"},
        "train": {"epochs": 5},
    }


def test_override_errors() -> None:
    with pytest.raises(UserInputError, match="KEY=VALUE"):
        apply_overrides({}, ["novalue"])
    with pytest.raises(ConfigError, match="not a table"):
        apply_overrides({"a": 1}, ["a.b=2"])


def test_unknown_kind(tmp_path: Path) -> None:
    path = tmp_path / "e.toml"
    path.write_text('kind = "poetry"\n')
    with pytest.raises(ConfigError, match="kind: must be one of forecast, textclf, got 'poetry'"):
        load_experiment(path)
