"""Daily job files over the shared data: small (ridge and naive, one window, short ranges)."""

from __future__ import annotations

from pathlib import Path

import pytest

EXPERIMENT = """
[data]
start = "{start}"
{end_line}calendar = "trading"

[data.market]
BTC = "{market}/BTC-USD.csv"

[data.sentiment]
path = "{sentiment}/reddit_comments_sentiment.csv"
columns = ["CL sentiment"]
fill = "ffill"

[target]
kind = "price"
horizons = [1]

[grid]
windows = [7]
feature_sets = ["BTC+Sentiment"]
models = []
baselines = ["ridge", "naive", "rwd", "theta"]
seeds = [0]

[model.ridge]
alphas = [1.0, 100.0, 10000.0]
relative = true

[model.statistical]
refit_every = 20
"""


def job_file(folder: Path, shared: Path, daily: str, start: str = "2017-06-01",
             end: str = "2019-11-23") -> Path:  # fmt: skip
    """Write ``folder/job.toml``: the small experiment above plus the ``[daily]`` text."""
    text = (
        'kind = "daily"\n\n[daily]\n'
        + daily
        + EXPERIMENT.format(
            start=start,
            end_line=f'end = "{end}"\n' if end else "",
            market=shared / "market",
            sentiment=shared / "sentiment_daily",
        )
    )
    path = folder / "job.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def job(tmp_path: Path, shared_data: Path):  # type: ignore[no-untyped-def]
    """``job(daily_text, **dates) -> Path`` of a job file in ``tmp_path``."""

    def make(daily: str = "", **dates: str) -> Path:
        return job_file(tmp_path, shared_data, daily, **dates)

    return make
