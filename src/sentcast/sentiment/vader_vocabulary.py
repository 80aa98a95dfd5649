"""The words of a batch for the columnar VADER: each distinct token and word handled once.

:class:`Vocabulary` keeps, per worker, every distinct whitespace-separated token seen so far:
cleaned, its emojis replaced by their descriptions and split into words once; and every
distinct word's facts (stripped and lower-cased as vaderSentiment 3.3.2's ``SentiText`` does:
its valence, booster value, "!" and "?" counts and flags such as all capitals, in the lexicon,
booster, negation, "no", "never", ... and whether it may start a multi-word phrase).
:class:`BatchWords` expands a batch's tokens into their words and looks up those facts, for
the rules of :mod:`sentcast.sentiment.vader_columns`.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any

import numpy as np
from vaderSentiment import vaderSentiment as ref  # noqa: N813

if TYPE_CHECKING:
    from sentcast.sentiment.vader import FastVaderAnalyzer

# word flags (lower-cased, punctuation-stripped word)
UPPER = 1 << 0  # isupper()
IN_LEXICON = 1 << 1
BOOSTER = 1 << 2
NEGATED = 1 << 3  # vaderSentiment.negated([word])
NO = 1 << 4
NEVER = 1 << 5
WITHOUT = 1 << 6
DOUBT = 1 << 7
SO_THIS = 1 << 8
OR_NOR = 1 << 9
LEAST = 1 << 10
AT_VERY = 1 << 11
BUT = 1 << 12
SCORED = 1 << 13  # in the lexicon, not a booster: gets a valence
PHRASE_FIRST = 1 << 14  # may be the first word of a phrase
PHRASE_SECOND = 1 << 15  # may be the second word of a phrase
MARKS = 1 << 16  # has "!" or "?"
_NAMED = {
    "no": NO,
    "never": NEVER,
    "without": WITHOUT,
    "doubt": DOUBT,
    "so": SO_THIS,
    "this": SO_THIS,
    "or": OR_NOR,
    "nor": OR_NOR,
    "least": LEAST,
    "at": AT_VERY,
    "very": AT_VERY,
    "but": BUT,
}
_NEGATE = frozenset(ref.NEGATE)
#: First two words of every multi-word special case and booster phrase.
_PHRASE_STARTS = sorted(
    {tuple(k.split()[:2]) for k in (*ref.SPECIAL_CASES, *ref.BOOSTER_DICT) if " " in k}
)
_FIRST_WORDS = {w: i + 1 for i, w in enumerate(sorted({a for a, _ in _PHRASE_STARTS}))}
_SECOND_WORDS = {w: i + 1 for i, w in enumerate(sorted({b for _, b in _PHRASE_STARTS}))}
#: A word's phrase code is ``first * PAIR_BASE + second`` (its codes as a phrase's first and
#: second word, 0 when it is none).
PAIR_BASE = len(_SECOND_WORDS) + 1
#: Phrase code of every phrase start's first word with its second word's.
PHRASE_KEYS = np.array([_FIRST_WORDS[a] * PAIR_BASE + _SECOND_WORDS[b] for a, b in _PHRASE_STARTS])
#: Distinct tokens kept before the vocabulary starts again (memory bound, about 150 MB).
_MAX_TOKENS = 500_000


class GrowingColumn:
    """A NumPy column that grows by doubling its capacity.

    Parameters
    ----------
    dtype : numpy.dtype or type
        Type of the values.
    """

    def __init__(self, dtype: Any) -> None:
        self._data = np.zeros(1024, dtype=dtype)
        self.size = 0

    @property
    def values(self) -> np.ndarray:
        """The values added so far (a view, valid until the next :meth:`extend`)."""
        return self._data[: self.size]

    def extend(self, values: Any) -> None:
        """Append ``values`` (array-like, converted to the column's type)."""
        values = np.asarray(values, dtype=self._data.dtype)
        end = self.size + len(values)
        if end > len(self._data):
            bigger = np.zeros(max(end, 2 * len(self._data)), dtype=self._data.dtype)
            bigger[: self.size] = self.values
            self._data = bigger
        self._data[self.size : end] = values
        self.size = end


class Vocabulary:
    """Distinct tokens (cleaned, emojis replaced, split into words) and distinct words (facts).

    Parameters
    ----------
    analyzer : FastVaderAnalyzer
        Lexicon and emoji descriptions.
    clean : callable or None
        Cleans one token into space-separated words; ``None`` keeps it as it is.

    Attributes
    ----------
    cleaned : list of str
        Each token, cleaned.
    first_word, n_words : GrowingColumn
        Per token: its words are ``word_rows[first_word : first_word + n_words]``.
    word_rows : GrowingColumn
        Word row of each token's words, token after token.
    valence, booster, flags, phrase, exclamations, questions : GrowingColumn
        Per word: lexicon value (NaN when not scored), ``BOOSTER_DICT`` value (0 when not a
        booster), flags (:data:`UPPER`, ...), phrase code (see :data:`PAIR_BASE`), number of
        "!" and of "?".
    """

    def __init__(self, analyzer: FastVaderAnalyzer, clean: Callable[[str], str] | None) -> None:
        self._analyzer = analyzer
        self._clean = clean
        self._reset()

    def _reset(self) -> None:
        self._tokens: dict[str, int] = {}
        self.cleaned: list[str] = []  # per token
        # per token: its words are word_rows[first:first+n]
        self.first_word = GrowingColumn(np.int64)
        self.n_words = GrowingColumn(np.int64)
        self.word_rows = GrowingColumn(np.int64)
        self._words: dict[str, int] = {}
        self.valence = GrowingColumn(np.float64)  # per word: lexicon value, NaN when not scored
        self.booster = GrowingColumn(np.float64)  # BOOSTER_DICT value, 0 when not a booster
        self.flags = GrowingColumn(np.uint32)
        self.phrase = GrowingColumn(np.int64)  # codes as a phrase's first and second word
        self.exclamations = GrowingColumn(np.int64)  # "!" in the word
        self.questions = GrowingColumn(np.int64)  # "?" in the word

    def token_rows(self, tokens: list[str]) -> np.ndarray:
        """Row of each token, adding the tokens not seen yet (rows change after a reset).

        Parameters
        ----------
        tokens : list of str
            Distinct tokens.

        Returns
        -------
        numpy.ndarray
            Int64 row of each token in :attr:`cleaned`, :attr:`first_word` and :attr:`n_words`.
        """
        if len(self._tokens) + len(tokens) > _MAX_TOKENS:
            self._reset()
        rows = np.fromiter(map(self._tokens.get, tokens, repeat(-1)), np.int64, len(tokens))
        new = np.flatnonzero(rows < 0)
        if new.size:
            rows[new] = self._add_tokens([tokens[i] for i in new])
        return rows

    def _add_tokens(self, tokens: list[str]) -> np.ndarray:
        start = len(self.cleaned)
        self._tokens.update(zip(tokens, range(start, start + len(tokens)), strict=True))
        cleaned = tokens if self._clean is None else list(map(self._clean, tokens))
        self.cleaned += cleaned
        replace = self._analyzer.replace_emojis
        parts = [replace(c).split() for c in cleaned]
        n_words = np.fromiter(map(len, parts), np.int64, len(parts))
        self.first_word.extend(self.word_rows.size + np.cumsum(n_words) - n_words)
        self.n_words.extend(n_words)
        self.word_rows.extend(self._word_rows(list(chain.from_iterable(parts))))
        return np.arange(start, start + len(tokens))

    def _word_rows(self, words: list[str]) -> np.ndarray:
        rows = np.fromiter(map(self._words.get, words, repeat(-1)), np.int64, len(words))
        new = list(dict.fromkeys(words[i] for i in np.flatnonzero(rows < 0)))
        if new:
            start = len(self._words)
            self._words.update(zip(new, range(start, start + len(new)), strict=True))
            self._add_words(new)
            rows = np.fromiter(map(self._words.__getitem__, words), np.int64, len(words))
        return rows

    def _add_words(self, tokens: list[str]) -> None:
        lexicon = self._analyzer.lexicon
        valence, booster, flags, phrase = [], [], [], []
        for token in tokens:
            stripped = token.strip(string.punctuation)
            word = token if len(stripped) <= 2 else stripped
            low = word.lower()
            bits = _NAMED.get(low, 0)
            if word.isupper():
                bits |= UPPER
            if low in lexicon:
                bits |= IN_LEXICON
            if low in ref.BOOSTER_DICT:
                bits |= BOOSTER
            if low in _NEGATE or "n't" in low:
                bits |= NEGATED
            scored = low in lexicon and low not in ref.BOOSTER_DICT
            if scored:
                bits |= SCORED
            if low in _FIRST_WORDS:
                bits |= PHRASE_FIRST
            if low in _SECOND_WORDS:
                bits |= PHRASE_SECOND
            if "!" in token or "?" in token:
                bits |= MARKS
            valence.append(lexicon[low] if scored else np.nan)
            booster.append(ref.BOOSTER_DICT.get(low, 0.0))
            flags.append(bits)
            phrase.append(_FIRST_WORDS.get(low, 0) * PAIR_BASE + _SECOND_WORDS.get(low, 0))
        self.valence.extend(valence)
        self.booster.extend(booster)
        self.flags.extend(flags)
        self.phrase.extend(phrase)
        self.exclamations.extend([token.count("!") for token in tokens])
        self.questions.extend([token.count("?") for token in tokens])


class BatchWords:
    """Every word of a batch (tokens expanded into their words): vocabulary row and flags.

    Texts and positions are computed only for the words asked about.

    Parameters
    ----------
    vocabulary : Vocabulary
        Holds the batch's tokens.
    tokens : numpy.ndarray
        Vocabulary row of every token of the batch, text after text.
    token_offsets : numpy.ndarray
        Text ``i`` has the tokens ``tokens[token_offsets[i] : token_offsets[i + 1]]``.

    Attributes
    ----------
    rows, flags : numpy.ndarray
        Per word: its vocabulary row and flags.
    offsets, counts : numpy.ndarray
        Text ``i`` has the words ``offsets[i] : offsets[i + 1]``, ``counts[i]`` of them.
    cap_diff : numpy.ndarray
        Per text: some of its words, not all, are in capitals (``is_cap_diff``).
    """

    def __init__(
        self, vocabulary: Vocabulary, tokens: np.ndarray, token_offsets: np.ndarray
    ) -> None:
        self.vocabulary = vocabulary
        n_words = vocabulary.n_words.values[tokens]
        first = vocabulary.first_word.values[tokens]
        ends = np.cumsum(n_words)
        if (n_words == 1).all():
            self.rows = vocabulary.word_rows.values[first]
        else:  # expand each token into its words
            index = np.repeat(first - (ends - n_words), n_words)
            index += np.arange(len(index))
            self.rows = vocabulary.word_rows.values[index]
        self.offsets = np.concatenate([[0], ends])[token_offsets]  # text i: offsets[i:i+2]
        self.counts = np.diff(self.offsets)
        self.flags = vocabulary.flags.values[self.rows]
        n_upper = self.per_text(self.having(UPPER))
        self.cap_diff = (n_upper > 0) & (n_upper < self.counts)

    def having(self, flag: int) -> np.ndarray:
        """Indices of the words with ``flag``."""
        return np.flatnonzero(self.flags & flag)

    def text_of(self, at: np.ndarray) -> np.ndarray:
        """Text of the words at ``at``."""
        return np.searchsorted(self.offsets, at, side="right") - 1

    def per_text(self, at: np.ndarray, column: GrowingColumn | None = None) -> np.ndarray:
        """Per text: the number of words at ``at``, or the sum of a vocabulary column over them."""
        weights = None if column is None else column.values[self.rows[at]]
        return np.bincount(self.text_of(at), weights=weights, minlength=len(self.counts))
