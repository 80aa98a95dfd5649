from __future__ import annotations

import numpy as np
from vaderSentiment import vaderSentiment as reference  # noqa: N813

from sentcast.sentiment import FastVaderAnalyzer
from sentcast.sentiment.vader_vocabulary import IN_LEXICON, UPPER, BatchWords, Vocabulary
from tests.sentiment.test_vader_columns import _rule_heavy_texts


def test_batch_words_are_the_words_sentitext_sees() -> None:
    analyzer = FastVaderAnalyzer()
    texts = [*_rule_heavy_texts(300, seed=3), "", "a😁b 😁💘 GOOD!! no,"]
    tokens = [token for text in texts for token in text.split()]
    distinct = list(dict.fromkeys(tokens))
    vocabulary = Vocabulary(analyzer, None)
    vocabulary.token_rows(distinct[:50])  # seen before: the rows are kept
    row_of = dict(zip(distinct, vocabulary.token_rows(distinct), strict=True))
    offsets = np.cumsum([0] + [len(text.split()) for text in texts])
    words = BatchWords(vocabulary, np.array([row_of[t] for t in tokens]), offsets)
    want = [
        reference.SentiText(analyzer.replace_emojis(text)).words_and_emoticons for text in texts
    ]
    np.testing.assert_array_equal(words.counts, [len(w) for w in want])
    flat = [word for text_words in want for word in text_words]
    np.testing.assert_array_equal(words.flags & UPPER != 0, [w.isupper() for w in flat])
    in_lexicon = [w.lower() in analyzer.lexicon for w in flat]
    np.testing.assert_array_equal(words.flags & IN_LEXICON != 0, in_lexicon)
    assert 0 < sum(in_lexicon) < len(flat)
