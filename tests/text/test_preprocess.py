from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomli_w
from nltk.stem import PorterStemmer, SnowballStemmer
from nltk.tokenize import TreebankWordTokenizer, TweetTokenizer

from sentcast.config.base import dump_toml, load_toml
from sentcast.errors import ConfigError
from sentcast.text import PRESETS, TextPipeline, english_stopwords, preprocess

TWEET = "RT @bob_1: Bitcoin is GREAT!!! :) https://t.co/Ab12 &amp; <br /> [MUSIC] running 100x"


def test_stopword_list_is_nltks_179_words() -> None:
    words = english_stopwords()
    assert len(words) == 179
    assert {"i", "the", "wouldn't", "ourselves", "ain"} <= words
    assert all(w == w.lower().strip() for w in words)


def test_default_pipeline_only_collapses_whitespace() -> None:
    pipe = TextPipeline()
    assert pipe.clean("  Hello \r\n  World!! ") == "Hello World!!"
    assert pipe.tokens("a  b\tc") == ["a", "b", "c"]
    assert TextPipeline.preset("none") == pipe


def test_vader_preset_keeps_case_punctuation_and_emoticons() -> None:
    cleaned = TextPipeline.preset("vader").clean(TWEET)
    assert cleaned == "Bitcoin is GREAT!!! :) &amp; <br /> [MUSIC] running 100x"


def test_each_character_step_alone() -> None:
    assert TextPipeline(strip_urls=True).clean("a http://x.io/b www.y.com c") == "a c"
    assert TextPipeline(strip_urls=True).clean("see pic.twitter.com/xyz") == "see"
    assert TextPipeline(strip_mentions=True).clean("hi @al_1: and a@b.com") == "hi and a@b.com"
    assert TextPipeline(strip_rt=True).clean("RT @x: ART start") == "@x: ART start"
    assert TextPipeline(strip_html=True).clean("a<br />b &amp; c&gt;") == "a b & c>"
    assert TextPipeline(strip_noise_tokens=True).clean("so [MUSIC] we [Applause] go") == "so we go"
    assert TextPipeline(letters_only=True).clean("it's 2x_good, café!") == "it s x good café"
    assert TextPipeline(lowercase=True).clean("ÀBC Def") == "àbc def"


def test_tokenizers_are_nltks() -> None:
    text = "I can't wait :-) #btc @me"
    assert TextPipeline(tokenizer="tweet").tokens(text) == TweetTokenizer().tokenize(text)
    assert TextPipeline(tokenizer="treebank").tokens(text) == TreebankWordTokenizer().tokenize(text)


def test_stopwords_stemming_and_lemmatizing() -> None:
    text = "The miners were running their studies"
    toks = TextPipeline(remove_stopwords=True).tokens(text)
    assert toks == ["miners", "running", "studies"]
    porter = PorterStemmer()
    assert TextPipeline(remove_stopwords=True, stem="porter").tokens(text) == [
        porter.stem(t) for t in toks
    ]
    snowball = SnowballStemmer("english")
    assert TextPipeline(stem="snowball").tokens("generously") == [snowball.stem("generously")]
    assert TextPipeline(lemmatize=True).tokens("miners were running") == ["miner", "be", "run"]


def test_study_preset_is_heavy_and_transform_joins_tokens() -> None:
    pipe = TextPipeline.preset("study")
    assert pipe.tokens(TWEET) == ["bitcoin", "great", "run", "x"]
    assert pipe.transform([TWEET, "Hello world"]) == ["bitcoin great run x", "hello world"]


def test_neural_preset_lowercases_and_tokenizes_without_stemming() -> None:
    pipe = TextPipeline.preset("neural")
    toks = pipe.tokens("Great <b>movies</b> :) see http://x.y")
    assert toks == ["great", "movies", ":)", "see"]


def test_transform_accepts_any_iterable_of_texts() -> None:
    pipe = TextPipeline.preset("vader")
    series = pd.Series(["@a hi", "RT @b: yo http://t.co/x"])
    assert pipe.transform(series) == ["hi", "yo"]
    assert pipe.transform(t for t in ["@a hi"]) == ["hi"]


def test_pipeline_is_frozen() -> None:
    pipe = TextPipeline.preset("study")
    with pytest.raises(ValueError, match="frozen"):
        pipe.lowercase = False  # type: ignore[misc]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_round_trip_through_toml(name: str, tmp_path: Path) -> None:
    pipe = TextPipeline.preset(name)
    path = tmp_path / "text.toml"
    dump_toml({"text": pipe.to_toml_dict()}, path)
    loaded = TextPipeline.from_mapping(load_toml(path)["text"], "text")
    assert loaded == pipe


def test_toml_table_with_preset_and_overrides() -> None:
    data = tomllib.loads('[text]\npreset = "study"\nstem = "snowball"\nlemmatize = true\n')
    pipe = TextPipeline.from_mapping(data["text"], "text")
    assert pipe.stem == "snowball" and pipe.lemmatize and pipe.remove_stopwords
    assert tomllib.loads(tomli_w.dumps(pipe.to_toml_dict())) == pipe.to_toml_dict()


def test_bad_config_names_the_dotted_path() -> None:
    with pytest.raises(ConfigError, match=r"text\.stem"):
        TextPipeline.from_mapping({"stem": "lancaster"}, "text")
    with pytest.raises(ConfigError, match=r"text\.lowercas: unknown key"):
        TextPipeline.from_mapping({"lowercas": True}, "text")
    with pytest.raises(ConfigError, match="unknown preset 'heavy'"):
        TextPipeline.from_mapping({"preset": "heavy"}, "text")
    with pytest.raises(ValueError, match="unknown text preset"):
        TextPipeline.preset("heavy")


# The plain forms of the fast patterns in sentcast.text.preprocess.
PLAIN_PATTERNS = {
    "_RT_MARKER": re.compile(r"(?<!\w)RT(?!\w):?"),
    "_URL": re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S*", re.IGNORECASE),
    "_MENTION": re.compile(r"(?<![\w@])@\w+:?"),
}
TRICKY_PIECES = [
    "RT", "rt", "RT:", "KRT", "ÉRT", "RTé", "@", "@@", "@a_b:", "x@y", "http://", "HTTPS://",
    "httpſ://", "www.", "WwW.", "pic.twitter.com/", "pİc.twİtter.com/", "pıc.twitter.com/",
    "x", "é", "_", "1", " ", "\t", "\u00a0", "\u2003", "\x1c", ":", "/", ".", "😁", "w", "h",
    "p", "[MUSIC]", "[MUSIC PLAYS]", "<b>", "<a href=x>", "&amp;", "Σ", "ΑΣ",
]  # fmt: skip


def _tricky_texts(n: int) -> list[str]:
    rng = np.random.default_rng(0)
    return ["".join(rng.choice(TRICKY_PIECES, rng.integers(1, 12))) for _ in range(n)]


@pytest.mark.parametrize("name", sorted(PLAIN_PATTERNS))
def test_fast_patterns_match_their_plain_forms(name: str) -> None:
    fast = getattr(preprocess, name)
    for text in _tricky_texts(10000):
        assert fast.sub(" ", text) == PLAIN_PATTERNS[name].sub(" ", text), text


def test_only_h_w_p_match_h_w_p_ignoring_case() -> None:
    """What the fast URL pattern's first character set relies on."""
    every_char = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    assert set(re.findall("[hwp]", every_char, re.IGNORECASE)) == set("HWPhwp")


@pytest.mark.parametrize(
    "options",
    [{"preset": "vader"}, {"preset": "none"}, {"letters_only": True, "lowercase": True},
     {"preset": "study"}, {"preset": "vader", "strip_html": True},
     {"preset": "vader", "strip_noise_tokens": True}],
)  # fmt: skip
def test_cleans_words_alone_means_word_by_word_cleaning_is_exact(options: dict) -> None:
    pipe = TextPipeline.model_validate(options)
    texts = _tricky_texts(5000)
    word_by_word = [
        " ".join(c for c in (pipe.process(w) for w in text.split()) if c) for text in texts
    ]
    if pipe.cleans_words_alone:
        assert word_by_word == [pipe.process(text) for text in texts]
    else:  # the property is not over-cautious: word by word would differ
        assert word_by_word != [pipe.process(text) for text in texts]
