"""VADER on a whole batch of texts at once: Arrow splits, NumPy applies the rules.

:class:`ColumnarVader` gives the scores of vaderSentiment 3.3.2's ``polarity_scores`` for many
texts with array operations instead of Python loops over texts and words. Arrow splits the
texts into whitespace-separated tokens (exactly as ``str.split``) and dictionary-encodes them;
each distinct token is cleaned, its emojis replaced by their descriptions and split into words
once, and each distinct word's facts (stripped and lower-cased as ``SentiText`` does: its
valence, all capitals or not, booster, negation, ...) are kept in a table
(:class:`~sentcast.sentiment.vader_vocabulary.Vocabulary`). Cleaning a token on its own is
exact for the pipelines that allow it (:attr:`~sentcast.text.TextPipeline.cleans_words_alone`,
the ``"vader"`` preset among them); other pipelines clean text by text first.

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

import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from vaderSentiment import vaderSentiment as ref  # noqa: N813

from sentcast.sentiment.scorer import SCORE_COLUMNS
from sentcast.sentiment.vader_vocabulary import (
    AT_VERY,
    BOOSTER,
    BUT,
    DOUBT,
    IN_LEXICON,
    LEAST,
    MARKS,
    NEGATED,
    NEVER,
    NO,
    OR_NOR,
    PAIR_BASE,
    PHRASE_FIRST,
    PHRASE_KEYS,
    PHRASE_SECOND,
    SCORED,
    SO_THIS,
    UPPER,
    WITHOUT,
    BatchWords,
    Vocabulary,
)

if TYPE_CHECKING:
    from sentcast.sentiment.vader import FastVaderAnalyzer

#: CPython's ``sum`` of floats compensates rounding (Neumaier) from 3.12 on.
_COMPENSATED_SUM = sys.version_info >= (3, 12)
_N_SCALAR = ref.N_SCALAR
_C_INCR = ref.C_INCR


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
        self._vocabulary = Vocabulary(analyzer, clean)

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
        words = BatchWords(vocabulary, tokens, token_offsets)
        # texts left to the one-by-one scorer: a phrase near a lexicon word, or "but"
        carriers = words.having(SCORED)
        one_by_one = words.per_text(_near_phrase(words, carriers)) > 0
        one_by_one |= (words.per_text(words.having(BUT)) > 0) & (words.per_text(carriers) > 0)
        scored = carriers[~one_by_one[words.text_of(carriers)]]
        values = _valences(words, scored)
        marks = words.having(MARKS)
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


def _near_phrase(words: BatchWords, carriers: np.ndarray) -> np.ndarray:
    """The lexicon words (of ``carriers``) where a phrase starts at most three words before,
    or at them."""
    first = words.having(PHRASE_FIRST)
    first = first[first + 1 < len(words.flags)]
    first = first[(words.flags[first + 1] & PHRASE_SECOND != 0)]
    first = first[words.text_of(first) == words.text_of(first + 1)]
    phrase = words.vocabulary.phrase.values
    key = phrase[words.rows[first]] // PAIR_BASE * PAIR_BASE
    starts = first[np.isin(key + phrase[words.rows[first + 1]] % PAIR_BASE, PHRASE_KEYS)]
    reach = (starts[:, None] + np.arange(4)).ravel()  # a start and the three words after it
    origin = np.repeat(starts, 4)
    inside = reach < len(words.flags)
    reach, origin = reach[inside], origin[inside]
    reach = reach[words.text_of(reach) == words.text_of(origin)]
    near = np.zeros(len(words.flags), dtype=bool)
    near[reach] = True
    return carriers[near[carriers]]


def _valences(words: BatchWords, at: np.ndarray) -> np.ndarray:
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
    following_in_lexicon &= flags[np.minimum(at + 1, len(flags) - 1)] & IN_LEXICON != 0
    valence[(flags[at] & NO != 0) & following_in_lexicon] = 0.0
    after_no = before(1, NO) | before(2, NO) | (before(3, NO) & before(1, OR_NOR))
    valence = np.where(after_no, lexicon_value * _N_SCALAR, valence)
    capital = (flags[at] & UPPER != 0) & cap_diff
    valence = np.where(capital, _plus_minus(valence, valence, _C_INCR), valence)
    for start_i in (0, 1, 2):
        d = start_i + 1
        applies = (position >= d) & ~before(d, IN_LEXICON)
        j = np.maximum(at - d, 0)
        # scalar_inc_dec(words[j], valence, is_cap_diff)
        is_booster = flags[j] & BOOSTER != 0
        booster = vocabulary.booster.values[rows[j]]
        scalar = np.where(valence < 0, booster * -1, booster)
        capital = is_booster & (flags[j] & UPPER != 0) & cap_diff
        scalar = np.where(capital, _plus_minus(valence, scalar, _C_INCR), scalar)
        if start_i > 0:
            scalar = np.where(scalar != 0, scalar * (0.95 if start_i == 1 else 0.9), scalar)
        changed = _negation_check(valence + scalar, start_i, before)
        valence = np.where(applies, changed, valence)
    # _least_check
    least = before(1, LEAST) & ~before(1, IN_LEXICON)
    negate = least & (((position > 1) & ~before(2, AT_VERY)) | (position == 1))
    return np.where(negate, valence * _N_SCALAR, valence)


def _plus_minus(sign_of: np.ndarray, value: np.ndarray, step: float) -> np.ndarray:
    """``value + step`` where ``sign_of > 0``, else ``value - step`` (the capitals rule)."""
    return np.where(sign_of > 0, value + step, value - step)


def _negation_check(valence: np.ndarray, start_i: int, before: Any) -> np.ndarray:
    """``_negation_check`` for the word ``start_i + 1`` positions before each lexicon word."""
    if start_i == 0:
        return np.where(before(1, NEGATED), valence * _N_SCALAR, valence)
    if start_i == 1:
        boost = before(2, NEVER) & before(1, SO_THIS)
        keep = before(2, WITHOUT) & before(1, DOUBT)
        negate = before(2, NEGATED)
    else:
        boost = (before(3, NEVER) & before(2, SO_THIS)) | before(1, SO_THIS)
        keep = before(3, WITHOUT) & (before(2, DOUBT) | before(1, DOUBT))
        negate = before(3, NEGATED)
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
