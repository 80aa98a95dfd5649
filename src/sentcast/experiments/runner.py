"""Load an experiment file, apply command-line overrides, dispatch to its kind, write RUN_DIR."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path
from typing import Any

from sentcast.config.base import FrozenModel, dump_toml, load_toml
from sentcast.errors import ConfigError, UserInputError
from sentcast.reporting.report import write_report

#: Experiment kinds and the modules that implement them.
KINDS = {"forecast": "sentcast.experiments.forecast", "textclf": "sentcast.experiments.textclf"}
RESOLVED_CONFIG = "config.toml"


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Set ``dotted.key=value`` pairs in a nested config dict (value parsed as TOML).

    ``data.market.files.BTC=my.csv`` sets a string; ``grid.windows=[7, 30]`` a list.
    """
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise UserInputError(f"--set expects KEY=VALUE, got {item!r}")
        try:
            value = tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            value = text  # bare words are strings: --set data.calendar=daily
        node = raw
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"{key}: {part} is not a table")
            node = child
        node[parts[-1]] = value
    return raw


def load_experiment(
    path: str | Path, overrides: list[str] | None = None
) -> tuple[str, FrozenModel]:
    """Read, override and validate an experiment file; returns ``(kind, config)``.

    A kind's module may define ``resolve_paths(raw, base_dir)``: it is applied to the file's
    own values before the overrides, so relative paths written in the file resolve against
    the file's folder (and ``--set`` paths against the current directory).
    """
    raw = load_toml(path)
    hook = None
    if raw.get("kind") in KINDS:
        hook = getattr(importlib.import_module(KINDS[raw["kind"]]), "resolve_paths", None)
    if hook is not None:
        raw = hook(raw, Path(path).resolve().parent)
    raw = apply_overrides(raw, overrides or [])
    kind = raw.pop("kind", None)
    if kind not in KINDS:
        raise ConfigError(f"kind: must be one of {', '.join(KINDS)}, got {kind!r}")
    module = importlib.import_module(KINDS[kind])
    config: FrozenModel = module.CONFIG.from_mapping(raw)
    return kind, config


def validate_experiment(
    path: str | Path, overrides: list[str] | None = None
) -> tuple[str, FrozenModel, str]:
    """:func:`load_experiment`, then the kind's ``check_data(config)`` if it has one (it may
    load the data, e.g. to refuse too small evaluation parts); returns its report too."""
    kind, config = load_experiment(path, overrides)
    check = getattr(importlib.import_module(KINDS[kind]), "check_data", None)
    return kind, config, check(config) if check is not None else ""


def run_experiment(
    path: str | Path, out_dir: str | Path, overrides: list[str] | None = None
) -> str:
    """Run the experiment file at ``path`` into ``out_dir``; returns the stdout summary.

    The resolved config is written to ``out_dir/config.toml`` first; ``report.md`` and
    ``report.html`` are written at the end. A re-run into the same
    folder with the same resolved config skips finished cells; a different config is refused
    so results of two experiments never mix.
    """
    kind, config = load_experiment(path, overrides)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    resolved = {"kind": kind, **config.to_toml_dict()}
    target = out / RESOLVED_CONFIG
    if target.is_file() and load_toml(target) != resolved:
        raise UserInputError(
            f"{out} holds a run of a different config; choose another --out or delete it"
        )
    dump_toml(resolved, target)
    module = importlib.import_module(KINDS[kind])
    summary: str = module.run(config, out)
    _, html_path = write_report(out)
    return f"{summary}\nreport: {html_path}"
