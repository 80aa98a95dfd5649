"""Load an experiment file, apply command-line overrides, dispatch to its kind, write RUN_DIR."""

from __future__ import annotations

import importlib
import logging
import tomllib
from pathlib import Path
from typing import Any

from sentcast.config.base import FrozenModel, dump_toml, load_toml
from sentcast.engines import Engine
from sentcast.errors import ConfigError, UserInputError
from sentcast.files import FolderLock, check_output_folder
from sentcast.reporting.report import write_report

logger = logging.getLogger(__name__)

#: Experiment kinds and the modules that implement them.
KINDS = {"forecast": "sentcast.experiments.forecast", "textclf": "sentcast.experiments.textclf"}
#: Their config modules and classes (torch-free: a config validates, and a second run into a
#: folder in use is refused, before the heavy modules load).
CONFIGS = {
    "forecast": ("sentcast.config.forecast", "ForecastExperiment"),
    "textclf": ("sentcast.config.textclf", "TextclfExperiment"),
}
#: Kinds whose work can run on Ray (``--engine ray``).
RAY_KINDS = ("forecast",)
RESOLVED_CONFIG = "config.toml"
#: What a run writes after config.toml (a folder holding one of them without it is not a run's).
_RUN_OUTPUTS = (
    "results.csv", "tables.md", "data_summary.json", "report.md", "report.html",
    "cells", "models", "plots",
)  # fmt: skip


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
    if raw.get("kind") in CONFIGS:
        module_name, _ = CONFIGS[raw["kind"]]
        hook = getattr(importlib.import_module(module_name), "resolve_paths", None)
    if hook is not None:
        raw = hook(raw, Path(path).resolve().parent)
    raw = apply_overrides(raw, overrides or [])
    kind = raw.pop("kind", None)
    if kind not in CONFIGS:
        raise ConfigError(f"kind: must be one of {', '.join(CONFIGS)}, got {kind!r}")
    module_name, class_name = CONFIGS[kind]
    config: FrozenModel = getattr(importlib.import_module(module_name), class_name).from_mapping(
        raw
    )
    return kind, config


def check_data(kind: str, config: FrozenModel) -> str:
    """Check ``config`` against its data, for kinds that can do so cheaply; returns a summary.

    The forecast kind loads its market and sentiment tables and cuts every window (see
    :mod:`sentcast.experiments.forecast_checks`). The textclf kind returns ``""``: reading a
    corpus can take minutes, so its data problems are reported when the run reads it.

    Raises
    ------
    ConfigError
        A config value the data cannot serve, naming its dotted path.
    """
    hook = getattr(importlib.import_module(KINDS[kind]), "check_data", None)
    return "" if hook is None else str(hook(config))


def run_folder(out_dir: str | Path) -> Path:
    """``out_dir`` as a Path, after checking that it is, or can be created as, a folder.

    Raises
    ------
    UserInputError
        ``out_dir`` is a regular file, or lies under one.
    """
    out = Path(out_dir)
    check_output_folder([], "--out", out)
    return out


def _previous_config(path: Path) -> dict[str, Any] | None:
    """The resolved config of an earlier run in the folder; ``None`` when absent or torn."""
    try:
        previous = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return previous if "kind" in previous else None


def run_experiment(
    path: str | Path,
    out_dir: str | Path,
    overrides: list[str] | None = None,
    *,
    lock: bool = True,
    engine: Engine | None = None,
) -> str:
    """Run the experiment file at ``path`` into ``out_dir``; returns the stdout summary.

    The resolved config is written to ``out_dir/config.toml`` first; ``report.md`` and
    ``report.html`` are written at the end. A re-run into the same
    folder with the same resolved config skips finished cells; a different config is refused
    so results of two experiments never mix (an unreadable ``config.toml``, as a kill during
    its first write left it, is rewritten, and the summary says so).

    Parameters
    ----------
    path : path
        The experiment TOML file.
    out_dir : path
        The RUN_DIR.
    overrides : list of str, optional
        ``dotted.key=value`` changes.
    lock : bool
        Hold :class:`sentcast.files.FolderLock` on ``out_dir`` for the run, so a second run
        into the same folder refuses at once; ``False`` when the caller already holds it.
    engine : Engine, optional
        Where a forecast grid's cells run (:mod:`sentcast.engines`); default here.

    Raises
    ------
    UserInputError
        Also for ``--engine ray`` with an experiment kind that does not run on Ray.
    """
    kind, config = load_experiment(path, overrides)
    out = run_folder(out_dir)
    if engine is not None and engine.is_ray and kind not in RAY_KINDS:
        raise UserInputError(
            f"--engine ray runs {', '.join(RAY_KINDS)} experiments; this one is {kind}"
        )
    if not lock:
        return _run_in(kind, config, out, engine)
    with FolderLock(out):
        return _run_in(kind, config, out, engine)


def _run_in(kind: str, config: FrozenModel, out: Path, engine: Engine | None = None) -> str:
    out.mkdir(parents=True, exist_ok=True)
    resolved = {"kind": kind, **config.to_toml_dict()}
    target = out / RESOLVED_CONFIG
    notes = []
    if target.exists():
        previous = _previous_config(target)
        if previous is None:
            notes.append(f"{RESOLVED_CONFIG} was unreadable: rewritten with this run's config")
            logger.warning(notes[-1])
        elif previous != resolved:
            raise UserInputError(
                f"{out} holds a run of a different config; choose another --out or delete it"
            )
    else:
        taken = [name for name in _RUN_OUTPUTS if (out / name).exists()]
        if taken:  # not written by a run (config.toml comes first): someone else's files
            raise UserInputError(
                f"--out {out} is not a sentcast run folder (no {RESOLVED_CONFIG}) but holds "
                f"{', '.join(taken)}; refusing to replace them: choose another --out"
            )
    dump_toml(resolved, target)
    module = importlib.import_module(KINDS[kind])
    summary: str = module.run(config, out, engine) if kind in RAY_KINDS else module.run(config, out)
    _, html_path = write_report(out)
    return "\n".join([summary, *notes, f"report: {html_path}"])
