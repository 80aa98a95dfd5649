"""Fixtures of the reporting tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.figure import Figure

from tests.reporting.summary_results import results_frame


@pytest.fixture()
def forecast_run(tmp_path: Path) -> Path:
    """A forecast run folder with results for windows 90, 7, 30 and a plot per window."""
    run = tmp_path / "forecast"
    (run / "plots").mkdir(parents=True)
    (run / "config.toml").write_text('kind = "forecast"\n\n[grid]\nwindows = [90, 7, 30]\n')
    results_frame(windows=(90, 7, 30)).to_csv(run / "results.csv", index=False)
    (run / "data_summary.json").write_text(
        '{"kind": "forecast", "start": "2018-01-01", "end": "2019-12-31", "calendar": "daily",'
        ' "n_days": 730, "missing_days": {"sentiment_filled": 3},'
        ' "n_samples": {"h1": {"90": {"train": 5}, "7": {"train": 7}, "30": {"train": 6}}}}'
    )
    for window in (90, 7, 30):
        fig = Figure()
        fig.subplots().plot([1, window])
        fig.savefig(run / "plots" / f"predictions_h1_w{window}.png")
    return run
