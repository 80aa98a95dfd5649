"""minilm-ft: the real all-MiniLM-L6-v2 fine-tuned with a head; batches, freezing, folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from sentcast.config.text_models import TextModelParams
from sentcast.errors import DataError
from sentcast.models.persistence import WEIGHTS_FILE
from sentcast.models.text import load_text_classifier, make_text_model
from sentcast.models.text_finetune import FineTunedEncoderClassifier, length_batches, pad_batch
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


def test_pad_batch_pads_to_the_longest_and_masks() -> None:
    ids, mask = pad_batch([[101, 7, 102], [101, 102]], pad_id=0)
    assert ids.tolist() == [[101, 7, 102], [101, 102, 0]]
    assert mask.tolist() == [[1, 1, 1], [1, 1, 0]]


def test_fine_tuning_learns_and_freezes_the_word_pieces(
    fitted: tuple[FineTunedEncoderClassifier, Path],
) -> None:
    model, _ = fitted
    history = model.history_
    assert history.epochs_run == 4 and history.samples_seen == 4 * len(TEXTS)
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
    model.fit(TEXTS, LABELS, validation=validation)
    assert "1 of 3 validation texts dropped" in caplog.text  # counted, not silently lost
    epochs = [r.getMessage() for r in caplog.records if ": epoch " in r.getMessage()]
    assert [line.split(": loss")[0] for line in epochs] == [
        f"fine-tune all-MiniLM-L6-v2: epoch {i}/3" for i in (1, 2, 3)
    ]
    assert all(" val " in line for line in epochs)
    losses = model.history_.val_loss
    assert len(losses) == 3
    assert model.history_.best_epoch == int(np.argmin(losses))
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
