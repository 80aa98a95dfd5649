from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sentcast.evaluation.importance import summarize_importance
from sentcast.reporting import forecast_plots
from sentcast.reporting.forecast_plots import plot_importance, plot_predictions


def test_plots_are_written_as_png(tmp_path: Path) -> None:
    dates = pd.date_range("2020-01-01", periods=30, freq="D")
    predictions = pd.DataFrame(
        {
            "split": ["train"] * 20 + ["validation"] * 10,
            "target_date": dates,
            "y_true": np.arange(30.0),
            "y_pred": np.arange(30.0) + 0.5,
        }
    )
    path = plot_predictions(predictions, "title", tmp_path / "plots" / "p.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = pd.DataFrame(
        {
            "level": ["group"] * 4 + ["cluster"] * 2 + ["feature"],
            "group": ["BTC", "BTC", "S", "S", "BTC", "BTC", "BTC"],
            "feature": [
                "BTC",
                "BTC",
                "S",
                "S",
                "BTC: Open, Close",
                "BTC: Open, Close",
                "BTC_Volume",
            ],
            "importance": [0.3, 0.35, -0.01, 0.02, 0.2, 0.25, 0.0],
        }
    )
    out = plot_importance(summarize_importance(rows), "imp", tmp_path / "i.png", {"BTC": "ETH-USD"})
    assert out.stat().st_size > 1000


def test_zoomed_plot_draws_the_headline_part_with_naive_and_others(tmp_path: Path) -> None:
    dates = pd.date_range("2020-01-01", periods=30, freq="D")
    split = ["train"] * 20 + ["test"] * 10
    truth = np.arange(30.0)
    best = pd.DataFrame(
        {"split": split, "target_date": dates, "y_true": truth, "y_pred": truth + 1}
    )
    best["lower80"], best["upper80"] = best["y_pred"] - 1, best["y_pred"] + 1
    naive = best.assign(y_pred=truth - 1)
    path = plot_predictions(
        best, "t", tmp_path / "z.png", label="best", others={"LSTM": best}, naive=naive, zoom="test"
    )
    full = plot_predictions(best, "t", tmp_path / "f.png", label="best")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.read_bytes() != full.read_bytes()


def test_prediction_plot_names_the_target_asset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    figures: list[Figure] = []
    monkeypatch.setattr(forecast_plots, "save_figure", lambda fig, path: figures.append(fig))
    frame = pd.DataFrame(
        {
            "split": ["test"] * 3,
            "target_date": pd.date_range("2020-01-01", periods=3),
            "y_true": [1.0, 2.0, 3.0],
            "y_pred": [1.0, 2.0, 2.5],
        }
    )
    plot_predictions(frame, "t", tmp_path / "a.png", "price", asset="ETH-USD")
    plot_predictions(frame, "t", tmp_path / "b.png", "log_return")
    assert [f.axes[0].get_ylabel() for f in figures] == ["ETH-USD close (USD)", "BTC log return"]
