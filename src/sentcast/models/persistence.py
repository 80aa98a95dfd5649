"""Save and load estimators as a folder: ``config.json``, ``weights.pt``, ``state.joblib``.

* ``config.json``: the estimator's class path and constructor hyper-parameters (readable),
  plus any JSON metadata;
* ``weights.pt``: the PyTorch ``state_dict`` of its network, when it has one;
* ``state.joblib``: fitted non-torch state (scalers, vocabularies, scikit-learn pipelines).
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import joblib
import torch

from sentcast.errors import DataError, UserInputError

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.pt"
STATE_FILE = "state.joblib"


def save_folder(
    path: str | Path,
    estimator: object,
    params: dict[str, Any],
    state: dict[str, Any] | None = None,
    weights: dict[str, torch.Tensor] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Path:
    """Write an estimator folder; returns its path (created if needed)."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    cls = type(estimator)
    config = {
        "class": f"{cls.__module__}:{cls.__qualname__}",
        "params": params,
        "metadata": metadata or {},
    }
    (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2, default=str), encoding="utf-8")
    if weights is not None:
        torch.save(weights, folder / WEIGHTS_FILE)
    if state is not None:
        joblib.dump(state, folder / STATE_FILE)
    return folder


def read_folder(path: str | Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """Read a folder written by :func:`save_folder`.

    Returns
    -------
    config : dict
        ``class``, ``params`` and ``metadata``.
    state : dict
        The joblib state (empty when absent).
    weights : dict or None
        The torch ``state_dict`` (loaded on the CPU), or ``None``.

    Raises
    ------
    UserInputError
        When the folder or its ``config.json`` is missing.
    DataError
        When ``config.json`` is not JSON or lacks ``class`` / ``params``.
    """
    folder = Path(path)
    if not (folder / CONFIG_FILE).is_file():
        raise UserInputError(f"not a saved sentcast model folder (no {CONFIG_FILE}): {folder}")
    try:
        config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{folder / CONFIG_FILE}: not valid JSON ({exc.msg})") from exc
    if not isinstance(config, dict) or not {"class", "params"} <= config.keys():
        raise DataError(f"{folder / CONFIG_FILE}: needs the keys 'class' and 'params'")
    state = joblib.load(folder / STATE_FILE) if (folder / STATE_FILE).is_file() else {}
    weights = None
    if (folder / WEIGHTS_FILE).is_file():
        weights = torch.load(folder / WEIGHTS_FILE, map_location="cpu", weights_only=True)
    return config, state, weights


def load_estimator(path: str | Path) -> Any:
    """Load any saved estimator: imports the class named in ``config.json`` and calls its
    ``load(path)`` classmethod."""
    config, _, _ = read_folder(path)
    module_name, _, qualname = config["class"].partition(":")
    if module_name.split(".")[0] != "sentcast":
        raise UserInputError(f"{path}: refusing to load a class outside sentcast: {module_name}")
    cls: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        cls = getattr(cls, part)
    return cls.load(path)
