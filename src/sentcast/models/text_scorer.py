"""A trained sentiment classifier as a :class:`~sentcast.sentiment.scorer.Scorer`.

``sentcast sentiment score --scorer MODEL_DIR`` uses it instead of VADER, so the daily table
carries a learned sentiment: ``compound = P(positive) - P(negative)`` per text (rounded to 4
decimals, VADER's resolution, which the daily aggregation relies on), ``pos``/``neg`` the class
probabilities and ``neu`` the probability of a ``neutral`` class when the model has one
(else 0).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sentcast.errors import SentcastError, UserInputError
from sentcast.models.persistence import CONFIG_FILE, MODEL_FILES
from sentcast.models.text import load_text_classifier
from sentcast.models.text_classifier import (
    NEGATIVE,
    POSITIVE,
    TextClassifier,
    check_sentiment_model,
)
from sentcast.text.preprocess import is_blank


class ClassifierScorer:
    """Scores texts with a saved text classifier (checked at construction, loaded once per
    process).

    Parameters
    ----------
    model_dir : path
        A folder written by ``sentcast textclf train`` whose labels include ``positive`` and
        ``negative``.
    """

    def __init__(self, model_dir: str | Path) -> None:
        self.model_dir = Path(model_dir)
        if not (self.model_dir / CONFIG_FILE).is_file():
            raise UserInputError(f"--scorer: not a saved text classifier: {self.model_dir}")
        digest = hashlib.sha256()
        for name in MODEL_FILES:
            if (self.model_dir / name).is_file():
                digest.update((self.model_dir / name).read_bytes())
        self.name = f"classifier:{self.model_dir.name}:{digest.hexdigest()[:10]}"
        self._model: TextClassifier | None = None
        self.model()  # check the whole folder now, before any worker process loads it

    def __getstate__(self) -> dict[str, Any]:
        return {"model_dir": self.model_dir, "name": self.name}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.model_dir, self.name, self._model = state["model_dir"], state["name"], None

    def model(self) -> TextClassifier:
        """The loaded classifier; checks it is a sentiment model."""
        if self._model is None:
            try:
                model = load_text_classifier(self.model_dir)
            except SentcastError as exc:
                raise type(exc)(f"--scorer: {exc}") from None
            check_sentiment_model(model, f"--scorer: {self.model_dir} is not a sentiment model")
            self._model = model
        return self._model

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """Rows of (neg, neu, pos, compound); NaN rows (never a label) for blank texts: empty,
        or only white space, control and format characters (see
        :func:`~sentcast.text.preprocess.is_blank`)."""
        model = self.model()
        out = np.full((len(texts), 4), np.nan)
        keep = [i for i, text in enumerate(texts) if not is_blank(text)]
        if not keep:
            return out
        proba = model.predict_proba([texts[i] for i in keep])
        classes = model.classes_
        neg = proba[:, classes.index(NEGATIVE)]
        pos = proba[:, classes.index(POSITIVE)]
        neu = proba[:, classes.index("neutral")] if "neutral" in classes else np.zeros(len(keep))
        out[keep] = np.column_stack([neg, neu, pos, np.round(pos - neg, 4)])
        return out
