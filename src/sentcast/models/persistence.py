"""Save and load estimators as folders of data files: nothing in a model folder can run code.

A model folder (format version 2) holds:

* ``config.json`` — ``format``, ``format_version``, the estimator's ``class``, its constructor
  ``params`` and JSON ``metadata``; readable on its own;
* ``state.json`` — fitted plain state (labels, vocabulary, sizes);
* ``arrays.npz`` — fitted numeric arrays (scalers), read with ``allow_pickle=False``;
* ``weights.pt`` — a PyTorch ``state_dict``, read with ``torch.load(weights_only=True)``;
* ``model.skops`` — a scikit-learn pipeline (or a dict of them), read by skops with the fixed
  trusted types
  :data:`SKOPS_TRUSTED` (besides skops' own defaults).

Every file is written atomically, ``config.json`` last. Reading checks each file before it is
used: the class must be one of :data:`MODEL_KINDS` (or a path it had before it moved,
:data:`MOVED_CLASSES`), ``params`` must match the constructor's signature and types, state files
must parse and validate; any problem is one :class:`~sentcast.errors.DataError` line. Folders
of older versions (a pickled ``state.joblib``) are refused without being opened.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import io
import json
import pickle
import typing
import warnings
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, ValidationError, create_model
from torch import nn

from sentcast.config.base import format_validation_error
from sentcast.errors import DataError, UserInputError, one_line
from sentcast.files import (
    atomic_path,
    atomic_write_bytes,
    atomic_write_text,
    read_json,
    read_json_object,
)

FORMAT = "sentcast-model"
FORMAT_VERSION = 2
CONFIG_FILE = "config.json"
STATE_FILE = "state.json"
ARRAYS_FILE = "arrays.npz"
WEIGHTS_FILE = "weights.pt"
SKLEARN_FILE = "model.skops"
LEGACY_STATE_FILE = "state.joblib"
#: Every file a model folder may hold.
MODEL_FILES = (CONFIG_FILE, STATE_FILE, ARRAYS_FILE, WEIGHTS_FILE, SKLEARN_FILE)

#: Types skops may build besides its defaults (primitives, NumPy, scikit-learn estimators):
#: the KNN's sparse training matrix, the ridge CV splitter and the forest's trees.
SKOPS_TRUSTED = (
    "scipy.sparse._csr.csr_matrix",
    "sklearn.model_selection._split.TimeSeriesSplit",
    "sklearn.tree._tree.Tree",
)

#: The only classes a folder may name, and what kind of model each is.
MODEL_KINDS = {
    "sentcast.models.forecast:SequenceForecaster": "forecaster",
    "sentcast.models.baselines:NaiveForecaster": "forecaster",
    "sentcast.models.flat_baselines:RidgeForecaster": "forecaster",
    "sentcast.models.flat_baselines:ForestForecaster": "forecaster",
    "sentcast.models.text_tfidf:TfidfClassifier": "text classifier",
    "sentcast.models.text_neural:NeuralTextClassifier": "text classifier",
    "sentcast.models.text_embedding:SentenceEmbeddingClassifier": "text classifier",
    "sentcast.models.text_embedding:WordVectorClassifier": "text classifier",
    "sentcast.models.text_tfidf_sentence:TfidfSentenceClassifier": "text classifier",
    "sentcast.models.text_finetune:FineTunedEncoderClassifier": "text classifier",
}

#: Classes that moved to another module: the path older folders name -> the class's path now
#: (in :data:`MODEL_KINDS`). Such a folder loads as that class; saving writes the new path.
MOVED_CLASSES = {
    "sentcast.models.baselines:RidgeForecaster": "sentcast.models.flat_baselines:RidgeForecaster",
    "sentcast.models.baselines:ForestForecaster": "sentcast.models.flat_baselines:ForestForecaster",
    "sentcast.models.text:TfidfClassifier": "sentcast.models.text_tfidf:TfidfClassifier",
    "sentcast.models.text:NeuralTextClassifier": (
        "sentcast.models.text_neural:NeuralTextClassifier"
    ),
    "sentcast.models.text_embedding:TfidfSentenceClassifier": (
        "sentcast.models.text_tfidf_sentence:TfidfSentenceClassifier"
    ),
}


def current_class_path(name: str) -> str:
    """The ``module:QualName`` a saved ``class`` names now (see :data:`MOVED_CLASSES`)."""
    return MOVED_CLASSES.get(name, name)


S = TypeVar("S", bound=BaseModel)
T = TypeVar("T")


def class_path(cls: type) -> str:
    """``module:QualName`` of a class, as stored in ``config.json``."""
    return f"{cls.__module__}:{cls.__qualname__}"


def check_model_folder(path: str | Path, option: str = "--out") -> None:
    """Refuse to save into a folder whose ``config.json`` is not a sentcast model's.

    Saving replaces ``config.json`` and the model's data files and removes those the new model
    does not use: next to a ``config.json`` without ``"format": "sentcast-model"`` (a project
    folder, say) they are someone else's files. A folder without ``config.json`` (new, or left
    by a save that was killed) is written as before.

    Raises
    ------
    UserInputError
        Naming ``option``, the folder and the files that would be replaced.
    """
    folder = Path(path)
    if not (folder / CONFIG_FILE).exists():
        return
    config = read_json_object(folder / CONFIG_FILE)
    if not (config is not None and config.get("format") == FORMAT):
        names = (CONFIG_FILE, STATE_FILE, ARRAYS_FILE, WEIGHTS_FILE, SKLEARN_FILE)
        present = ", ".join(name for name in names if (folder / name).exists())
        raise UserInputError(
            f"{option} {folder} is not a saved sentcast model folder but holds {present}; "
            "refusing to replace them: choose another folder"
        )


def save_folder(
    path: str | Path,
    estimator: object,
    params: dict[str, Any],
    *,
    metadata: dict[str, Any] | None = None,
    state: dict[str, Any] | None = None,
    arrays: dict[str, np.ndarray] | None = None,
    weights: dict[str, torch.Tensor] | None = None,
    sklearn_model: object | None = None,
) -> Path:
    """Write an estimator folder (see the module docstring); returns its path.

    Parameters
    ----------
    path : path
        The folder, created if needed.
    estimator : object
        The estimator; its class must be one of :data:`MODEL_KINDS`.
    params : dict
        Constructor hyper-parameters as JSON data.
    metadata, state : dict, optional
        JSON data for ``config.json`` and ``state.json``.
    arrays : dict of numpy.ndarray, optional
        Numeric arrays for ``arrays.npz`` (no object arrays).
    weights : dict of torch.Tensor, optional
        A ``state_dict`` for ``weights.pt``.
    sklearn_model : object, optional
        A fitted scikit-learn pipeline for ``model.skops``.
    """
    import skops.io

    name = class_path(type(estimator))
    if name not in MODEL_KINDS:
        raise ValueError(f"{name} is not a sentcast model class")
    folder = Path(path)
    check_model_folder(folder, "model folder")
    folder.mkdir(parents=True, exist_ok=True)
    written = {
        STATE_FILE: state is not None,
        ARRAYS_FILE: arrays is not None,
        WEIGHTS_FILE: weights is not None,
        SKLEARN_FILE: sklearn_model is not None,
        LEGACY_STATE_FILE: False,
    }
    for file, kept in written.items():
        if not kept:  # left by an earlier model saved here
            (folder / file).unlink(missing_ok=True)
    if state is not None:
        atomic_write_text(folder / STATE_FILE, json.dumps(state, indent=1, allow_nan=False))
    if arrays is not None:
        buffer = io.BytesIO()
        np.savez(buffer, allow_pickle=False, **arrays)
        atomic_write_bytes(folder / ARRAYS_FILE, buffer.getvalue())
    if weights is not None:
        with atomic_path(folder / WEIGHTS_FILE) as tmp:
            torch.save(weights, tmp)
    if sklearn_model is not None:
        atomic_write_bytes(folder / SKLEARN_FILE, skops.io.dumps(sklearn_model))
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "class": name,
        "params": params,
        "metadata": metadata or {},
    }
    atomic_write_text(folder / CONFIG_FILE, json.dumps(config, indent=2, default=str))
    return folder


@functools.cache
def _params_model(cls: type) -> type[BaseModel]:
    """A pydantic model of ``cls.__init__``'s parameters (annotations and defaults)."""
    init: Any = cls.__init__  # type: ignore[misc]
    hints = typing.get_type_hints(init)
    fields: dict[str, Any] = {}
    for name, parameter in inspect.signature(cls).parameters.items():
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[name] = (hints.get(name, Any), default)
    config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    model: type[BaseModel] = create_model(f"{cls.__name__}Params", __config__=config, **fields)
    return model


class ModelFolder:
    """A saved model folder opened for reading.

    ``config.json`` is read and checked at once; every other file only when asked for, so a
    file the model does not use is never opened.

    Parameters
    ----------
    path : path
        The folder.

    Raises
    ------
    UserInputError
        When the folder has no ``config.json``.
    DataError
        When ``config.json`` is not a version-2 sentcast model config naming a known class
        (an older folder is refused with a message saying to re-train it).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        file = self.path / CONFIG_FILE
        if not file.is_file():
            raise UserInputError(f"not a saved sentcast model folder (no {CONFIG_FILE}): {path}")
        config = read_json(file)
        if not isinstance(config, dict):
            raise DataError(f"{file}: needs the keys 'class' and 'params'")
        version = config.get("format_version")
        if version is None and ("class" in config or (self.path / LEGACY_STATE_FILE).exists()):
            raise DataError(
                f"{self.path} was written by an older sentcast (pickled {LEGACY_STATE_FILE}, "
                "never loaded because pickle can run code): re-train or re-save the model "
                "with this version"
            )
        if not {"class", "params"} <= config.keys():
            raise DataError(f"{file}: needs the keys 'class' and 'params'")
        if config.get("format") != FORMAT or version != FORMAT_VERSION:
            raise DataError(
                f"{file}: format {config.get('format')!r} version {version!r} is not "
                f"{FORMAT!r} version {FORMAT_VERSION} (written by another program or version)"
            )
        class_name = current_class_path(config["class"])
        if class_name not in MODEL_KINDS:
            raise DataError(f"{file}: unknown model class {config['class']!r}")
        if not isinstance(config["params"], dict) or not isinstance(
            config.get("metadata", {}), dict
        ):
            raise DataError(f"{file}: 'params' and 'metadata' must be JSON objects")
        self.class_name: str = class_name
        self.params: dict[str, Any] = config["params"]
        self.metadata: dict[str, Any] = config.get("metadata", {})

    @property
    def kind(self) -> str:
        """``"forecaster"`` or ``"text classifier"``."""
        return MODEL_KINDS[self.class_name]

    def check_kind(self, kind: str) -> None:
        """Raise :class:`UserInputError` unless the folder holds a model of ``kind``."""
        if self.kind != kind:
            raise UserInputError(
                f"{self.path}: not a {kind}; it holds a {self.kind} ({self.class_name})"
            )

    def estimator_class(self) -> type:
        """The class named in ``config.json`` (one of :data:`MODEL_KINDS`)."""
        module_name, _, qualname = self.class_name.partition(":")
        cls: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        return typing.cast(type, cls)

    def build(self, cls: type[T]) -> T:
        """A new ``cls`` from the stored ``params``, after checking names and types."""
        if class_path(cls) != self.class_name:
            raise UserInputError(f"{self.path}: holds a {self.class_name}, not a {class_path(cls)}")
        try:
            validated = _params_model(typing.cast(type, cls)).model_validate(self.params)
        except ValidationError as exc:
            problems = format_validation_error(exc, "params")
            raise DataError(f"{self.path / CONFIG_FILE}: {problems}") from None
        try:
            return cls(**dict(validated))
        except (TypeError, ValueError, UserInputError) as exc:
            raise DataError(f"{self.path / CONFIG_FILE}: params: {one_line(exc)}") from None

    def _file(self, name: str) -> Path:
        file = self.path / name
        if not file.is_file():
            raise DataError(f"{self.path}: {name} is missing")
        return file

    def state(self, model: type[S]) -> S:
        """``state.json`` validated by the pydantic ``model``."""
        file = self._file(STATE_FILE)
        try:
            return model.model_validate(read_json(file))
        except ValidationError as exc:
            raise DataError(f"{file}: {format_validation_error(exc)}") from None

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays of ``arrays.npz`` (never unpickled)."""
        file = self._file(ARRAYS_FILE)
        try:
            with file.open("rb") as handle, np.load(handle, allow_pickle=False) as npz:
                return {name: npz[name] for name in npz.files}
        except Exception as exc:  # whatever the parser raises, the file is unusable
            raise DataError(f"{file}: not a readable array file ({one_line(exc)})") from None

    def load_weights(self, module: nn.Module) -> None:
        """Load ``weights.pt`` (tensors only) into ``module``; it must match exactly."""
        file = self._file(WEIGHTS_FILE)
        try:
            with warnings.catch_warnings():  # a hostile file's warnings are not the user's
                warnings.simplefilter("ignore")
                weights = torch.load(file, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError:
            raise DataError(
                f"{file}: not a readable weights file (it holds Python objects besides tensors, "
                "which are never loaded)"
            ) from None
        except Exception as exc:  # whatever the parser raises, the file is unusable
            raise DataError(f"{file}: not a readable weights file ({one_line(exc)})") from None
        if not isinstance(weights, dict) or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in weights.items()
        ):
            raise DataError(f"{file}: not a state_dict of named tensors")
        try:
            module.load_state_dict(weights)
        except RuntimeError as exc:
            detail = " ".join(str(exc).split())
            raise DataError(
                f"{file}: does not match the network in {CONFIG_FILE} ({detail[:300]})"
            ) from None

    def sklearn_model(self, expected: type[T]) -> T:
        """The scikit-learn object of ``model.skops``, built only from trusted types."""
        import skops.io
        from skops.io.exceptions import UntrustedTypesFoundException

        file = self._file(SKLEARN_FILE)
        try:
            model = skops.io.load(file, trusted=list(SKOPS_TRUSTED))
        except UntrustedTypesFoundException as exc:
            raise DataError(f"{file}: refusing types sentcast never saves ({exc})") from None
        except Exception as exc:  # whatever the parser raises, the file is unusable
            raise DataError(f"{file}: not a readable skops file ({one_line(exc)})") from None
        if not isinstance(model, expected):
            raise DataError(f"{file}: holds a {type(model).__name__}, not a {expected.__name__}")
        return model


def load_estimator(path: str | Path, kind: str | None = None) -> Any:
    """Load any saved estimator, optionally only of ``kind`` (see :data:`MODEL_KINDS`).

    Raises
    ------
    UserInputError
        When the folder is missing or holds another kind of model.
    DataError
        When a file of the folder is corrupt, foreign or written by an older sentcast.
    """
    folder = ModelFolder(path)
    if kind is not None:
        folder.check_kind(kind)
    return folder.estimator_class().load(path)  # type: ignore[attr-defined]
