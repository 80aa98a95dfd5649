"""VADER on a whole batch of texts at once: Arrow splits, NumPy applies the rules.

:class:`ColumnarVader` gives the scores of vaderSentiment 3.3.2's ``polarity_scores`` for many
texts with array operations instead of Python loops over texts and words. Arrow splits the
texts into whitespace-separated tokens (exactly as ``str.split``) and dictionary-encodes them;
each distinct token is cleaned, its emojis replaced by their descriptions and split into words
once, and each distinct word's facts (stripped and lower-cased as ``SentiText`` does: its
valence, all capitals or not, booster, negation, ...) are kept in a table. Cleaning a token
on its own is exact for the pipelines that allow it
(:attr:`~sentcast.text.TextPipeline.cleans_words_alone`, the ``"vader"`` preset among them);
other pipelines clean text by text first.

The rules of ``sentiment_valence`` (negations, "no", boosters, capitals, "never so", "without
doubt", "least") then run on arrays of lexicon words and their three predecessors. Two rules
are left to :meth:`~sentcast.sentiment.vader.FastVaderAnalyzer.scores`, text by text: the
multi-word special cases and booster phrases ("the shit", "kind of", ...: texts where one
starts within three words before a lexicon word or at it) and "but" (the reference's
``_but_check`` finds values with ``list.index``). Sums run in the reference's order, with
CPython's ``sum`` (which compensates rounding from Python 3.12 on), and rounding is Python's
``round``, so scores are identical to the reference (``tests/sentiment/test_vader.py``,
``tests/sentiment/test_vader_columns.py``).
"""

from __future__ import annotations

import string
import sys
from collections.abc import Callable, Iterator
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from vaderSentiment import vaderSentiment as ref  # noqa: N813

from sentcast.sentiment.scorer import SCORE_COLUMNS

if TYPE_CHECKING:
    from sentcast.sentiment.vader import FastVaderAnalyzer

#: CPython's ``sum`` of floats compensates rounding (Neumaier) from 3.12 on.
_COMPENSATED_SUM = sys.version_info >= (3, 12)
_N_SCALAR = ref.N_SCALAR
_C_INCR = ref.C_INCR

# word flags (lower-cased, punctuation-stripped word)
_UPPER = 1 << 0  # isupper()
_IN_LEXICON = 1 << 1
_BOOSTER = 1 << 2
_NEGATED = 1 << 3  # vaderSentiment.negated([word])
_NO = 1 << 4
_NEVER = 1 << 5
_WITHOUT = 1 << 6
_DOUBT = 1 << 7
_SO_THIS = 1 << 8
_OR_NOR = 1 << 9
_LEAST = 1 << 10
_AT_VERY = 1 << 11
_BUT = 1 << 12
_SCORED = 1 << 13  # in the lexicon, not a booster: gets a valence
_PHRASE_FIRST = 1 << 14  # may be the first word of a phrase
_PHRASE_SECOND = 1 << 15  # may be the second word of a phrase
_MARKS = 1 << 16  # has "!" or "?"
_NAMED = {
    "no": _NO,
    "never": _NEVER,
    "without": _WITHOUT,
    "doubt": _DOUBT,
    "so": _SO_THIS,
    "this": _SO_THIS,
    "or": _OR_NOR,
    "nor": _OR_NOR,
    "least": _LEAST,
    "at": _AT_VERY,
    "very": _AT_VERY,
    "but": _BUT,
}
_NEGATE = frozenset(ref.NEGATE)
#: First two words of every multi-word special case and booster phrase.
_PHRASE_STARTS = sorted(
    {tuple(k.split()[:2]) for k in (*ref.SPECIAL_CASES, *ref.BOOSTER_DICT) if " " in k}
)
_FIRST_WORDS = {w: i + 1 for i, w in enumerate(sorted({a for a, _ in _PHRASE_STARTS}))}
_SECOND_WORDS = {w: i + 1 for i, w in enumerate(sorted({b for _, b in _PHRASE_STARTS}))}
_PAIR_BASE = len(_SECOND_WORDS) + 1
_PHRASE_KEYS = np.array(
    [_FIRST_WORDS[a] * _PAIR_BASE + _SECOND_WORDS[b] for a, b in _PHRASE_STARTS]
)
#: Distinct tokens kept before the vocabulary starts again (memory bound, about 150 MB).
_MAX_TOKENS = 500_000


class _Growing:
    """A NumPy column that grows by doubling its capacity."""

    def __init__(self, dtype: Any) -> None:
        self._data = np.zeros(1024, dtype=dtype)
        self.size = 0

    @property
    def values(self) -> np.ndarray:
        return self._data[: self.size]

    def extend(self, values: Any) -> None:
        values = np.asarray(values, dtype=self._data.dtype)
        end = self.size + len(values)
        if end > len(self._data):
            bigger = np.zeros(max(end, 2 * len(self._data)), dtype=self._data.dtype)
            bigger[: self.size] = self.values
            self._data = bigger
        self._data[self.size : end] = values
        self.size = end


class _Vocabulary:
    """Distinct tokens (cleaned, emojis replaced, split into words) and distinct words (facts).

    Parameters
    ----------
    analyzer : FastVaderAnalyzer
        Lexicon and emoji descriptions.
    clean : callable or None
        Cleans one token into space-separated words; ``None`` keeps it as it is.
    """

    def __init__(self, analyzer: FastVaderAnalyzer, clean: Callable[[str], str] | None) -> None:
        self._analyzer = analyzer
        self._clean = clean
        self._reset()

    def _reset(self) -> None:
        self._tokens: dict[str, int] = {}
        self.cleaned: list[str] = []  # per token
        self.first_word = _Growing(np.int64)  # per token: its words are word_rows[first:first+n]
        self.n_words = _Growing(np.int64)
        self.word_rows = _Growing(np.int64)
        self._words: dict[str, int] = {}
        self.valence = _Growing(np.float64)  # per word: lexicon value, NaN when not scored
        self.booster = _Growing(np.float64)  # BOOSTER_DICT value, 0 when not a booster
        self.flags = _Growing(np.uint32)
        self.phrase = _Growing(np.int64)  # codes as a phrase's first and second word
        self.exclamations = _Growing(np.int64)  # "!" in the word
        self.questions = _Growing(np.int64)  # "?" in the word

    def token_rows(self, tokens: list[str]) -> np.ndarray:
        """Row of each token, adding the tokens not seen yet (rows change after a reset)."""
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
                bits |= _UPPER
            if low in lexicon:
                bits |= _IN_LEXICON
            if low in ref.BOOSTER_DICT:
                bits |= _BOOSTER
            if low in _NEGATE or "n't" in low:
                bits |= _NEGATED
            scored = low in lexicon and low not in ref.BOOSTER_DICT
            if scored:
                bits |= _SCORED
            if low in _FIRST_WORDS:
                bits |= _PHRASE_FIRST
            if low in _SECOND_WORDS:
                bits |= _PHRASE_SECOND
            if "!" in token or "?" in token:
                bits |= _MARKS
            valence.append(lexicon[low] if scored else np.nan)
            booster.append(ref.BOOSTER_DICT.get(low, 0.0))
            flags.append(bits)
            phrase.append(_FIRST_WORDS.get(low, 0) * _PAIR_BASE + _SECOND_WORDS.get(low, 0))
        self.valence.extend(valence)
        self.booster.extend(booster)
        self.flags.extend(flags)
        self.phrase.extend(phrase)
        self.exclamations.extend([token.count("!") for token in tokens])
        self.questions.extend([token.count("?") for token in tokens])


class ColumnarVader:
    """Scores of many texts at once, equal to ``polarity_scores`` of each cleaned text.

    Parameters
    ----------
    analyzer : FastVaderAnalyzer
        Lexicon and emoji descriptions; scores the texts the array rules leave out.
    clean : callable, optional
        Cleaning of one whitespace-separated token into space-separated words (such as
        :meth:`TextPipeline.clean <sentcast.text.TextPipeline.clean>` of a pipeline whose
        ``cleans_words_alone`` is true); default none (texts already cleaned).
    """

    def __init__(
        self, analyzer: FastVaderAnalyzer, clean: Callable[[str], str] | None = None
    ) -> None:
        self.analyzer = analyzer
        self._vocabulary = _Vocabulary(analyzer, clean)

    def scores(self, texts: pa.Array) -> np.ndarray:
        """``(n, 4)`` rows ``(neg, neu, pos, compound)``; NaN where a text has no word left.

        Parameters
        ----------
        texts : pyarrow.StringArray
            The texts; nulls give NaN rows.
        """
        lists = pc.utf8_split_whitespace(texts)
        token_offsets = lists.offsets.to_numpy().astype(np.int64)
        token_offsets -= token_offsets[0]
        encoded = pc.dictionary_encode(lists.flatten())
        vocabulary = self._vocabulary
        tokens = vocabulary.token_rows(encoded.dictionary.to_pylist())
        tokens = tokens[encoded.indices.to_numpy()]
        words = _Words(vocabulary, tokens, token_offsets)
        # texts left to the one-by-one scorer: a phrase near a lexicon word, or "but"
        carriers = words.having(_SCORED)
        one_by_one = words.per_text(_near_phrase(words, carriers)) > 0
        one_by_one |= (words.per_text(words.having(_BUT)) > 0) & (words.per_text(carriers) > 0)
        scored = carriers[~one_by_one[words.text_of(carriers)]]
        values = _valences(words, scored)
        marks = words.having(_MARKS)
        punct = _punctuation_emphasis(
            words.per_text(marks, vocabulary.exclamations),
            words.per_text(marks, vocabulary.questions),
        )
        with np.errstate(invalid="ignore"):  # texts without words: 0 / 0, set to NaN below
            out = _score_valence(words.text_of(scored), values, words.counts, punct)
        out[words.counts == 0] = np.nan
        cleaned = vocabulary.cleaned
        for i in np.flatnonzero(one_by_one):
            parts = (cleaned[t] for t in tokens[token_offsets[i] : token_offsets[i + 1]])
            out[i] = self.analyzer.scores(" ".join(part for part in parts if part))
        return out


class _Words:
    """Every word of a batch (tokens expanded into their words): vocabulary row and flags.

    Texts and positions are computed only for the words asked about.
    """

    def __init__(
        self, vocabulary: _Vocabulary, tokens: np.ndarray, token_offsets: np.ndarray
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
        n_upper = self.per_text(self.having(_UPPER))
        self.cap_diff = (n_upper > 0) & (n_upper < self.counts)

    def having(self, flag: int) -> np.ndarray:
        """Indices of the words with ``flag``."""
        return np.flatnonzero(self.flags & flag)

    def text_of(self, at: np.ndarray) -> np.ndarray:
        """Text of the words at ``at``."""
        return np.searchsorted(self.offsets, at, side="right") - 1

    def per_text(self, at: np.ndarray, column: _Growing | None = None) -> np.ndarray:
        """Per text: the number of words at ``at``, or the sum of a vocabulary column over them."""
        weights = None if column is None else column.values[self.rows[at]]
        return np.bincount(self.text_of(at), weights=weights, minlength=len(self.counts))


def _near_phrase(words: _Words, carriers: np.ndarray) -> np.ndarray:
    """The lexicon words (of ``carriers``) where a phrase starts at most three words before,
    or at them."""
    first = words.having(_PHRASE_FIRST)
    first = first[first + 1 < len(words.flags)]
    first = first[(words.flags[first + 1] & _PHRASE_SECOND != 0)]
    first = first[words.text_of(first) == words.text_of(first + 1)]
    phrase = words.vocabulary.phrase.values
    key = phrase[words.rows[first]] // _PAIR_BASE * _PAIR_BASE
    starts = first[np.isin(key + phrase[words.rows[first + 1]] % _PAIR_BASE, _PHRASE_KEYS)]
    reach = (starts[:, None] + np.arange(4)).ravel()  # a start and the three words after it
    origin = np.repeat(starts, 4)
    inside = reach < len(words.flags)
    reach, origin = reach[inside], origin[inside]
    reach = reach[words.text_of(reach) == words.text_of(origin)]
    near = np.zeros(len(words.flags), dtype=bool)
    near[reach] = True
    return carriers[near[carriers]]


def _valences(words: _Words, at: np.ndarray) -> np.ndarray:
    """``sentiment_valence`` of the lexicon words at ``at`` (no phrase near them)."""
    flags = words.flags
    rows = words.rows
    vocabulary = words.vocabulary
    text = words.text_of(at)
    position = at - words.offsets[text]
    cap_diff = words.cap_diff[text]

    def before(d: int, flag: int) -> np.ndarray:
        """Whether the word ``d`` positions earlier exists and has ``flag``."""
        return (position >= d) & (flags[np.maximum(at - d, 0)] & flag != 0)

    lexicon_value = vocabulary.valence.values[rows[at]]
    valence = lexicon_value.copy()
    following_in_lexicon = position < words.counts[text] - 1
    following_in_lexicon &= flags[np.minimum(at + 1, len(flags) - 1)] & _IN_LEXICON != 0
    valence[(flags[at] & _NO != 0) & following_in_lexicon] = 0.0
    after_no = before(1, _NO) | before(2, _NO) | (before(3, _NO) & before(1, _OR_NOR))
    valence = np.where(after_no, lexicon_value * _N_SCALAR, valence)
    capital = (flags[at] & _UPPER != 0) & cap_diff
    valence = np.where(capital, _plus_minus(valence, valence, _C_INCR), valence)
    for start_i in (0, 1, 2):
        d = start_i + 1
        applies = (position >= d) & ~before(d, _IN_LEXICON)
        j = np.maximum(at - d, 0)
        # scalar_inc_dec(words[j], valence, is_cap_diff)
        is_booster = flags[j] & _BOOSTER != 0
        booster = vocabulary.booster.values[rows[j]]
        scalar = np.where(valence < 0, booster * -1, booster)
        capital = is_booster & (flags[j] & _UPPER != 0) & cap_diff
        scalar = np.where(capital, _plus_minus(valence, scalar, _C_INCR), scalar)
        if start_i > 0:
            scalar = np.where(scalar != 0, scalar * (0.95 if start_i == 1 else 0.9), scalar)
        changed = _negation_check(valence + scalar, start_i, before)
        valence = np.where(applies, changed, valence)
    # _least_check
    least = before(1, _LEAST) & ~before(1, _IN_LEXICON)
    negate = least & (((position > 1) & ~before(2, _AT_VERY)) | (position == 1))
    return np.where(negate, valence * _N_SCALAR, valence)


def _plus_minus(sign_of: np.ndarray, value: np.ndarray, step: float) -> np.ndarray:
    """``value + step`` where ``sign_of > 0``, else ``value - step`` (the capitals rule)."""
    return np.where(sign_of > 0, value + step, value - step)


def _negation_check(valence: np.ndarray, start_i: int, before: Any) -> np.ndarray:
    """``_negation_check`` for the word ``start_i + 1`` positions before each lexicon word."""
    if start_i == 0:
        return np.where(before(1, _NEGATED), valence * _N_SCALAR, valence)
    if start_i == 1:
        boost = before(2, _NEVER) & before(1, _SO_THIS)
        keep = before(2, _WITHOUT) & before(1, _DOUBT)
        negate = before(2, _NEGATED)
    else:
        boost = (before(3, _NEVER) & before(2, _SO_THIS)) | before(1, _SO_THIS)
        keep = before(3, _WITHOUT) & (before(2, _DOUBT) | before(1, _DOUBT))
        negate = before(3, _NEGATED)
    return np.where(
        boost,
        valence * 1.25,
        np.where(keep, valence, np.where(negate, valence * _N_SCALAR, valence)),
    )


def _punctuation_emphasis(exclamations: np.ndarray, questions: np.ndarray) -> np.ndarray:
    """``_punctuation_emphasis``: "!" (up to 4) and "?" (2 or more) amplifiers."""
    ep = np.minimum(exclamations, 4) * 0.292
    return ep + np.where(questions > 1, np.where(questions <= 3, questions * 0.18, 0.96), 0.0)


def _by_rank(owner: np.ndarray, values: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(groups, values)`` of every group's first value, then of its second value, ...

    ``owner`` is the ascending group of each value; each step has a group at most once.
    """
    rank = np.arange(len(owner)) - np.searchsorted(owner, owner)
    order = np.argsort(rank, kind="stable")
    bounds = np.searchsorted(rank[order], np.arange(rank.max(initial=-1) + 2))
    for k in range(len(bounds) - 1):
        at = order[bounds[k] : bounds[k + 1]]
        yield owner[at], values[at]


def builtin_sums(owner: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """``float(sum(group))`` of every group of ``values``, as CPython's ``sum`` computes it.

    Parameters
    ----------
    owner : numpy.ndarray
        Ascending group of each value (groups without values sum to 0.0).
    values : numpy.ndarray
        Float64 values, in list order within each group.
    n_groups : int
        Number of groups.

    Notes
    -----
    ``sum`` adds floats one by one from an int 0; from Python 3.12 on it also carries the
    rounding error of each addition (Neumaier) and adds it at the end.
    """
    total = np.zeros(n_groups)
    compensation = np.zeros(n_groups)
    for k, (group, x) in enumerate(_by_rank(owner, values)):
        if k == 0:
            total[group] = 0.0 + x
            continue
        before = total[group]
        after = before + x
        if _COMPENSATED_SUM:
            compensation[group] += np.where(
                np.abs(before) >= np.abs(x), (before - after) + x, (x - after) + before
            )
        total[group] = after
    fix = (compensation != 0) & np.isfinite(compensation)
    total[fix] += compensation[fix]
    return total


def _score_valence(
    owner: np.ndarray, values: np.ndarray, n_words: np.ndarray, punct: np.ndarray
) -> np.ndarray:
    """``score_valence`` of every text from the valences of its lexicon words.

    ``owner`` (ascending) is the text of each valence in ``values``; the other words of a
    text have valence 0. Sums run valence by valence in word order, as the reference's loops.
    """
    n_texts = len(n_words)
    total = builtin_sums(owner, values, n_texts)
    pos_sum = np.zeros(n_texts)  # _sift_sentiment_scores
    neg_sum = np.zeros(n_texts)
    neutral = n_words - np.bincount(owner, minlength=n_texts)
    for text, x in _by_rank(owner, values):
        up, down = x > 0, x < 0
        pos_sum[text[up]] += x[up] + 1.0
        neg_sum[text[down]] += x[down] - 1.0
        neutral[text[x == 0]] += 1

    total = np.where(total > 0, total + punct, np.where(total < 0, total - punct, total))
    compound = np.clip(total / np.sqrt(total * total + 15), -1.0, 1.0)
    abs_neg = np.abs(neg_sum)
    pos_more = pos_sum > abs_neg
    neg_more = pos_sum < abs_neg
    pos_sum = np.where(pos_more, pos_sum + punct, pos_sum)
    neg_sum = np.where(neg_more, neg_sum - punct, neg_sum)
    denominator = pos_sum + np.abs(neg_sum) + neutral
    shares = np.abs(np.stack([neg_sum, neutral, pos_sum]) / denominator)
    out = np.empty((n_texts, len(SCORE_COLUMNS)))
    out[:, :3] = _round(shares.T, 3)
    out[:, 3] = _round(compound, 4)
    return out


def _round(values: np.ndarray, digits: int) -> np.ndarray:
    """Python's ``round(value, digits)`` of every value (correctly rounded, ties to even).

    ``rint(value * 10**digits) / 10**digits`` is the same unless the product's rounding moved
    it across a half (``value * 10**digits`` within a hair of ``k + 0.5``): those few values
    are rounded by Python.
    """
    scale = 10.0**digits
    scaled = values * scale
    out = np.rint(scaled) / scale
    near_half = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    for index in zip(*np.nonzero(near_half), strict=True):
        out[index] = round(float(values[index]), digits)
    return out
