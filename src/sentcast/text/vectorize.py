"""Turn texts into model inputs: a word vocabulary with padding/truncation, and TF-IDF features.

The :class:`Vocabulary` is fitted on training texts only; index 0 is padding, index 1 the
out-of-vocabulary token, then the ``max_words - 2`` most frequent training tokens (ties broken
by first appearance). The tokenizer is any ``str -> list[str]`` callable, normally
:meth:`sentcast.text.preprocess.TextPipeline.tokens`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Literal

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.pipeline import Pipeline

Tokenize = Callable[[str], list[str]]

PAD_TOKEN = "<pad>"
OOV_TOKEN = "<oov>"
PAD_INDEX = 0
OOV_INDEX = 1


def with_ngrams(tokens: Sequence[str], n: int) -> list[str]:
    """``tokens`` with their 2- to ``n``-grams (joined by ``_``), each right after its last word.

    >>> with_ngrams(["a", "b", "c"], 2)
    ['a', 'b', 'a_b', 'c', 'b_c']
    """
    out: list[str] = []
    for i, token in enumerate(tokens):
        out.append(token)
        for size in range(2, n + 1):
            if i + 1 >= size:
                out.append("_".join(tokens[i + 1 - size : i + 1]))
    return out


class Vocabulary:
    """Word -> index map fitted on training texts.

    Parameters
    ----------
    max_words : int
        Size of the index including the padding and OOV entries (50,000 in the KNN-vs-LSTM study).
    min_count : int
        Tokens seen fewer times in training are out of vocabulary.
    """

    def __init__(self, max_words: int = 50_000, min_count: int = 1) -> None:
        if max_words < 3:
            raise ValueError(f"max_words must be >= 3, got {max_words}")
        self.max_words = max_words
        self.min_count = min_count
        self.index_: dict[str, int] = {}

    def fit(self, token_lists: Iterable[Sequence[str]]) -> Vocabulary:
        """Count tokens of the training texts and keep the most frequent ones."""
        counts: Counter[str] = Counter()
        for tokens in token_lists:
            counts.update(tokens)
        kept = [w for w, c in counts.most_common(self.max_words - 2) if c >= self.min_count]
        self.index_ = {PAD_TOKEN: PAD_INDEX, OOV_TOKEN: OOV_INDEX}
        for word in kept:
            self.index_.setdefault(word, len(self.index_))
        return self

    def __len__(self) -> int:
        return len(self.index_)

    def __contains__(self, word: object) -> bool:
        return word in self.index_

    @property
    def words(self) -> list[str]:
        """Words in index order (position ``i`` holds the word of index ``i``)."""
        return list(self.index_)

    def encode(
        self,
        token_lists: Iterable[Sequence[str]],
        max_len: int,
        padding: Literal["pre", "post"] = "pre",
        truncating: Literal["pre", "post"] = "post",
    ) -> np.ndarray:
        """Indices of each token list, padded with 0 or truncated to ``max_len``.

        ``padding="pre"`` puts the zeros before the text (so a recurrent network's last step
        is the last word), ``"post"`` after it. ``truncating="post"`` keeps the first
        ``max_len`` tokens, ``"pre"`` the last ones. Returns an ``int64`` array of shape
        ``(n_texts, max_len)``.
        """
        if not self.index_:
            raise RuntimeError("Vocabulary is not fitted")
        rows = list(token_lists)
        out = np.full((len(rows), max_len), PAD_INDEX, dtype=np.int64)
        for i, tokens in enumerate(rows):
            ids = [self.index_.get(t, OOV_INDEX) for t in tokens]
            ids = ids[:max_len] if truncating == "post" else ids[-max_len:]
            if ids:
                if padding == "pre":
                    out[i, max_len - len(ids) :] = ids
                else:
                    out[i, : len(ids)] = ids
        return out

    def oov_rate(self, token_lists: Iterable[Sequence[str]]) -> float:
        """Share of token occurrences that fall outside the vocabulary (nan without tokens)."""
        total = missing = 0
        for tokens in token_lists:
            total += len(tokens)
            missing += sum(t not in self.index_ for t in tokens)
        return missing / total if total else float("nan")

    def get_state(self) -> dict[str, object]:
        """Plain data for saving (see :meth:`from_state`)."""
        return {"max_words": self.max_words, "min_count": self.min_count, "words": self.words}

    @classmethod
    def from_state(cls, state: dict[str, object]) -> Vocabulary:
        """Rebuild a fitted vocabulary from :meth:`get_state` data."""
        vocab = cls(int(state["max_words"]), int(state["min_count"]))  # type: ignore[call-overload]
        words = state["words"]
        assert isinstance(words, list)
        vocab.index_ = {w: i for i, w in enumerate(words)}
        return vocab


def tfidf_features(
    ngram_max: int = 1, max_features: int | None = None, min_df: int = 1, sublinear_tf: bool = True
) -> Pipeline:
    """``CountVectorizer`` + ``TfidfTransformer`` over already-preprocessed, space-joined text.

    Tokens are the whitespace-separated words of the input (the text pipeline did the
    tokenising), uni- to ``ngram_max``-grams.
    """
    counts = CountVectorizer(
        token_pattern=r"\S+",
        lowercase=False,
        ngram_range=(1, ngram_max),
        max_features=max_features,
        min_df=min_df,
        dtype=np.float32,
    )
    return Pipeline([("counts", counts), ("tfidf", TfidfTransformer(sublinear_tf=sublinear_tf))])
