"""``sentcast daily`` job files: a forecast experiment plus a ``[daily]`` table.

One TOML file fully expresses a job. Its ``[data]``, ``[target]``, ``[split]``, ``[grid]``,
``[model]``, ``[train]`` and ``[evaluation]`` tables are those of a forecast experiment (see
``configs/study_btc.toml``) and mean the same here; ``kind = "daily"`` and the ``[daily]``
table say what the scheduled job does on top:

.. code-block:: toml

    [daily]
    run_dir = "../runs/daily_btc"   # RUN_DIR (relative to this file); --out overrides it
    store = "daily.duckdb"          # inside RUN_DIR
    retrain_every_days = 7          # retrain when the model is this old; 0: never
    baselines = ["ets", "arima", "theta", "rwd"]

Relative paths resolve against the file's folder (inputs) or the run folder (outputs: the
store, never outside it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from sentcast.config.base import FileName, FrozenModel, load_toml, unique
from sentcast.config.forecast import ForecastExperiment, resolve_paths
from sentcast.errors import ConfigError, UserInputError
from sentcast.experiments.runner import apply_overrides
from sentcast.files import inside
from sentcast.models.forecast import NETWORKS
from sentcast.models.statistical import STATISTICAL

#: Models a daily job may choose among (window models; the statistical ones are baselines).
CHOICES = (*NETWORKS, "ridge", "rf", "naive")


class FetchConfig(FrozenModel):
    """``[daily.fetch]``: Yahoo tickers per market slot, downloaded into RUN_DIR/market.

    Empty (the default): the market files of ``[data.market]`` are read as they are (a
    replay, or files another job keeps up to date).
    """

    tickers: dict[str, str] = Field(default_factory=dict)
    start: str = "2014-09-17"


class XSourceConfig(FrozenModel):
    """``[[daily.x]]``: posts from the X API recent search, since the newest one stored."""

    name: FileName = "x"
    query: str = Field(min_length=1)
    api_url: str = Field("https://api.x.com", pattern=r"^https?://[^\s]+$")
    token_env: str = "X_BEARER_TOKEN"
    lookback_days: int = Field(6, gt=0, le=7)
    max_tweets: int | None = Field(None, gt=0)
    retries: int = Field(3, ge=0, le=20)
    backoff_s: float = Field(1.0, ge=0.01, le=60.0, description="first pause between retries")


class RedditSourceConfig(FrozenModel):
    """``[[daily.reddit]]``: new dump files (``*.zst``) in a folder, each read once."""

    name: FileName = "reddit"
    folder: str
    subreddits: list[str] = Field(min_length=1)


class CsvSourceConfig(FrozenModel):
    """``[[daily.csv]]``: a daily table (CSV or Parquet, one row per day) copied into the
    store's ``daily_series`` as its rows arrive."""

    name: FileName
    path: str
    columns: list[str] = Field(min_length=1)


class DailySettings(FrozenModel):
    """``[daily]``: where the job writes, how it retrains, what it forecasts and collects.

    Attributes
    ----------
    run_dir : str
        RUN_DIR (relative paths against the config file's folder).
    store : str
        The DuckDB file, inside RUN_DIR.
    models : list of str
        Candidates chosen among on validation at each training (with every window and
        feature set of ``[grid]``, first seed); default ``grid.models`` and the window
        baselines of ``grid.baselines``.
    retrain_every_days : int
        Retrain when the newest model is at least this many days old; 0: never retrain once
        a model exists.
    model_dir : str or None
        A model saved by ``sentcast forecast train`` (or an experiment run) to use instead
        of training the first one; with ``retrain_every_days = 0`` it is used throughout.
    baselines : list of str
        Statistical baselines forecast beside the chosen model and naive.
    dashboard_days : int
        Days of forecasts drawn on the dashboard.
    """

    run_dir: str = "runs/daily"
    store: str = "daily.duckdb"
    models: list[str] = Field(default_factory=list)
    retrain_every_days: int = Field(7, ge=0)
    model_dir: str | None = None
    baselines: list[str] = Field(default_factory=lambda: list(STATISTICAL))
    dashboard_days: int = Field(90, gt=0)
    fetch: FetchConfig = FetchConfig()
    x: list[XSourceConfig] = Field(default_factory=list)
    reddit: list[RedditSourceConfig] = Field(default_factory=list)
    csv: list[CsvSourceConfig] = Field(default_factory=list)

    @field_validator("models")
    @classmethod
    def _models(cls, value: list[str]) -> list[str]:
        bad = [m for m in value if m not in CHOICES]
        if bad:
            raise ValueError(f"unknown model {bad[0]!r} (one of {', '.join(CHOICES)})")
        return list(unique(value))

    @field_validator("baselines")
    @classmethod
    def _baselines(cls, value: list[str]) -> list[str]:
        bad = [m for m in value if m not in STATISTICAL]
        if bad:
            raise ValueError(f"unknown baseline {bad[0]!r} (one of {', '.join(STATISTICAL)})")
        return list(unique(value))


class DailyConfig(FrozenModel):
    """A whole daily job file: ``[daily]`` and the forecast experiment it runs."""

    daily: DailySettings
    experiment: ForecastExperiment
    base_dir: str = "."

    def candidates(self) -> list[str]:
        """The models chosen among at each training."""
        if self.daily.models:
            return list(self.daily.models)
        grid = self.experiment.grid
        found: list[str] = [m for m in (*grid.models, *grid.baselines) if m in CHOICES]
        if not found:
            raise ConfigError("daily.models: no candidate (grid has no window model)")
        return found

    def run_dir(self, out: str | Path | None = None) -> Path:
        """RUN_DIR: ``out`` if given, else ``daily.run_dir`` against the file's folder."""
        return Path(out) if out is not None else Path(self.base_dir) / self.daily.run_dir

    def store_path(self, run_dir: Path) -> Path:
        """The DuckDB file, checked to lie inside ``run_dir``."""
        return inside(run_dir, self.daily.store)

    def input_path(self, value: str) -> Path:
        """An input path of ``[daily]`` against the config file's folder."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else Path(self.base_dir) / path


def load_daily_config(path: str | Path, overrides: list[str] | None = None) -> DailyConfig:
    """Read, override (``--set dotted.key=value``) and validate a daily job file.

    Raises
    ------
    ConfigError
        ``kind`` is not ``"daily"`` or a value is invalid (dotted path named).
    """
    raw: dict[str, Any] = load_toml(path)
    base = Path(path).resolve().parent
    raw = resolve_paths(raw, base)
    raw = apply_overrides(raw, overrides or [])
    kind = raw.pop("kind", None)
    if kind != "daily":
        raise ConfigError(f"kind: must be 'daily' for `sentcast daily`, got {kind!r}")
    daily = raw.pop("daily", {})
    if not isinstance(daily, dict):
        raise ConfigError("daily: must be a table")
    settings = DailySettings.from_mapping(daily, "daily")
    experiment = ForecastExperiment.from_mapping(raw)
    if experiment.target.kind == "direction":
        raise ConfigError("target.kind: daily forecasts need a price or log_return target")
    config = DailyConfig(daily=settings, experiment=experiment, base_dir=str(base))
    config.candidates()
    return config


def parse_range(text: str) -> tuple[str, str]:
    """``START..END`` (ISO days) as two strings, checked.

    Raises
    ------
    UserInputError
        Not two ISO days with START <= END.
    """
    import datetime as dt

    start, sep, end = text.partition("..")
    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        first = last = None  # type: ignore[assignment]
    if not sep or first is None or last is None or first > last:
        raise UserInputError(f"--replay expects START..END (YYYY-MM-DD..YYYY-MM-DD), got {text!r}")
    return first.isoformat(), last.isoformat()


Role = Literal["chosen", "naive", "baseline"]
