"""The steps of one job day, shared by the live run and the replay.

``run_day`` on day ``D`` (the data known on ``D``: market rows and daily tables up to ``D``):

1. ``store``: the new market rows and daily values go to the store;
2. ``outcomes``: every stored forecast whose target day has come gets its outcome (before
   forecasting, so today's intervals learn from yesterday's miss);
3. ``model``: per horizon, the current model version, trained first when the schedule says
   so (:class:`sentcast.daily.models.Models`);
4. ``forecast``: the chosen model, naive and the baselines from the newest day, with
   intervals (stored unless the same vintage is there);
5. ``score``: the running score;
6. ``runs``: the day's row.

Every step commits its own transaction, and each is idempotent, so a run killed between (or
inside) steps leaves a consistent store and the next run completes the day.
``on_step(name)`` is called after each step (progress, and the kill test).

The live run (:func:`run_job`) first collects (market fetch, posts, daily tables), and writes
the dashboard last; its as-of day is yesterday (UTC), the last complete day.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sentcast.daily.collect import collect_all, fetch_market, store_panel
from sentcast.daily.config import DailyConfig
from sentcast.daily.forecasts import forecast_day
from sentcast.daily.models import Models
from sentcast.daily.scoring import score_outcomes, update_scores
from sentcast.daily.store import Store
from sentcast.data.fetch import Downloader
from sentcast.errors import DataError, one_line
from sentcast.experiments.forecast_data import load_experiment_data
from sentcast.files import FolderLock

logger = logging.getLogger(__name__)

LOG_FILE = "daily.log"
NOTHING_NEW = "nothing new today"
Step = Callable[[str], None]


@dataclass
class DayResult:
    """What one job day did."""

    day: dt.date
    data_end: dt.date
    new_forecasts: int = 0
    new_outcomes: int = 0
    trained: list[str] = field(default_factory=list)
    finished_before: bool = False  # a finished run (this day or earlier) had the same data end
    forecasts: pd.DataFrame = field(default_factory=pd.DataFrame)
    score: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def nothing_new(self) -> bool:
        """A finished run already saw this data (the same day again, or a weekend day under
        the trading calendar) and this run added no forecast and no outcome."""
        return self.finished_before and self.new_forecasts == 0 and self.new_outcomes == 0


class DataSource:
    """The experiment's data as known on a day.

    Live runs read the files again each run (``preload=None``); a replay reads them once up
    to its last day and cuts the frame at each day (the panel and the joins only look back:
    market rows, the trading calendar and the fill of daily tables up to a day do not
    depend on later rows; ``tests/daily/test_replay.py`` checks it against fresh loads).
    """

    def __init__(self, config: DailyConfig, market: dict[str, Path] | None = None,
                 preload: dt.date | None = None) -> None:  # fmt: skip
        data = config.experiment.data
        if market:
            data = data.model_copy(update={"market": {**data.market, **market}})
        self.data = data
        self._frame = self._load(preload) if preload is not None else None

    def _load(self, day: dt.date) -> pd.DataFrame:
        end = day.isoformat() if self.data.end is None else min(self.data.end, day.isoformat())
        if self.data.start is not None and end < self.data.start:
            raise DataError(f"{day}: before data.start {self.data.start}")
        return load_experiment_data(self.data.model_copy(update={"end": end})).frame

    def frame(self, day: dt.date) -> pd.DataFrame:
        """The joined frame of every day up to ``day``."""
        if self._frame is None:
            return self._load(day)
        return self._frame.loc[: pd.Timestamp(day)]


def run_day(config: DailyConfig, store: Store, models: Models, frame: pd.DataFrame,
            day: dt.date, mode: str, on_step: Step | None = None) -> DayResult:  # fmt: skip
    """The steps of one day (see the module docstring)."""
    step = on_step or (lambda name: None)
    if frame.empty:
        raise DataError(f"{day}: no market day up to it")
    result = DayResult(day, pd.Timestamp(frame.index[-1]).date())
    store_panel(store, frame, day)
    step("store")
    result.new_outcomes = score_outcomes(store, frame, day)
    step("outcomes")
    forecasts = []
    for horizon in config.experiment.target.horizons:
        mv, trained = models.current(frame, day, horizon)
        if trained:
            result.trained.append(mv.version)
        step("model")
        base = models.baseline(horizon)
        rows, inserted = forecast_day(config, mv, base, store, frame, day)
        forecasts.append(rows)
        result.new_forecasts += inserted
    result.forecasts = pd.concat(forecasts, ignore_index=True)
    step("forecast")
    result.score = update_scores(store, day)
    step("score")
    before = store.scalar(
        "SELECT data_end FROM runs WHERE run_day <= ? ORDER BY run_day DESC LIMIT 1", [day]
    )
    result.finished_before = before is not None and pd.Timestamp(before).date() == result.data_end
    row = {"run_day": day, "mode": mode, "data_end": result.data_end,
           "new_forecasts": result.new_forecasts, "new_outcomes": result.new_outcomes,
           "summary": summary_line(result, config),
           "finished_at": pd.Timestamp.now(tz="UTC").tz_localize(None)}  # fmt: skip
    with store.transaction():
        store.replace("runs", pd.DataFrame([row]))
    step("runs")
    return result


def summary_line(result: DayResult, config: DailyConfig) -> str:
    """The run's one line: the newest chosen forecast and the running score."""
    if result.nothing_new:
        return f"{result.day}: {NOTHING_NEW} (data up to {result.data_end})"
    text = f"{result.day}: {result.new_forecasts} new forecast(s), {result.new_outcomes} scored"
    forecasts = result.forecasts
    chosen = forecasts[forecasts["role"] == "chosen"] if len(forecasts) else forecasts
    if len(chosen):
        first = chosen.iloc[0]
        text += (
            f"; {first['model']} from {first['origin_day']}: {first['forecast_usd']:,.0f} USD"
            f" (80 %: {first['lower80']:,.0f}..{first['upper80']:,.0f})"
        )
    score = result.score
    if len(score):
        own = score[score["series"] == "chosen"]
        if len(own):
            s = own.iloc[0]
            text += (
                f"; running RMSE/naive {s['ratio_naive']:.3f} (DM p {s['dm_pvalue']:.2g}, "
                f"n {int(s['n'])}), coverage80 {s['cov80']:.2f}"
            )
    return text


@contextlib.contextmanager
def job_log(run_dir: Path) -> Iterator[None]:
    """Send the ``sentcast`` log to ``RUN_DIR/daily.log`` too while the job runs."""
    handler = logging.FileHandler(run_dir / LOG_FILE, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("sentcast")
    previous = root.level
    stderr_levels = {h: h.level for h in root.handlers}
    for other in root.handlers:  # stderr keeps its verbosity (-q: warnings only)
        other.setLevel(max(other.level, root.getEffectiveLevel()))
    root.addHandler(handler)
    root.setLevel(min(root.getEffectiveLevel(), logging.INFO))
    try:
        yield
    except Exception as exc:  # the failure's line goes to the log file too (stderr has it)
        args = (one_line(exc),)
        handler.handle(
            logger.makeRecord(logger.name, logging.ERROR, "", 0, "failed: %s", args, None)
        )
        raise
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        for other, level in stderr_levels.items():
            other.setLevel(level)
        handler.close()


def last_complete_day(now: dt.datetime | None = None) -> dt.date:
    """Yesterday in UTC: today's bars are still moving."""
    now = now or dt.datetime.now(dt.UTC)
    return now.date() - dt.timedelta(days=1)


def run_job(config: DailyConfig, run_dir: Path, day: dt.date | None = None,
            download: Downloader | None = None, on_step: Step | None = None,
            now: Callable[[], dt.datetime] | None = None) -> DayResult:  # fmt: skip
    """The scheduled job: lock, collect, run the day, write the dashboard.

    Raises
    ------
    UserInputError
        Another run holds the folder, or a bad config value.
    DataError
        Unusable data (the store keeps every step committed before it).
    """
    from sentcast.daily.dashboard import write_dashboard

    day = day or last_complete_day(now() if now else None)
    run_dir.mkdir(parents=True, exist_ok=True)
    with FolderLock(run_dir), job_log(run_dir), Store(config.store_path(run_dir)) as store:
        logger.info("daily run for %s in %s", day, run_dir)
        market = fetch_market(config, run_dir, day, download)
        counts = collect_all(config, store, run_dir, day, now)
        logger.info("collected: %s", counts or "no collector configured")
        if on_step:
            on_step("collect")
        frame = DataSource(config, market).frame(day)
        models = Models(config, store, run_dir / "models")
        result = run_day(config, store, models, frame, day, "live", on_step)
        write_dashboard(store, run_dir, config.daily.dashboard_days)
        logger.info(summary_line(result, config))
    return result
