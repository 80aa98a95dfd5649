"""``[data]`` of a forecast experiment: market files, the sentiment table, daily sources and the
daily text-embedding table (split from :mod:`sentcast.config.forecast`, which re-exports them)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from sentcast.config.base import FrozenModel
from sentcast.errors import UserInputError
from sentcast.features.join import MAX_FILL_DAYS
from sentcast.features.sets import (
    GROUP_NAME,
    SENTIMENT_GROUP,
    TEXT_EMB_GROUP,
    parse_feature_set,
)


def date_text(value: Any) -> Any:
    """TOML dates (``end = 2019-11-23`` or ``--set data.end=2019-11-23``) as ISO strings.

    A string must be a real calendar date written ``YYYY-MM-DD`` (``2019-02-30`` is refused).
    """
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError as exc:
            raise ValueError(f"not a date (YYYY-MM-DD): {exc}") from None
    return value


def check_feature_sets(value: list[str]) -> list[str]:
    """Feature set names (``grid.feature_sets``, ``evaluation.backtest.feature_sets``), each
    checked by :func:`~sentcast.features.sets.parse_feature_set`.

    Raises
    ------
    ValueError
        For the first name that is not a feature set.
    """
    for name in value:
        try:
            parse_feature_set(name)
        except UserInputError as exc:
            raise ValueError(str(exc)) from None
    return value


def absolute_path(value: str) -> str:
    return str(Path(value).expanduser().resolve())


class DailyTableConfig(FrozenModel):
    """A daily table joined to the market panel: file, columns, fill policy and fill age.

    Attributes
    ----------
    path : str
        CSV or Parquet file with one row per day (a date column and numeric columns).
    columns : list of str
        The columns to use; in the frame they become ``<group>_<column>``.
    fill : str
        Panel days without a value: ``ffill`` carries the last earlier value forward,
        ``zero`` fills 0 (counts), ``drop`` excludes the day.
    """

    path: str
    columns: list[str] = Field(min_length=1)
    fill: Literal["ffill", "zero", "drop"] = "ffill"
    max_fill_days: int = Field(
        MAX_FILL_DAYS,
        ge=0,
        description="longest gap (calendar days) from the last value that may be filled; "
        "older days are excluded and counted",
    )
    start: str | None = Field(None, description="ignore the table's rows before this day")

    _dates = field_validator("start", mode="before")(date_text)

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        return absolute_path(value)

    def title(self) -> str:
        """What the table is, for reports: its label, else its file name."""
        return Path(self.path).name


class SentimentConfig(DailyTableConfig):
    """``[data.sentiment]``: the daily table of the ``Sentiment`` feature group."""

    columns: list[str] = Field(default_factory=lambda: ["compound_mean"], min_length=1)
    source: str = Field("", description="label shown in every table, e.g. 'Reddit comments'")
    count_column: str | None = Field(
        None, description="column with the texts per day (e.g. n_tweets), for the data summary"
    )

    def title(self) -> str:
        """``source``, else the file name."""
        return self.source or super().title()


class SourceConfig(DailyTableConfig):
    """``[[data.sources]]``: a daily social series that becomes the feature group ``name``."""

    name: str = Field(description="feature group, e.g. 'Reddit' for the set 'BTC+Reddit'")
    label: str = Field("", description="what the series is, shown in the data summary")

    def title(self) -> str:
        """``label``, else the file name."""
        return self.label or super().title()

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not GROUP_NAME.fullmatch(value):
            raise ValueError(f"{value!r}: letters and digits, starting with a letter")
        return value


class TextEmbeddingConfig(DailyTableConfig):
    """``[data.text_embedding]``: the daily mean sentence embeddings of the ``TextEmb`` group.

    The table is written by ``sentcast sentiment embed``; ``columns`` may end in ``*`` (every
    column of the file with that prefix, in file order). The columns are reduced to
    ``components`` principal components fitted on the training days of each split and of each
    walk-forward fold only (:mod:`sentcast.features.reduce`).
    """

    columns: list[str] = Field(default_factory=lambda: ["emb_*"], min_length=1)
    components: int = Field(8, gt=0, description="principal components kept")
    label: str = Field("", description="what the table is, shown in the data summary")

    def title(self) -> str:
        """``label``, else the file name."""
        return self.label or super().title()


class DataConfig(FrozenModel):
    """``[data]``: market files per prefix, date range, calendar, sentiment and other sources.

    ``[data.names]`` gives a slot a display name for plots and tables (``BTC = "ETH-USD"``
    when the ``BTC`` slot, the target asset, holds another asset's file).

    Attributes
    ----------
    market : dict
        Prefix to Yahoo CSV / Parquet file, e.g. ``BTC = "data/BTC-USD.csv"``; ``BTC`` is the
        forecast target, every prefix a feature group.
    start, end : str, optional
        First and last day of the panel (``YYYY-MM-DD``, ``end`` inclusive).
    calendar : str
        ``trading``: the days every asset traded; ``daily``: every day of the target, index
        values carried forward from their last earlier close (at most 5 days).
    sources : list
        ``[[data.sources]]`` entries: more daily tables, each a feature group.
    """

    market: dict[str, str]
    names: dict[str, str] = Field(
        default_factory=dict, description="display name per market prefix or daily table"
    )
    start: str | None = None
    end: str | None = None
    calendar: Literal["trading", "daily"] = "trading"
    sentiment: SentimentConfig | None = None
    sources: list[SourceConfig] = Field(default_factory=list)
    text_embedding: TextEmbeddingConfig | None = None

    _dates = field_validator("start", "end", mode="before")(date_text)

    @field_validator("market")
    @classmethod
    def _market_paths(cls, value: dict[str, str]) -> dict[str, str]:
        if "BTC" not in value:
            raise ValueError("needs a BTC file")
        return {k: absolute_path(v) for k, v in value.items()}

    @model_validator(mode="after")
    def _source_names(self) -> DataConfig:
        taken = set(self.market) | {
            group
            for group, table in (
                (SENTIMENT_GROUP, self.sentiment),
                (TEXT_EMB_GROUP, self.text_embedding),
            )
            if table is not None
        }
        for source in self.sources:
            if source.name in taken:
                raise ValueError(
                    f"sources: name {source.name!r} is used twice (by a market prefix, "
                    "[data.sentiment] (Sentiment), [data.text_embedding] (TextEmb) or another "
                    "source)"
                )
            taken.add(source.name)
        return self

    @field_validator("names")
    @classmethod
    def _display_names(cls, value: dict[str, str]) -> dict[str, str]:
        for slot, name in value.items():
            if not name.strip() or not name.isprintable() or "|" in name:
                raise ValueError(
                    f"{slot}: display name {name!r} must be non-empty printable text on one "
                    "line, without '|'"
                )
        return {slot: name.strip() for slot, name in value.items()}

    def display_name(self, slot: str) -> str:
        """The display name of a market prefix or daily table (``slot`` itself by default)."""
        return self.names.get(slot, slot)

    def tables(self) -> dict[str, DailyTableConfig]:
        """Every daily table by feature group: ``Sentiment`` (if configured), the sources, then
        ``TextEmb`` (if configured)."""
        out: dict[str, DailyTableConfig] = {}
        if self.sentiment is not None:
            out[SENTIMENT_GROUP] = self.sentiment
        out.update((s.name, s) for s in self.sources)
        if self.text_embedding is not None:
            out[TEXT_EMB_GROUP] = self.text_embedding
        return out

    def components(self) -> dict[str, int]:
        """Principal components per reduced group (``{"TextEmb": k}`` when configured)."""
        table = self.text_embedding
        return {TEXT_EMB_GROUP: table.components} if table is not None else {}
