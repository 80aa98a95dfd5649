"""Text classifiers by name: :func:`make_text_model` builds one, :func:`load_text_classifier`
reads a saved one.

The names are :data:`~sentcast.config.text_models.MODELS`: ``tfidf-lr``, ``tfidf-knn``,
``tfidf-svm`` (:mod:`sentcast.models.text_tfidf`), the networks ``lstm``, ``gru``, ``cnn``,
``cnn-lstm``, ``bilstm-cnn``, ``fasttext`` (:mod:`sentcast.models.text_neural`), ``minilm-lr``,
``glove-tfidf-lr`` (:mod:`sentcast.models.text_embedding`), ``tfidf-minilm-lr``
(:mod:`sentcast.models.text_tfidf_sentence`) and ``minilm-ft``
(:mod:`sentcast.models.text_finetune`). The nested TOML tables of
:class:`~sentcast.config.text_models.TextModelParams` are flattened into each classifier's
hyper-parameters here. Every classifier implements
:class:`~sentcast.models.text_classifier.TextClassifier`.

:class:`TextClassifier`, :class:`TfidfClassifier` and :class:`NeuralTextClassifier` are
importable from this module too, where they were defined before it was split.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from sentcast.config.text_models import ARCHITECTURES, MODELS, TextModelParams
from sentcast.errors import UserInputError
from sentcast.models.persistence import load_estimator
from sentcast.models.text_classifier import EMBEDDING_PARAMS, TextClassifier
from sentcast.models.text_embedding import SentenceEmbeddingClassifier, WordVectorClassifier
from sentcast.models.text_neural import NeuralTextClassifier
from sentcast.models.text_tfidf import TfidfClassifier
from sentcast.models.text_tfidf_sentence import TfidfSentenceClassifier

__all__ = [
    "TFIDF_METHODS",
    "NeuralTextClassifier",
    "TextClassifier",
    "TfidfClassifier",
    "load_text_classifier",
    "make_text_model",
]

#: TF-IDF model name -> :class:`TfidfClassifier` method.
TFIDF_METHODS: dict[str, Literal["lr", "knn", "svm"]] = {
    "tfidf-lr": "lr",
    "tfidf-knn": "knn",
    "tfidf-svm": "svm",
}


def make_text_model(
    name: str, params: TextModelParams | None = None, seed: int = 0
) -> TextClassifier:
    """A new, unfitted classifier named ``name`` (one of :data:`MODELS`), its hyper-parameters
    taken from the nested tables of ``params``.

    Parameters
    ----------
    name : str
        The model, e.g. ``"tfidf-lr"``, ``"lstm"`` or ``"minilm-lr"``.
    params : TextModelParams, optional
        The ``[model]`` tables of a text experiment (default: every table's defaults).
    seed : int
        The classifier's ``seed``.

    Returns
    -------
    TextClassifier
        The unfitted estimator.

    Raises
    ------
    UserInputError
        For an unknown model name.
    """
    p = params or TextModelParams()
    if name in TFIDF_METHODS:
        return TfidfClassifier(TFIDF_METHODS[name], **p.tfidf.model_dump(), text=p.text, seed=seed)
    if name in ARCHITECTURES:
        embeddings = {
            flat: getattr(p.embeddings, field) for flat, field in EMBEDDING_PARAMS.items()
        }
        return NeuralTextClassifier(
            name,
            **p.sequence.model_dump(),
            **p.network.model_dump(),
            embeddings=p.embeddings.source,
            **embeddings,
            **p.train.model_dump(),
            text=p.text,
            seed=seed,
        )
    if name == "minilm-lr":
        sentence = p.sentence.model_dump(exclude={"weight"})
        return SentenceEmbeddingClassifier(**sentence, text=None, seed=seed)
    if name == "tfidf-minilm-lr":
        return TfidfSentenceClassifier(
            p.sentence.model,
            p.sentence.batch_size,
            p.sentence.weight,
            **p.tfidf.model_dump(exclude={"n_neighbors"}),
            text=p.text,
            seed=seed,
        )
    if name == "minilm-ft":
        from sentcast.models.text_finetune import FineTunedEncoderClassifier

        finetune = p.finetune.model_dump()
        return FineTunedEncoderClassifier(p.sentence.model, **finetune, text=None, seed=seed)
    if name == "glove-tfidf-lr":
        return WordVectorClassifier(
            p.embeddings.source or "glove-6b-50d",
            p.embeddings.format,
            min_df=p.tfidf.min_df,
            C=p.tfidf.C,
            max_iter=p.tfidf.max_iter,
            text=p.text,
            seed=seed,
        )
    raise UserInputError(f"unknown text model {name!r} (choose from {', '.join(MODELS)})")


def load_text_classifier(path: str | Path) -> TextClassifier:
    """Load a text classifier saved with ``save`` (or ``sentcast textclf train``).

    Parameters
    ----------
    path : path
        The model folder.

    Returns
    -------
    TextClassifier
        The fitted classifier, of the class its ``config.json`` names.

    Raises
    ------
    UserInputError
        If the folder is missing or holds another kind of estimator.
    """
    model: TextClassifier = load_estimator(path, kind="text classifier")
    return model
