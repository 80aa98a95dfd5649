"""Base class for frozen config objects and TOML helpers with dotted-path error messages."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import tomli_w
from pydantic import BaseModel, ConfigDict, ValidationError

from sentcast.errors import ConfigError, UserInputError

M = TypeVar("M", bound="FrozenModel")

_COMPARISONS = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt"}
_SYMBOLS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}


class FrozenModel(BaseModel):
    """Immutable, strictly keyed pydantic model: unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def from_mapping(cls: type[M], data: Mapping[str, Any], prefix: str = "") -> M:
        """Validate ``data``; raise :class:`ConfigError` naming every bad dotted path."""
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc, prefix)) from None

    def to_toml_dict(self) -> dict[str, Any]:
        """The config as plain TOML-serialisable data (``None`` values dropped)."""
        return _drop_none(self.model_dump(mode="json"))


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def format_validation_error(exc: ValidationError, prefix: str = "") -> str:
    """Turn a pydantic error into ``path: problem, got value`` lines joined by ``; ``."""
    parts = []
    for err in exc.errors():
        path = ".".join(str(p) for p in ((prefix,) if prefix else ()) + tuple(err["loc"]))
        kind = err["type"]
        ctx = err.get("ctx", {})
        if kind in _COMPARISONS or kind == "less_than_equal":
            key = _COMPARISONS.get(kind, "le")
            problem = f"must be {_SYMBOLS[key]} {ctx[key]}"
        elif kind == "extra_forbidden":
            problem = "unknown key"
        elif kind == "missing":
            parts.append(f"{path}: required key is missing")
            continue
        else:
            problem = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{path}: {problem}, got {err.get('input')!r}")
    return "; ".join(parts)


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, with one-line errors for a missing file or bad syntax."""
    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"config file not found: {p}")
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from None


def dump_toml(data: Mapping[str, Any], path: str | Path) -> None:
    """Write ``data`` to ``path`` as TOML."""
    Path(path).write_text(tomli_w.dumps(dict(data)), encoding="utf-8")
