"""minilm-ft: the real all-MiniLM-L6-v2 fine-tuned with a head; batches, freezing, folders."""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from rich.progress import Progress
from torch import nn
from torch.optim.optimizer import register_optimizer_step_pre_hook

from sentcast.config.text_models import FineTuneConfig, SentenceConfig, TextModelParams
from sentcast.errors import DataError
from sentcast.models import text_finetune
from sentcast.models.persistence import WEIGHTS_FILE
from sentcast.models.text import load_text_classifier, make_text_model
from sentcast.models.text_finetune import (
    EncoderClassifier,
    FineTunedEncoderClassifier,
    length_batches,
    pad_batch,
)
from sentcast.text.preprocess import TextPipeline
from sentcast.text.sentence import load_sentence_model
from tests.models.test_text_embedding import LABELS, TEXTS, UNSEEN, check_scorer

#: A few steps with a large learning rate: enough to fit the twelve training texts.
QUICK = {"epochs": 4, "batch_size": 4, "learning_rate": 1e-4, "warmup": 0.0}


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[FineTunedEncoderClassifier, Path]:
    params = TextModelParams.model_validate({"finetune": QUICK})
    model = make_text_model("minilm-ft", params, seed=0)
    assert isinstance(model, FineTunedEncoderClassifier)
    model.fit(TEXTS, LABELS)
    return model, model.save(tmp_path_factory.mktemp("ft") / "m")


def test_length_batches_cover_every_text_once_grouped_by_length() -> None:
    lengths = np.array([5, 1, 9, 1, 5, 9, 3, 3, 7])
    batches = length_batches(lengths, 2, np.random.default_rng(0))
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(9))
    assert all(np.ptp(lengths[b]) <= 2 for b in batches)  # neighbours in length share a batch
    ordered = length_batches(lengths, 2, None)
    assert lengths[np.concatenate(ordered)].tolist() == sorted(lengths.tolist())
    orders = {
        tuple(np.concatenate(length_batches(lengths, 2, np.random.default_rng(s))))
        for s in range(5)
    }
    assert len(orders) > 1  # training order depends on the seed
    ties = {
        frozenset(frozenset(b.tolist()) for b in length_batches(np.full(8, 4), 4, rng))
        for rng in map(np.random.default_rng, range(5))
    }
    assert len(ties) > 1  # texts of equal length meet in batches drawn from the seed


def test_pad_batch_pads_to_the_longest_and_masks() -> None:
    ids, mask = pad_batch([[101, 7, 102], [101, 102]], pad_id=0)
    assert ids.tolist() == [[101, 7, 102], [101, 102, 0]]
    assert mask.tolist() == [[1, 1, 1], [1, 1, 0]]


def test_the_network_mean_pools_the_unmasked_word_pieces(
    fitted: tuple[FineTunedEncoderClassifier, Path],
) -> None:
    model, _ = fitted
    network = model.module_.eval()
    tokenizer = load_sentence_model(model.model).tokenizer
    pieces = tokenizer(["good", "a really very good film today"])["input_ids"]
    ids, mask = pad_batch(pieces, tokenizer.pad_token_id)
    assert mask.sum(dim=1).tolist() == [3, 8]
    with torch.no_grad():
        logits = network(ids, mask)
        short = network.encoder(input_ids=ids[:1, :3]).last_hidden_state[0].mean(dim=0)
        long = network.encoder(input_ids=ids[1:]).last_hidden_state[0].mean(dim=0)
        expected = network.head(torch.stack([short, long]))
    torch.testing.assert_close(logits, expected, atol=1e-5, rtol=1e-4)


def test_fine_tuning_learns_and_freezes_the_word_pieces(
    fitted: tuple[FineTunedEncoderClassifier, Path],
) -> None:
    model, _ = fitted
    history = model.history_
    assert history.epochs_run == 4 and history.samples_seen == 4 * len(TEXTS)
    assert history.best_epoch == 3  # no validation: the last epoch's weights
    assert history.train_loss[-1] < history.train_loss[0]
    assert model.score(TEXTS, LABELS) == 1.0
    assert model.predict(UNSEEN) == ["positive", "negative"]  # words it never trained on
    base = FineTunedEncoderClassifier()._build(2)
    tuned, start = model.module_.encoder, base.encoder
    assert torch.equal(tuned.get_input_embeddings().weight, start.get_input_embeddings().weight)
    top = "encoder.layer.5.output.dense.weight"
    assert not torch.equal(tuned.state_dict()[top], start.state_dict()[top])


def test_the_pretrained_encoder_is_not_changed_by_fitting(
    fitted: tuple[FineTunedEncoderClassifier, Path],
) -> None:
    model, _ = fitted
    fresh = FineTunedEncoderClassifier()._build(2).encoder.state_dict()
    again = FineTunedEncoderClassifier()._build(2).encoder.state_dict()
    top = "encoder.layer.5.output.dense.weight"
    assert torch.equal(fresh[top], again[top])
    assert not torch.equal(fresh[top], model.module_.encoder.state_dict()[top])


def test_unfrozen_embeddings_train_and_seeded_fits_repeat() -> None:
    texts, labels = TEXTS[:4] + TEXTS[6:10], LABELS[:4] + LABELS[6:10]
    settings = {**QUICK, "epochs": 1, "freeze_embeddings": False}
    first = FineTunedEncoderClassifier(**settings, seed=3).fit(texts, labels)
    second = FineTunedEncoderClassifier(**settings, seed=3).fit(texts, labels)
    start = FineTunedEncoderClassifier()._build(2).encoder.get_input_embeddings().weight
    assert not torch.equal(first.module_.encoder.get_input_embeddings().weight, start)
    np.testing.assert_array_equal(first.predict_proba(UNSEEN), second.predict_proba(UNSEEN))


def test_several_epochs_keep_the_best_validation_epoch(monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SENTCAST_PROGRESS", "0")
    caplog.set_level("DEBUG", logger="sentcast.models.training")
    model = FineTunedEncoderClassifier(**{**QUICK, "epochs": 3})
    validation = ([*UNSEEN, "an unknown-class text"], ["positive", "negative", "neutral"])
    began = time.perf_counter()
    model.fit(TEXTS, LABELS, validation=validation)
    elapsed = time.perf_counter() - began
    assert "1 of 3 validation texts dropped" in caplog.text  # counted, not silently lost
    epochs = [r.getMessage() for r in caplog.records if ": epoch " in r.getMessage()]
    assert [line.split(": loss")[0] for line in epochs] == [
        f"fine-tune all-MiniLM-L6-v2: epoch {i}/3" for i in (1, 2, 3)
    ]
    assert all(" val " in line for line in epochs)
    losses = model.history_.val_loss
    assert len(losses) == 3
    assert model.history_.best_epoch == int(np.argmin(losses))
    assert 0 < model.history_.seconds <= elapsed
    summary = re.compile(
        rf"fine-tune all-MiniLM-L6-v2: 3 epochs, best epoch {model.history_.best_epoch + 1}, "
        r"\d+\.\d s \(\d+ samples/s\)"
    )
    assert any(summary.fullmatch(r.getMessage()) for r in caplog.records)
    proba = model.predict_proba(UNSEEN)
    held_out = -np.log(proba[[0, 1], [1, 0]]).mean()  # classes_: negative, positive
    assert held_out == pytest.approx(min(losses), rel=1e-4)


def test_one_epoch_skips_the_validation_pass() -> None:
    model = FineTunedEncoderClassifier(**{**QUICK, "epochs": 1})
    model.fit(TEXTS, LABELS, validation=(UNSEEN, ["positive", "negative"]))
    assert model.history_.val_loss == []


def test_folder_holds_tensors_and_names_the_encoder(
    fitted: tuple[FineTunedEncoderClassifier, Path],
) -> None:
    model, folder = fitted
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "state.json", WEIGHTS_FILE]
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert config["params"]["model"] == "all-MiniLM-L6-v2"
    assert config["params"]["learning_rate"] == QUICK["learning_rate"]
    loaded = load_text_classifier(folder)
    assert isinstance(loaded, FineTunedEncoderClassifier)
    assert loaded.get_params() == model.get_params()
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), model.predict_proba(TEXTS), atol=1e-6)


def test_as_sentiment_scorer(fitted: tuple[FineTunedEncoderClassifier, Path]) -> None:
    check_scorer(*fitted)


def test_folder_with_other_weights_is_refused(
    fitted: tuple[FineTunedEncoderClassifier, Path], tmp_path: Path
) -> None:
    _, folder = fitted
    three = FineTunedEncoderClassifier(**{**QUICK, "epochs": 1})
    other = three.fit(TEXTS[:3], ["a", "b", "c"]).save(tmp_path / "three")
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("config.json", "state.json"):
        (copy / name).write_bytes((folder / name).read_bytes())
    (copy / WEIGHTS_FILE).write_bytes((other / WEIGHTS_FILE).read_bytes())
    with pytest.raises(DataError, match="does not match the network"):
        load_text_classifier(copy)


def test_parameters_are_checked_at_fit() -> None:
    with pytest.raises(ValueError, match=r"max_len: must be > 1.*warmup: must be < 1"):
        FineTunedEncoderClassifier(max_len=1, warmup=1.0).fit(TEXTS, LABELS)
    with pytest.raises(ValueError) as refused:
        FineTunedEncoderClassifier(model="no-such-model").fit(TEXTS, LABELS)
    assert str(refused.value) == "model: Input should be 'all-MiniLM-L6-v2', got 'no-such-model'"


def test_defaults_are_the_documented_ones_and_every_parameter_is_kept() -> None:
    expected = {**FineTuneConfig().model_dump(), "model": SentenceConfig().model}
    assert FineTunedEncoderClassifier().get_params() == {**expected, "text": None, "seed": 0}
    chosen = {
        "model": "all-MiniLM-L6-v2",
        "max_len": 16,
        "epochs": 3,
        "batch_size": 8,
        "learning_rate": 1e-3,
        "weight_decay": 0.2,
        "warmup": 0.3,
        "dropout": 0.4,
        "freeze_embeddings": False,
        "text": TextPipeline(strip_urls=True),
        "seed": 5,
    }
    assert FineTunedEncoderClassifier(**chosen).get_params() == chosen


def test_a_sentence_model_that_is_not_a_hugging_face_encoder_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    linear = SimpleNamespace(auto_model=nn.Linear(2, 2))
    monkeypatch.setattr(text_finetune, "load_sentence_model", lambda name: [linear])
    with pytest.raises(TypeError, match=r"^other-model: not a Hugging Face encoder$"):
        FineTunedEncoderClassifier(model="other-model")._build(2)


def test_predictions_do_not_depend_on_the_other_texts_of_a_batch(
    fitted: tuple[FineTunedEncoderClassifier, Path],
) -> None:
    """Texts of other lengths share a padded prediction batch: masked padding changes
    nothing, and the rows come back in the order of the texts."""
    model, _ = fitted
    texts = [TEXTS[0], "good", UNSEEN[1], TEXTS[8], "bad"]
    together = model.predict_proba(texts)
    alone = np.concatenate([model.predict_proba([text]) for text in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    assert model.predict_proba([]).shape == (0, 2)


def test_texts_are_cut_after_max_len_word_pieces(
    fitted: tuple[FineTunedEncoderClassifier, Path],
) -> None:
    model, _ = fitted
    text = "this movie was great, loved every minute of it"
    longer = text + ", and the awful ending was dreadful and sad"
    short = copy.copy(model).set_params(max_len=8)
    np.testing.assert_array_equal(short.predict_proba([text]), short.predict_proba([longer]))
    assert not np.array_equal(model.predict_proba([text]), model.predict_proba([longer]))


def test_the_text_pipeline_cleans_texts_before_the_tokenizer(
    fitted: tuple[FineTunedEncoderClassifier, Path],
) -> None:
    model, _ = fitted
    texts = ["great fun https://example.com/a", "great fun"]
    cleaning = copy.copy(model).set_params(text=TextPipeline(strip_urls=True))
    with_url, without = cleaning.predict_proba(texts)
    np.testing.assert_array_equal(with_url, without)
    assert not np.array_equal(*model.predict_proba(texts))


def test_weights_that_cannot_move_report_their_own_losses_and_keep_the_first_epoch() -> None:
    """A learning rate too small to change any weight: every epoch validates the same
    weights, so the first of the equal losses is kept; each loss is the cross-entropy per
    text (the training one in training mode, with the encoder's dropout)."""
    frozen = {"epochs": 2, "batch_size": 6, "learning_rate": 1e-30, "warmup": 0.0}
    model = FineTunedEncoderClassifier(**frozen, dropout=0.0)
    model.fit(TEXTS, LABELS, validation=(UNSEEN, ["positive", "negative"]))
    history = model.history_
    proba = model.predict_proba([*TEXTS, *UNSEEN])
    truth = [model.classes_.index(label) for label in [*LABELS, "positive", "negative"]]
    cross_entropy = -np.log(proba[np.arange(len(truth)), truth])
    assert history.val_loss[0] == history.val_loss[1]
    assert history.val_loss[0] == pytest.approx(cross_entropy[-2:].mean(), rel=1e-5)
    assert history.best_epoch == 0 and history.samples_seen == 2 * len(TEXTS)
    assert history.train_loss == pytest.approx([cross_entropy[:-2].mean()] * 2, rel=0.05)


#: Four word-piece lengths, two texts each ([CLS] and [SEP] included: 3, 4, 6, 8).
PAIRS = [
    ("good", "bad"),
    ("very good", "very bad"),
    ("a very good film", "a very bad film"),
    ("a really very good film today", "a really very bad film today"),
]


def _record_training(
    monkeypatch: pytest.MonkeyPatch, **settings: object
) -> tuple[list[list[tuple[int, ...]]], list[tuple[object, float, float, int]], Progress]:
    """Fit on :data:`PAIRS`; the texts (as word pieces) of every training batch, the
    optimiser, learning rate, weight decay and parameter count of every step, and the bar."""
    batches: list[list[tuple[int, ...]]] = []
    steps: list[tuple[object, float, float, int]] = []
    bars: list[Progress] = []

    def record_batch(module: nn.Module, args: tuple[torch.Tensor, torch.Tensor]) -> None:
        if isinstance(module, EncoderClassifier) and module.training:
            ids, mask = args
            batches.append(
                [tuple(row[m.bool()].tolist()) for row, m in zip(ids, mask, strict=True)]
            )

    def record_step(optimiser: torch.optim.Optimizer, *_: object) -> None:
        group = optimiser.param_groups[0]
        size = sum(p.numel() for p in group["params"])
        steps.append((type(optimiser), group["lr"], group["weight_decay"], size))

    real_bar = text_finetune.progress_bar

    @contextmanager
    def keep_bar(description: str, total: float | None = None) -> Iterator[Progress]:
        with real_bar(description, total=total) as bar:
            bars.append(bar)
            yield bar

    monkeypatch.setattr(text_finetune, "progress_bar", keep_bar)
    texts = [text for pair in PAIRS for text in pair]
    model = FineTunedEncoderClassifier(**settings)  # type: ignore[arg-type]
    forward = nn.modules.module.register_module_forward_pre_hook(record_batch)
    step = register_optimizer_step_pre_hook(record_step)
    try:
        model.fit(texts, ["positive", "negative"] * 4)
    finally:
        forward.remove()
        step.remove()
    return batches, steps, bars[0]


def test_training_steps_follow_the_schedule_in_shuffled_batches_of_one_length(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two epochs of four steps, half of them warm-up: the learning rate rises linearly from
    0 over four steps, then falls linearly towards 0; each epoch covers every text once in
    batches of equal lengths, in an order drawn from the seed; AdamW updates every parameter
    but the word-piece table, with the configured weight decay."""
    settings = {"batch_size": 2, "learning_rate": 1e-4, "weight_decay": 0.5, "seed": 0}
    batches, steps, bar = _record_training(monkeypatch, epochs=2, warmup=0.5, **settings)
    rates = [rate for _, rate, _, _ in steps]
    assert rates == pytest.approx([1e-4 * f for f in (0, 0.25, 0.5, 0.75, 1, 0.75, 0.5, 0.25)])
    assert {(kind, decay) for kind, _, decay, _ in steps} == {(torch.optim.AdamW, 0.5)}
    network = FineTunedEncoderClassifier()._build(2)
    table = network.encoder.get_input_embeddings().weight.numel()
    assert steps[0][3] == sum(p.numel() for p in network.parameters()) - table
    assert len(batches) == 8 and all(len({len(t) for t in batch}) == 1 for batch in batches)
    every = sorted(len(t) for t in batches[0] + batches[1] + batches[2] + batches[3])
    assert every == [3, 3, 4, 4, 6, 6, 8, 8]
    for epoch in (batches[:4], batches[4:]):
        assert len({t for batch in epoch for t in batch}) == 8
    widths = [len(batch[0]) for batch in batches]
    assert widths[:4] != sorted(widths[:4]) or widths[4:] != sorted(widths[4:])  # shuffled
    assert (bar.tasks[0].description, bar.tasks[0].total, bar.tasks[0].completed) == (
        "fine-tune all-MiniLM-L6-v2",
        8,
        8,
    )
    monkeypatch.undo()
    again, _, _ = _record_training(monkeypatch, epochs=1, warmup=0.0, **settings)
    assert again == batches[:4]  # the same seed, the same batches
