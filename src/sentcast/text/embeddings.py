"""Pre-trained word vectors as an embedding matrix aligned with a :class:`Vocabulary`.

* GloVe text files (``word v1 v2 ...``, no header) are streamed line by line and only the
  words of the vocabulary are kept, so the full 400k-word file costs memory for the
  vocabulary only.
* word2vec files are read with gensim ``KeyedVectors.load_word2vec_format`` (``.bin`` binary
  word2vec format, anything else the text word2vec format with its header line). gensim's native
  ``.kv`` format is a pickle and is refused: loading it could run code from the file.
* Without a file, :func:`train_word2vec` trains gensim ``Word2Vec`` on the training tokens.

Rows of words without a vector are drawn from ``N(0, 0.1^2)`` (seeded); the padding row is zero.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sentcast.errors import DataError, UserInputError
from sentcast.text.vectorize import OOV_INDEX, PAD_INDEX, Vocabulary

logger = logging.getLogger(__name__)

_INIT_SCALE = 0.1


@dataclass
class EmbeddingMatrix:
    """Vectors for every vocabulary index and how many words had a pre-trained vector.

    Attributes
    ----------
    vectors : numpy.ndarray
        ``float32`` array of shape ``(len(vocab), dim)``; row ``i`` belongs to index ``i``.
    found : int
        Vocabulary words (padding and OOV entries excluded) with a pre-trained vector.
    source : str
        Where the vectors came from.
    """

    vectors: np.ndarray
    found: int
    source: str

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
    logger.info("%s: %d of %d vocabulary words found", p, len(filled), len(vocab) - 2)
    return EmbeddingMatrix(matrix, len(filled), str(p))


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
    matrix = _empty_matrix(vocab, int(vectors.shape[1]), seed)
    found = 0
    for word, idx in vocab.index_.items():
        if idx in (PAD_INDEX, OOV_INDEX) or word not in key_to_index:
            continue
        matrix[idx] = vectors[key_to_index[word]]
        found += 1
    return EmbeddingMatrix(matrix, found, source)


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
    """Load ``path`` as ``"glove"`` or ``"word2vec"``; ``"auto"`` picks word2vec for ``.kv``
    (refused, see :func:`load_word2vec`), ``.bin`` and files whose first line is a
    ``count dim`` header, GloVe otherwise."""
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
