"""sentcast's networks beside NeuralForecast's LSTM and NHITS and the statsforecast models, on
the same panel, split, horizons and windows, in one run and one table.

    pip install -e '.[peers]'      # NeuralForecast (torch 2.13.0 installed first, as always)
    nice -n 10 .venv/bin/python benchmarks/peers.py            # horizon 1, windows 7 / 30 / 90

For every window ``T`` (the sentcast cell's window and NeuralForecast's ``input_size``) and
horizon ``h``: the sentcast LSTM and CNN-LSTM of ``configs/study_btc.toml`` on the BTC feature
set (its ``[model.*]`` and ``[train]`` settings, three seeds, and their seed ensemble);
NeuralForecast's LSTM and NHITS on the BTC close (per-window ``robust`` scaler, early stopping
on the same validation days, trained once on everything before the test part and rolled over
it without refitting, three seeds); AutoETS, AutoARIMA, Theta and the random walk with drift
(:mod:`sentcast.models.statistical`). Every model is scored on the same test samples: RMSE in
USD, its ratio to naive (mean ± standard deviation over seeds), the Diebold–Mariano p-value
against naive (the largest over seeds) and the mean fit seconds.
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from sentcast.config.forecast import ForecastExperiment
from sentcast.evaluation.stats import diebold_mariano
from sentcast.experiments.forecast_cells import build_estimator, fit_cell
from sentcast.experiments.forecast_data import CellData, experiment_cell, load_experiment_data
from sentcast.experiments.runner import load_experiment
from sentcast.models.statistical import STATISTICAL, predict_forecaster

REPO = Path(__file__).resolve().parents[1]


def _neuralforecast(
    name: str, data: CellData, window: int, horizon: int, seed: int, max_steps: int
) -> tuple[np.ndarray, float]:
    """Test predictions (one per test sample) of NeuralForecast's ``name`` and its fit time."""
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM, NHITS

    history = data.close_history
    assert data.split.test is not None
    test, val = data.split.test, data.split.validation
    frame = pd.DataFrame({"unique_id": "BTC", "ds": np.arange(len(history)), "y": history.values})
    first = history.index.get_loc(test.end_dates[0])
    frame = frame.iloc[: history.index.get_loc(test.end_dates[-1]) + horizon + 1]
    common = {
        "h": horizon,
        "input_size": window,
        "scaler_type": "robust",
        "max_steps": max_steps,
        "val_check_steps": 10,
        "early_stop_patience_steps": 5,
        "random_seed": seed,
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "logger": False,
        "accelerator": "cpu",
    }
    model = LSTM(**common) if name == "nf-lstm" else NHITS(**common)
    nf = NeuralForecast(models=[model], freq=1)
    start = time.perf_counter()
    n_windows = len(test)
    cv = nf.cross_validation(
        frame, n_windows=n_windows, step_size=1, val_size=len(val), refit=False
    )
    seconds = time.perf_counter() - start
    column = next(c for c in cv.columns if c not in ("unique_id", "ds", "cutoff", "y"))
    cv = cv.sort_values(["cutoff", "ds"])
    last = cv.groupby("cutoff").tail(1)  # the h-th step from each origin
    pred = last[column].to_numpy()
    cutoffs = last["cutoff"].to_numpy()
    assert len(pred) == len(test) and cutoffs[0] == first, "origins differ from the test part"
    return pred, seconds


def _row(
    model: str,
    window: int,
    horizon: int,
    preds: list[np.ndarray],
    data: CellData,
    seconds: list[float],
) -> dict[str, object]:
    assert data.split.test is not None
    test = data.split.test
    naive_err = test.last_close - test.target_close
    ratios, pvalues, rmses = [], [], []
    for pred in preds:
        err = pred - test.target_close
        rmses.append(float(np.sqrt(np.mean(err**2))))
        ratios.append(rmses[-1] / float(np.sqrt(np.mean(naive_err**2))))
        pvalues.append(diebold_mariano(err, naive_err, horizon).pvalue)
    return {
        "horizon": horizon,
        "window": window,
        "model": model,
        "seeds": len(preds),
        "test_rmse_usd": np.mean(rmses),
        "ratio_naive": np.mean(ratios),
        "ratio_std": np.std(ratios, ddof=1) if len(ratios) > 1 else 0.0,
        "dm_p_max": np.nanmax(pvalues) if not np.isnan(pvalues).all() else np.nan,
        "fit_s": np.mean(seconds),
    }


def main() -> None:
    """Fit every model of every (horizon, window) and print one table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "study_btc.toml")
    parser.add_argument("--windows", default="7,30,90")
    parser.add_argument("--horizons", default="1")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--max-steps", type=int, default=500, help="NeuralForecast steps")
    parser.add_argument("--no-neuralforecast", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning").setLevel(logging.ERROR)
    _, loaded = load_experiment(args.config)
    config = cast(ForecastExperiment, loaded)
    seeds = [int(s) for s in args.seeds.split(",")]
    data = load_experiment_data(config.data)
    rows = []
    for horizon in (int(h) for h in args.horizons.split(",")):
        for window in (int(w) for w in args.windows.split(",")):
            cell = experiment_cell(data.frame, config, "BTC", window, horizon)
            assert cell.split.test is not None
            history = cell.close_history
            for name in ("lstm", "cnn-lstm"):
                preds, secs = [], []
                for seed in seeds:
                    model, seconds = fit_cell(build_estimator(name, config, seed, cell), cell)
                    preds.append(predict_forecaster(model, cell.split.test, history))
                    secs.append(seconds)
                rows.append(_row(f"sentcast {name}", window, horizon, preds, cell, secs))
                ens = [np.mean(preds, axis=0)]
                rows.append(_row(f"sentcast {name} ens.", window, horizon, ens, cell, [sum(secs)]))
            for name in STATISTICAL:
                model, seconds = fit_cell(build_estimator(name, config, seeds[0], cell), cell)
                pred = predict_forecaster(model, cell.split.test, history)
                rows.append(_row(f"statsforecast {name}", window, horizon, [pred], cell, [seconds]))
            if not args.no_neuralforecast:
                for name in ("nf-lstm", "nf-nhits"):
                    runs = [
                        _neuralforecast(name, cell, window, horizon, s, args.max_steps)
                        for s in seeds
                    ]
                    rows.append(
                        _row(
                            name, window, horizon, [p for p, _ in runs], cell, [s for _, s in runs]
                        )
                    )
            print(pd.DataFrame(rows[-1:]).to_string(index=False, header=False), flush=True)
    table = pd.DataFrame(rows)
    print()
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
