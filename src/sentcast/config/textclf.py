"""The text classification experiment file (``kind = "textclf"``).

A file lists datasets (``[[datasets]]``: a corpus, how to split it, extra evaluation sets,
the study's reference figures), the models to train on each (``models``; a name from
:data:`sentcast.config.text_models.MODELS` or a ``[variants.<label>]`` entry), seeds, and the
shared model hyper-parameters (``[model.tfidf]``, ``[model.sequence]``, ``[model.network]``,
``[model.embeddings]``, ``[model.sentence]``, ``[model.finetune]``, ``[model.train]``,
``[model.text]``).

Relative data paths written in the file resolve against the file's folder
(:func:`resolve_paths`); relative paths given with ``--set`` against the current directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from sentcast.config.base import FileName, FrozenModel, Seed, renamed_keys, unique
from sentcast.config.text_models import (
    MODELS,
    EmbeddingConfig,
    FineTuneConfig,
    NetworkConfig,
    SentenceConfig,
    SequenceConfig,
    TextModelParams,
    TfidfConfig,
)
from sentcast.config.training import TrainingConfig
from sentcast.data.corpora import CorpusFormat
from sentcast.text.preprocess import TextPipeline


def _absolute(value: str) -> str:
    return str(Path(value).expanduser().resolve())


class CorpusSource(FrozenModel):
    """A labelled corpus on disk (see :mod:`sentcast.data.corpora` for the formats).

    Attributes
    ----------
    format : str
        How to read ``path``: ``csv`` (named columns) or a corpus format.
    path : str
        The file (or folder, for ``rt-polarity`` and ``sentiment140-lines``).
    text_col, label_col : str
        Text and label columns of a ``csv`` file.
    level : str
        DBpedia label level: ``l1``, ``l2`` or ``l3``.
    """

    format: CorpusFormat
    path: str
    text_col: str = "text"
    label_col: str = "label"
    level: Literal["l1", "l2", "l3"] = "l1"

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        return _absolute(value)


class EvalSetConfig(CorpusSource):
    """An extra evaluation set scored by the models trained on a dataset (``eval_set`` = name).

    ``reference`` holds the study's figures on this set (see :class:`DatasetConfig`).

    Attributes
    ----------
    name : str
        The ``eval_set`` column of ``results.csv``.
    reference : dict
        The study's figures on this set, per model name or under any other key.
    """

    name: FileName
    reference: dict[str, str] = Field(default_factory=dict)


class DatasetConfig(CorpusSource):
    """``[[datasets]]``: a corpus, its split and what to compare against.

    Attributes
    ----------
    name : str
        The ``dataset`` column of ``results.csv``.
    extra_sources : list of CorpusSource
        More labelled corpora (any format) combined with the main one before splitting
        (``[[datasets.extra_sources]]``), e.g. the 100k Sentiment140 set plus the 20k sample.
    deduplicate : bool
        Keep one copy of each text of the combined corpus, drop the texts found with two
        labels, and drop the texts that are also in ``test_path`` or an ``eval`` set, each
        counted in ``data_summary.json``. Off: nothing is dropped, but the number of texts
        also in an evaluation set is still reported.
    test_path : str or None
        A separate labelled test file in the same format (SST-2: the GLUE dev file); then
        the main file is split into train / validation only.
    validation : float
        Validation share (of all rows; of the main file when ``test_path`` is set).
    test : float
        Test share (ignored with ``test_path``). 0.20 / 0.16 gives the studies' 64/20/16 split.
    max_rows : int or None
        Use a seeded random subset of the main file (to bound CPU time).
    max_len : int or None
        Padded length for this dataset (overrides ``model.sequence.max_len``).
    text : TextPipeline or None
        Text pipeline for this dataset (overrides ``model.text``).
    eval : list of EvalSetConfig
        Extra labelled sets scored by every model (e.g. the official Sentiment140 test set).
    reference : dict
        The study's figures on the test part: per model name (shown in the model's row of
        ``tables.md``) or under any other key (shown as a note below the table).
    models : list of str or None
        Train only these of the experiment's models on this dataset (default: all of them).
    """

    name: FileName
    models: list[FileName] | None = Field(None, min_length=1)
    extra_sources: list[CorpusSource] = Field(default_factory=list)
    deduplicate: bool = False
    test_path: str | None = None
    validation: float = Field(0.20, gt=0, lt=1)
    test: float = Field(0.16, gt=0, lt=1)
    max_rows: int | None = Field(None, gt=0)
    max_len: int | None = Field(None, gt=0)
    text: TextPipeline | None = None
    eval: list[EvalSetConfig] = Field(default_factory=list)
    reference: dict[str, str] = Field(default_factory=dict)

    @field_validator("test_path")
    @classmethod
    def _test_path(cls, value: str | None) -> str | None:
        return None if value is None else _absolute(value)

    @model_validator(mode="before")
    @classmethod
    def _old_keys(cls, data: Any) -> Any:
        return renamed_keys(data, {"val": "validation"})

    @model_validator(mode="after")
    def _fractions(self) -> DatasetConfig:
        if self.test_path is None and self.validation + self.test >= 1:
            raise ValueError("validation + test must be < 1")
        return self


class VariantConfig(FrozenModel):
    """``[variants.<label>]``: a model with its own overrides of the shared ``[model]`` tables.

    A variant's ``sequence`` table wins over the dataset's ``max_len`` (a bigram model needs
    room for its n-grams).

    Attributes
    ----------
    model : str
        The model it is a variant of (one of the model names, e.g. ``tfidf-lr``).
    """

    model: str
    tfidf: TfidfConfig | None = None
    sequence: SequenceConfig | None = None
    network: NetworkConfig | None = None
    embeddings: EmbeddingConfig | None = None
    sentence: SentenceConfig | None = None
    finetune: FineTuneConfig | None = None
    train: TrainingConfig | None = None

    #: The tables a variant may override.
    TABLES: ClassVar[tuple[str, ...]] = (
        "tfidf",
        "sequence",
        "network",
        "embeddings",
        "sentence",
        "finetune",
        "train",
    )

    @field_validator("model")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in MODELS:
            raise ValueError(f"unknown model (choose from {', '.join(MODELS)})")
        return value


class TextclfExperiment(FrozenModel):
    """The whole experiment file minus ``kind``.

    Attributes
    ----------
    title : str
        Heading of ``tables.md``.
    datasets : list of DatasetConfig
        Corpora to train and score on.
    models : list of str
        Model names or variant labels, trained on every dataset.
    seeds : list of int
        Model seeds (the split uses ``split_seed``).
    split_seed : int
        Seed of the train / validation / test split.
    threads : int
        torch threads (0 keeps torch's default).
    save_models : bool
        Save each fitted model under ``models/<cell-id>/``.
    model : TextModelParams
        Shared hyper-parameters.
    variants : dict
        Named model variants.
    """

    title: str = "Text classification"
    datasets: list[DatasetConfig] = Field(min_length=1)
    models: list[FileName] = Field(min_length=1)
    seeds: list[Seed] = Field(default_factory=lambda: [0], min_length=1)
    split_seed: Seed = 0
    threads: int = Field(1, ge=0)
    save_models: bool = False
    model: TextModelParams = Field(default_factory=TextModelParams)
    variants: dict[FileName, VariantConfig] = Field(default_factory=dict)

    _unique = field_validator("models", "seeds")(unique)

    @model_validator(mode="after")
    def _names(self) -> TextclfExperiment:
        unknown = [m for m in self.models if m not in MODELS and m not in self.variants]
        if unknown:
            raise ValueError(
                f"unknown model {unknown[0]!r} (choose from {', '.join(MODELS)} "
                "or a [variants] label)"
            )
        for dataset in self.datasets:
            # checked against every known label, so that --set models=[...] may drop some
            extra = [m for m in dataset.models or [] if m not in MODELS and m not in self.variants]
            if extra:
                raise ValueError(f"dataset {dataset.name!r}: unknown model {extra[0]!r}")
        names = [d.name for d in self.datasets]
        if len(set(names)) != len(names):
            raise ValueError("dataset names must be unique")
        for dataset in self.datasets:
            sets = ["test", *(e.name for e in dataset.eval)]
            if len(set(sets)) != len(sets):
                raise ValueError(f"dataset {dataset.name!r}: evaluation set names must be unique")
        return self

    def models_for(self, dataset: DatasetConfig) -> list[str]:
        """The model labels trained on ``dataset`` (in the experiment's order)."""
        return [m for m in self.models if dataset.models is None or m in dataset.models]

    def params_for(self, label: str, dataset: DatasetConfig) -> tuple[str, TextModelParams]:
        """The model name and hyper-parameters of ``label`` on ``dataset``."""
        base = self.model
        updates: dict[str, Any] = {}
        if dataset.max_len is not None:
            updates["sequence"] = base.sequence.model_copy(update={"max_len": dataset.max_len})
        name = label
        variant = self.variants.get(label)
        if variant is not None:
            name = variant.model
            for key in VariantConfig.TABLES:
                value = getattr(variant, key)
                if value is not None:
                    updates[key] = value
        if dataset.text is not None:
            updates["text"] = dataset.text
        return name, base.model_copy(update=updates)


def _resolve(table: Any, key: str, base_dir: Path) -> None:
    if isinstance(table, dict):
        value = table.get(key)
        if isinstance(value, str) and not Path(value).expanduser().is_absolute():
            table[key] = str(base_dir / value)


def resolve_paths(raw: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """Make the relative data paths of a config file absolute against ``base_dir`` (in place)."""
    for dataset in raw.get("datasets", []) or []:
        _resolve(dataset, "path", base_dir)
        _resolve(dataset, "test_path", base_dir)
        if isinstance(dataset, dict):
            for key in ("eval", "extra_sources"):
                for extra in dataset.get(key, []) or []:
                    _resolve(extra, "path", base_dir)
    model = raw.get("model")
    if isinstance(model, dict):
        _resolve(model.get("embeddings"), "path", base_dir)
    for variant in (raw.get("variants") or {}).values():
        if isinstance(variant, dict):
            _resolve(variant.get("embeddings"), "path", base_dir)
    return raw
