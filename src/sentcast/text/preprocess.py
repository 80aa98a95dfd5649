"""Configurable text cleaning and tokenising shared by VADER, TF-IDF and the neural text models.

A :class:`TextPipeline` is a frozen config object: every step is a named option, so the same
pipeline can be written to and read from a TOML table (``[text] preset = "study"`` plus
overrides). Steps run in this fixed order:

1. character level (:meth:`TextPipeline.clean`): HTML tags removed and entities decoded,
   ``RT`` markers, URLs, @mentions and bracketed noise tokens such as ``[MUSIC]`` removed,
   non-letters replaced by spaces, lower-casing, whitespace collapsed;
2. token level (:meth:`TextPipeline.tokens`): tokenising (NLTK ``TweetTokenizer``,
   ``TreebankWordTokenizer`` or whitespace), English stopword removal (NLTK's 179-word list,
   shipped as package data), lemmatising (simplemma), stemming (NLTK Porter / Snowball).

VADER relies on case, punctuation, emoticons and whole words, so it should see the
``"vader"`` preset's lightly cleaned text; the ``"study"`` preset reproduces the heavier
cleaning of the Bitcoin study and changes VADER's scores.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal

from pydantic import model_validator

from sentcast.config.base import FrozenModel

Tokenizer = Literal["tweet", "treebank", "whitespace"]
Stemmer = Literal["porter", "snowball"]

_HTML_TAG = re.compile(r"<[^>]*>")
# Written so that each pattern starts with a literal or a case-sensitive character set, which
# the regex engine searches for quickly; each matches exactly what its plain form matches:
# RT: r"(?<!\w)RT(?!\w):?"; URL: r"(?:https?://|www\.|pic\.twitter\.com/)\S*" with
# IGNORECASE (h, w and p have no other case-insensitive matches); mention: r"(?<![\w@])@\w+:?".
_RT_MARKER = re.compile(r"RT(?<!\wRT)(?!\w):?")
_URL = re.compile(r"[HWPhwp](?i:(?<=h)ttps?://|(?<=w)ww\.|(?<=p)ic\.twitter\.com/)\S*")
_MENTION = re.compile(r"@(?<![\w@]@)\w+:?")
_NOISE_TOKEN = re.compile(r"\[[^\[\]\n]{1,40}\]")
_NON_LETTERS = re.compile(r"[\W\d_]+")

_LEMMA_CACHE_SIZE = 200_000


@cache
def english_stopwords() -> frozenset[str]:
    """NLTK's 179-word English stopword list (lower case, shipped as package data)."""
    text = (
        resources.files("sentcast")
        .joinpath("resources/stopwords_english.txt")
        .read_text(encoding="utf-8")
    )
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


@cache
def _tokenizer(name: Tokenizer) -> Callable[[str], list[str]]:
    if name == "whitespace":
        return str.split
    if name == "tweet":
        from nltk.tokenize import TweetTokenizer

        return TweetTokenizer(preserve_case=True).tokenize
    from nltk.tokenize import TreebankWordTokenizer

    return TreebankWordTokenizer().tokenize


@cache
def _stemmer(name: Stemmer) -> Callable[[str], str]:
    from nltk.stem import PorterStemmer, SnowballStemmer

    stem = PorterStemmer().stem if name == "porter" else SnowballStemmer("english").stem
    return lru_cache(maxsize=_LEMMA_CACHE_SIZE)(stem)


@lru_cache(maxsize=_LEMMA_CACHE_SIZE)
def _lemma(token: str) -> str:
    import simplemma

    return str(simplemma.lemmatize(token, lang="en"))


class TextPipeline(FrozenModel):
    """Named cleaning and tokenising steps; all off by default (see :meth:`preset`).

    Parameters
    ----------
    lowercase : bool
        Lower-case the text.
    strip_html : bool
        Replace HTML tags (``<br />``) by a space and decode entities (``&amp;`` -> ``&``).
    strip_urls : bool
        Remove ``http(s)://``, ``www.`` and ``pic.twitter.com/`` links.
    strip_mentions : bool
        Remove ``@user`` mentions (and a colon right after them).
    strip_rt : bool
        Remove the upper-case retweet marker ``RT`` (and a colon right after it).
    strip_noise_tokens : bool
        Remove bracketed transcript noise such as ``[MUSIC]`` or ``[Applause]``.
    letters_only : bool
        Replace every run of non-letters (digits, punctuation, emoji, ``_``) by a space.
    tokenizer : {"whitespace", "tweet", "treebank"}
        ``str.split``, NLTK ``TweetTokenizer`` (keeps emoticons, hashtags) or NLTK
        ``TreebankWordTokenizer``.
    remove_stopwords : bool
        Drop tokens whose lower-case form is in NLTK's English stopword list.
    lemmatize : bool
        Replace tokens by their simplemma English lemma (before stemming).
    stem : {None, "porter", "snowball"}
        Stem tokens with NLTK's Porter or English Snowball stemmer.
    """

    lowercase: bool = False
    strip_html: bool = False
    strip_urls: bool = False
    strip_mentions: bool = False
    strip_rt: bool = False
    strip_noise_tokens: bool = False
    letters_only: bool = False
    tokenizer: Tokenizer = "whitespace"
    remove_stopwords: bool = False
    lemmatize: bool = False
    stem: Stemmer | None = None

    @model_validator(mode="before")
    @classmethod
    def _expand_preset(cls, data: Any) -> Any:
        """Allow ``{"preset": name, **overrides}`` (e.g. a TOML table)."""
        if isinstance(data, dict) and "preset" in data:
            overrides = dict(data)
            name = overrides.pop("preset")
            if name not in PRESETS:
                raise ValueError(f"unknown preset {name!r} (choose from {', '.join(PRESETS)})")
            return {**PRESETS[name], **overrides}
        return data

    @classmethod
    def preset(cls, name: str) -> TextPipeline:
        """A named pipeline: ``"none"``, ``"vader"``, ``"study"`` or ``"neural"``.

        Raises
        ------
        ValueError
            If ``name`` is not a preset.
        """
        if name not in PRESETS:
            raise ValueError(f"unknown text preset {name!r} (choose from {', '.join(PRESETS)})")
        return cls(**PRESETS[name])

    @property
    def has_token_steps(self) -> bool:
        """Whether :meth:`tokens` does more than split the cleaned text on whitespace."""
        return (
            self.tokenizer != "whitespace"
            or self.remove_stopwords
            or self.lemmatize
            or self.stem is not None
        )

    @property
    def cleans_words_alone(self) -> bool:
        """Whether :meth:`process` treats each whitespace-separated word on its own.

        Then processing a text equals processing its words one at a time and joining the
        non-empty results with spaces: true unless HTML, bracketed noise (both may span
        spaces) or token steps are on.
        """
        return not (self.strip_html or self.strip_noise_tokens or self.has_token_steps)

    def clean(self, text: str) -> str:
        """Apply the character-level steps; whitespace is always collapsed to single spaces."""
        # each substitution runs only when a character its pattern needs is present
        if self.strip_html and ("<" in text or "&" in text):
            text = html.unescape(_HTML_TAG.sub(" ", text))
        if self.strip_rt and "RT" in text:
            text = _RT_MARKER.sub(" ", text)
        if self.strip_urls and ("/" in text or "w." in text or "W." in text):
            text = _URL.sub(" ", text)
        if self.strip_mentions and "@" in text:
            text = _MENTION.sub(" ", text)
        if self.strip_noise_tokens and "[" in text:
            text = _NOISE_TOKEN.sub(" ", text)
        if self.letters_only:
            text = _NON_LETTERS.sub(" ", text)
        if self.lowercase:
            text = text.lower()
        return " ".join(text.split())

    def tokens(self, text: str) -> list[str]:
        """Clean ``text`` and return its tokens after stopword removal, lemmatising, stemming."""
        toks = _tokenizer(self.tokenizer)(self.clean(text))
        if self.remove_stopwords:
            stop = english_stopwords()
            toks = [t for t in toks if t.lower() not in stop]
        if self.lemmatize:
            toks = [_lemma(t) for t in toks]
        if self.stem is not None:
            stem = _stemmer(self.stem)
            toks = [stem(t) for t in toks]
        return toks

    def process(self, text: str) -> str:
        """One text through the whole pipeline: its tokens joined by single spaces."""
        if not self.has_token_steps:
            return self.clean(text)
        return " ".join(self.tokens(text))

    def transform(self, texts: Iterable[str]) -> list[str]:
        """Run :meth:`process` over ``texts`` (cleaned, space-joined tokens)."""
        return [self.process(t) for t in texts]


PRESETS: dict[str, dict[str, Any]] = {
    "none": {},
    "vader": {"strip_urls": True, "strip_mentions": True, "strip_rt": True},
    "study": {
        "lowercase": True,
        "strip_html": True,
        "strip_urls": True,
        "strip_mentions": True,
        "strip_rt": True,
        "strip_noise_tokens": True,
        "letters_only": True,
        "tokenizer": "tweet",
        "remove_stopwords": True,
        "stem": "porter",
    },
    "neural": {"lowercase": True, "strip_html": True, "strip_urls": True, "tokenizer": "tweet"},
}
"""Option values of the named presets (everything not listed keeps its default)."""


_INVISIBLE = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"})


def is_blank(text: object) -> bool:
    """Whether ``text`` is missing or shows nothing: not a string, empty, or only white space,
    control and format characters (``"\\u200b"``, ``"\\t\\x00"``). A classifier must not
    label such a text: it would answer with its bias alone, confidently."""
    return not isinstance(text, str) or all(
        unicodedata.category(char) in _INVISIBLE for char in text
    )
