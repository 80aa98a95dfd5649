"""Base class for frozen config objects and TOML helpers with dotted-path error messages."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_args

import tomli_w
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from sentcast.errors import ConfigError, UserInputError
from sentcast.files import atomic_write_text, safe_name

logger = logging.getLogger(__name__)

M = TypeVar("M", bound="FrozenModel")
T = TypeVar("T")


def _file_name(value: str) -> str:
    try:
        return safe_name(value, "name")
    except UserInputError as exc:
        raise ValueError(str(exc)) from None


#: A name that becomes part of a file or folder name in a RUN_DIR (``[A-Za-z0-9_.+-]``).
FileName = Annotated[str, AfterValidator(_file_name)]
#: A random seed every library accepts (NumPy needs ``0 <= seed < 2**32``).
Seed = Annotated[int, Field(ge=0, le=2**32 - 1)]


def unique(values: Sequence[T]) -> Sequence[T]:
    """``values`` unchanged; a repeated value is an error (it would run the same cell twice)."""
    seen: set[object] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{value!r} is listed twice")
        seen.add(value)
    return values


_COMPARISONS = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt"}
_SYMBOLS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}


def renamed_keys(data: Any, renames: Mapping[str, str]) -> Any:
    """``data`` with each old key of ``renames`` moved to its new name, with a note in the log.

    For ``model_validator(mode="before")``: configs written with an older spelling keep working,
    and one spelling is written back. Giving both spellings is an error.
    """
    if not isinstance(data, dict) or not set(renames) & set(data):
        return data
    data = dict(data)
    for old, new in renames.items():
        if old not in data:
            continue
        if new in data:
            raise ValueError(f"give {new} only ({old} is its older spelling)")
        logger.warning("config: %s is spelled %s now", old, new)
        data[new] = data.pop(old)
    return data


def renamed_values(values: Any, renames: Mapping[str, str]) -> Any:
    """A list of names with each older spelling in ``renames`` replaced, with a note in the log.

    For ``field_validator(mode="before")`` on lists of model names (``cnn_lstm`` ->
    ``cnn-lstm``).
    """
    if not isinstance(values, list):
        return values
    out = []
    for value in values:
        if isinstance(value, str) and value in renames:
            logger.warning("config: %s is spelled %s now", value, renames[value])
            value = renames[value]
        out.append(value)
    return out


def _types(annotation: Any) -> set[Any]:
    """Every type named in ``annotation`` (through unions, ``Annotated``, containers)."""
    found = {annotation}
    for arg in get_args(annotation):
        found |= _types(arg)
    return found


def _holds_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, list | tuple | set):
        return any(isinstance(v, bool) for v in value)
    if isinstance(value, dict):
        return any(isinstance(v, bool) for v in value.values())
    return False


class FrozenModel(BaseModel):
    """Immutable, strictly keyed pydantic model: unknown keys, non-finite floats and booleans
    where a number is expected (pydantic would read ``true`` as 1) are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is None or not _holds_bool(value):
            return value
        types = _types(field.annotation)
        if bool not in types and types & {int, float}:
            raise ValueError("must be a number, not a boolean")
        return value

    @classmethod
    def from_mapping(cls: type[M], data: Mapping[str, Any], prefix: str = "") -> M:
        """Validate ``data``; raise :class:`ConfigError` naming every bad dotted path."""
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc, prefix)) from None

    def to_toml_dict(self) -> dict[str, Any]:
        """The config as plain TOML-serialisable data (``None`` values dropped), keys spelled
        as in the file (``cnn-lstm``)."""
        return _drop_none(self.model_dump(mode="json", by_alias=True))


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
    """Write ``data`` to ``path`` as TOML (atomically: a kill leaves the old file or the new)."""
    atomic_write_text(path, tomli_w.dumps(dict(data)))
