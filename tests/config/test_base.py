from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import Field

from sentcast.config.base import FrozenModel, dump_toml, load_toml
from sentcast.errors import ConfigError, UserInputError


class Inner(FrozenModel):
    window: int = Field(7, gt=0)
    name: str = "x"


class Outer(FrozenModel):
    forecast: Inner = Inner()
    seeds: tuple[int, ...] = (0,)


def test_valid_mapping_and_defaults() -> None:
    cfg = Outer.from_mapping({"forecast": {"window": 30}})
    assert cfg.seeds == (0,)
    assert cfg.forecast.window == 30 and cfg.forecast.name == "x"
    with pytest.raises(Exception, match="frozen"):
        cfg.forecast.window = 3  # type: ignore[misc]


def test_error_names_dotted_path_and_value() -> None:
    with pytest.raises(ConfigError) as exc:
        Outer.from_mapping({"forecast": {"window": -7}})
    assert str(exc.value) == "forecast.window: must be > 0, got -7"


def test_unknown_key_and_list_item_paths() -> None:
    with pytest.raises(ConfigError) as exc:
        Outer.from_mapping({"forecast": {"windw": 3}, "seeds": [0, "a"]}, prefix="cfg")
    message = str(exc.value)
    assert "cfg.forecast.windw: unknown key, got 3" in message
    assert "cfg.seeds.1:" in message


def test_toml_round_trip(tmp_path: Path) -> None:
    cfg = Outer.from_mapping({"forecast": {"window": 90}, "seeds": [1, 2]})
    dump_toml(cfg.to_toml_dict(), tmp_path / "c.toml")
    assert Outer.from_mapping(load_toml(tmp_path / "c.toml")) == cfg


def test_load_toml_errors(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="not found"):
        load_toml(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("a = = 1\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_toml(bad)
