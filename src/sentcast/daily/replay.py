"""``sentcast daily CONFIG --replay START..END``: the job run day by day over history.

Each calendar day of the range runs :func:`sentcast.daily.job.run_day`, the live run's
steps, on the data known that day (market rows and daily tables up to it) with the models
retrained on the schedule: the paper record of the method. Collectors (X API, dumps,
Yahoo) do not run: history comes from the files of ``[data]``. A day whose data ends on a
day already forecast (a weekend under the trading calendar) adds nothing. The dashboard is
written once, at the end. Each forecast key is written once, so re-running a replay is a
no-op; scores and intervals of a day only count outcomes known on that day.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path

import pandas as pd

from sentcast.daily.config import DailyConfig
from sentcast.daily.job import DataSource, DayResult, Step, job_log, run_day
from sentcast.daily.models import Models
from sentcast.daily.store import Store
from sentcast.files import FolderLock
from sentcast.progress import progress_bar

logger = logging.getLogger(__name__)


def replay(config: DailyConfig, run_dir: Path, start: str, end: str,
           on_step: Step | None = None) -> tuple[list[DayResult], str]:  # fmt: skip
    """Run every day of ``start .. end`` (ISO days, inclusive).

    Returns
    -------
    results : list of DayResult
    summary : str
        One line: days, forecasts, outcomes, the chosen model's running score, seconds.
    """
    from sentcast.daily.dashboard import write_dashboard

    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    run_dir.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    results = []
    with FolderLock(run_dir), job_log(run_dir), Store(config.store_path(run_dir)) as store:
        source = DataSource(config, preload=last)
        models = Models(config, store, run_dir / "models")
        with progress_bar("replay", total=len(days)) as bar:
            for day in days:
                results.append(run_day(config, store, models, source.frame(day), day,
                                       "replay", on_step))  # fmt: skip
                bar.advance(bar.task_ids[0])
        write_dashboard(store, run_dir, config.daily.dashboard_days)
        score = results[-1].score if results else pd.DataFrame()
        seconds = time.perf_counter() - began
        text = (
            f"replay {start}..{end}: {len(days)} days, "
            f"{sum(r.new_forecasts for r in results)} forecasts, "
            f"{sum(r.new_outcomes for r in results)} scored, "
            f"{sum(len(r.trained) for r in results)} trainings"
        )
        own = score[score["series"] == "chosen"] if len(score) else score
        for row in own.itertuples():
            text += (
                f"; h{row.horizon}: RMSE/naive {row.ratio_naive:.3f} (DM p {row.dm_pvalue:.2g},"
                f" n {row.n}), coverage80 {row.cov80:.2f}, coverage95 {row.cov95:.2f}"
            )
        text += f" ({seconds:.0f} s)"
        logger.info(text)
    return results, text
