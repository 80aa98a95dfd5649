"""An exact, faster port of vaderSentiment 3.3.2's ``polarity_scores`` and the VADER scorer.

:class:`FastVaderAnalyzer` subclasses vaderSentiment's ``SentimentIntensityAnalyzer`` and
reuses the package's lexicons, constants, ``normalize``, ``scalar_inc_dec``, ``_but_check``,
``_punctuation_emphasis`` and ``_sift_sentiment_scores``. It only removes the reference's
redundant work: the reference lower-cases the whole word list inside every negation and idiom
check (quadratic in the text length), builds the emoji-free text one character at a time and
looks up every token afresh; here per-token facts are cached and texts without any lexicon
word skip the rule checks. Every floating-point operation is done in
the reference's order, so scores are identical (checked against the reference on thousands
of real texts in ``tests/sentiment/test_vader.py``).

:class:`VaderScorer` cleans and scores whole batches with
:class:`~sentcast.sentiment.vader_columns.ColumnarVader`, which leaves only the texts with
multi-word phrases or "but" to :class:`FastVaderAnalyzer`.
"""

from __future__ import annotations

import math
import string
from collections.abc import Sequence
from itertools import compress
from typing import Any

import numpy as np
import pyarrow as pa
from vaderSentiment import vaderSentiment as ref  # noqa: N813

from sentcast.sentiment.scorer import SCORE_COLUMNS
from sentcast.sentiment.vader_columns import ColumnarVader
from sentcast.text.preprocess import TextPipeline

_NEGATE = frozenset(ref.NEGATE)
_SO_THIS = ("so", "this")
_OR_NOR = ("or", "nor")
_TOKEN_CACHE_SIZE = 500_000
_NAN_ROW = (math.nan,) * len(SCORE_COLUMNS)


def _negated(word: str) -> bool:
    """``vaderSentiment.negated([word])`` for one lower-case word."""
    return word in _NEGATE or "n't" in word


class FastVaderAnalyzer(ref.SentimentIntensityAnalyzer):
    """``SentimentIntensityAnalyzer`` with a faster, score-identical :meth:`scores`.

    ``polarity_scores`` (the reference method) is inherited unchanged.
    """

    def __init__(self) -> None:
        super().__init__()
        # the reference replaces character by character: only one-character keys can match
        self.emoji_table = {ord(c): " " + d for c, d in self.emojis.items() if len(c) == 1}
        self._tokens: dict[str, tuple[str, str, bool, bool]] = {}

    def replace_emojis(self, text: str) -> str:
        """``text`` with every emoji replaced by a space and its description.

        The reference puts the space only where the emoji does not follow a space or start the
        text; the extra spaces change neither the words (``str.split``) nor the "!" and "?"
        counts, which is all that scoring reads.
        """
        return text if text.isascii() else text.translate(self.emoji_table)

    def _token(self, token: str) -> tuple[str, str, bool, bool]:
        """Per-token facts, cached: the word as ``SentiText`` strips it, its lower case,
        ``isupper()``, and whether it carries valence (in the lexicon, not a booster)."""
        info = self._tokens.get(token)
        if info is None:
            stripped = token.strip(string.punctuation)
            word = token if len(stripped) <= 2 else stripped
            low = word.lower()
            info = (word, low, word.isupper(), low in self.lexicon and low not in ref.BOOSTER_DICT)
            if len(self._tokens) >= _TOKEN_CACHE_SIZE:
                self._tokens.clear()
            self._tokens[token] = info
        return info

    def scores(self, text: str) -> tuple[float, float, float, float]:
        """``(neg, neu, pos, compound)``, equal to ``polarity_scores(text)``."""
        text = self.replace_emojis(text)
        get = self._tokens.get
        infos = [get(t) or self._token(t) for t in text.split()]
        if not infos:
            return 0.0, 0.0, 0.0, 0.0
        words, lows, uppers, carries = zip(*infos, strict=True)
        if not any(carries):
            # every valence is 0: score_valence gives neu = n / n and zeros elsewhere
            return 0.0, 1.0, 0.0, 0.0
        n = len(words)
        is_cap_diff = 0 < n - sum(uppers) < n
        sentiments: list[float] = [0] * n
        for i in compress(range(n), carries):
            if not (i < n - 1 and lows[i] == "kind" and lows[i + 1] == "of"):
                sentiments[i] = self._valence(words, lows, uppers[i], i, is_cap_diff)
        if "but" in lows:
            sentiments = self._but_check(words, sentiments)
        return self._score_valence(sentiments, text)

    def _score_valence(
        self, sentiments: list[float], text: str
    ) -> tuple[float, float, float, float]:
        """``score_valence`` for a non-empty list, returning a tuple instead of a dict."""
        sum_s = float(sum(sentiments))
        punct_emph_amplifier = self._punctuation_emphasis(text)
        if sum_s > 0:
            sum_s += punct_emph_amplifier
        elif sum_s < 0:
            sum_s -= punct_emph_amplifier
        compound = ref.normalize(sum_s)
        pos_sum, neg_sum, neu_count = self._sift_sentiment_scores(sentiments)
        if pos_sum > math.fabs(neg_sum):
            pos_sum += punct_emph_amplifier
        elif pos_sum < math.fabs(neg_sum):
            neg_sum -= punct_emph_amplifier
        total = pos_sum + math.fabs(neg_sum) + neu_count
        return (
            round(math.fabs(neg_sum / total), 3),
            round(math.fabs(neu_count / total), 3),
            round(math.fabs(pos_sum / total), 3),
            round(compound, 4),
        )

    def _valence(
        self, words: Sequence[str], lows: Sequence[str], is_upper: bool, i: int, is_cap_diff: bool
    ) -> float:
        """``sentiment_valence`` for a lexicon word at position ``i``."""
        lexicon = self.lexicon
        n = len(lows)
        lw = lows[i]
        valence = lexicon[lw]
        if lw == "no" and i != n - 1 and lows[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lows[i - 1] == "no")
            or (i > 1 and lows[i - 2] == "no")
            or (i > 2 and lows[i - 3] == "no" and lows[i - 1] in _OR_NOR)
        ):
            valence = lexicon[lw] * ref.N_SCALAR
        if is_upper and is_cap_diff:
            if valence > 0:
                valence += ref.C_INCR
            else:
                valence -= ref.C_INCR
        for start_i in range(3):
            j = i - (start_i + 1)
            if i > start_i and lows[j] not in lexicon:
                s = ref.scalar_inc_dec(words[j], valence, is_cap_diff)
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = _negation_check(valence, lows, start_i, i)
                if start_i == 2:
                    valence = _special_idioms_check(valence, lows, i)
        return _least_check(valence, lows, i, lexicon)


def _negation_check(valence: float, lows: Sequence[str], start_i: int, i: int) -> float:
    """``SentimentIntensityAnalyzer._negation_check`` on a pre-lower-cased word list."""
    if start_i == 0:
        if _negated(lows[i - 1]):
            valence = valence * ref.N_SCALAR
    elif start_i == 1:
        if lows[i - 2] == "never" and lows[i - 1] in _SO_THIS:
            valence = valence * 1.25
        elif lows[i - 2] == "without" and lows[i - 1] == "doubt":
            pass
        elif _negated(lows[i - 2]):
            valence = valence * ref.N_SCALAR
    else:
        if (lows[i - 3] == "never" and lows[i - 2] in _SO_THIS) or lows[i - 1] in _SO_THIS:
            valence = valence * 1.25
        elif lows[i - 3] == "without" and (lows[i - 2] == "doubt" or lows[i - 1] == "doubt"):
            pass
        elif _negated(lows[i - 3]):
            valence = valence * ref.N_SCALAR
    return valence


def _special_idioms_check(valence: float, lows: Sequence[str], i: int) -> float:
    """``SentimentIntensityAnalyzer._special_idioms_check`` on a pre-lower-cased word list."""
    special = ref.SPECIAL_CASES
    booster = ref.BOOSTER_DICT
    onezero = f"{lows[i - 1]} {lows[i]}"
    twoonezero = f"{lows[i - 2]} {lows[i - 1]} {lows[i]}"
    twoone = f"{lows[i - 2]} {lows[i - 1]}"
    threetwoone = f"{lows[i - 3]} {lows[i - 2]} {lows[i - 1]}"
    threetwo = f"{lows[i - 3]} {lows[i - 2]}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in special:
            valence = special[seq]
            break
    n = len(lows)
    if n - 1 > i:
        zeroone = f"{lows[i]} {lows[i + 1]}"
        if zeroone in special:
            valence = special[zeroone]
    if n - 1 > i + 1:
        zeroonetwo = f"{lows[i]} {lows[i + 1]} {lows[i + 2]}"
        if zeroonetwo in special:
            valence = special[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in booster:
            valence = valence + booster[n_gram]
    return valence


def _least_check(valence: float, lows: Sequence[str], i: int, lexicon: dict[str, float]) -> float:
    """``SentimentIntensityAnalyzer._least_check`` on a pre-lower-cased word list."""
    if i > 1 and lows[i - 1] not in lexicon and lows[i - 1] == "least":
        if lows[i - 2] != "at" and lows[i - 2] != "very":
            valence = valence * ref.N_SCALAR
    elif i > 0 and lows[i - 1] not in lexicon and lows[i - 1] == "least":
        valence = valence * ref.N_SCALAR
    return valence


class VaderScorer:
    """VADER scores of texts cleaned by a :class:`~sentcast.text.TextPipeline`.

    Parameters
    ----------
    pipeline : TextPipeline, optional
        Cleaning applied before scoring; default the ``"vader"`` preset (URLs, mentions and
        ``RT`` removed; case, punctuation and emoticons kept, as VADER needs them).

    Notes
    -----
    Implements the :class:`~sentcast.sentiment.scorer.Scorer` protocol. Texts that are empty
    after cleaning get a row of NaN. A batch is scored all at once
    (:class:`~sentcast.sentiment.vader_columns.ColumnarVader`): each distinct word is cleaned
    and looked up once per worker; texts that contain lone surrogates (not encodable as
    Arrow strings) are scored one by one.
    """

    name = "vader"
    accepts_arrow = True  # score() takes a pyarrow string array too (BatchScorer sends one)

    def __init__(self, pipeline: TextPipeline | None = None) -> None:
        self.pipeline = pipeline if pipeline is not None else TextPipeline.preset("vader")
        self._columns: ColumnarVader | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"pipeline": self.pipeline}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["pipeline"])  # type: ignore[misc]

    def score(self, texts: Sequence[str] | pa.Array) -> np.ndarray:
        """Scores as a float64 array of shape ``(len(texts), 4)``: neg, neu, pos, compound.

        ``texts`` may be a sequence of strings or a pyarrow string array (nulls give NaN).
        """
        if self._columns is None:
            clean = self.pipeline.clean if self.pipeline.cleans_words_alone else None
            self._columns = ColumnarVader(FastVaderAnalyzer(), clean)
        try:
            column = texts if isinstance(texts, pa.Array) else pa.array(texts, pa.string())
        except (UnicodeEncodeError, pa.ArrowException):  # e.g. lone surrogates: text by text
            return self._score_one_by_one(texts)
        if not self.pipeline.cleans_words_alone:
            process = self.pipeline.process
            column = pa.array([None if t is None else process(t) for t in column.to_pylist()])
        return self._columns.scores(column)

    def _score_one_by_one(self, texts: Sequence[str]) -> np.ndarray:
        assert self._columns is not None
        analyzer = self._columns.analyzer
        rows = []
        for text in texts:
            cleaned = self.pipeline.process(text)
            rows.append(analyzer.scores(cleaned) if cleaned else _NAN_ROW)
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(SCORE_COLUMNS))
