"""The Python API end to end: panel, windows, fit, predict with intervals, evaluate against naive.

    .venv/bin/python examples/api_quickstart.py [SHARED_DATA_DIR]

Loads the aligned market panel (BTC, the dollar index, the S&P 500) from the shared Yahoo
files, joins the daily Reddit comment sentiment as the ``Sentiment`` group, cuts 7-day windows
and splits them 60 / 20 / 20 in time. The LSTM stops early on the validation part; the LSTM on
BTC+Sentiment and the naive "tomorrow = today" forecast are then scored once on the test part:
RMSE (in min-max units of the training targets and in USD), a Diebold-Mariano test of the
LSTM against naive, and 80 % conformal prediction intervals calibrated on the validation
residuals. The model is saved as a data-only folder and loaded back.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from sentcast import (
    NaiveForecaster,
    SequenceForecaster,
    TrainingConfig,
    feature_columns,
    forecast_metrics,
    join_daily,
    load_panel,
    make_windows,
    read_daily_series,
    shared_data_dir,
    split_windows,
)
from sentcast.evaluation.intervals import interval_metrics, relative_scores, split_conformal
from sentcast.evaluation.stats import diebold_mariano
from sentcast.models.training import fit_summary


def main() -> None:
    """Run the example and print its figures."""
    torch.set_num_threads(1)  # small networks train fastest on one thread
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else shared_data_dir()
    market = data / "market"
    panel, report = load_panel(
        {"BTC": market / "BTC-USD.csv", "USD": market / "DXY.csv", "SP500": market / "GSPC.csv"},
        start="2014-09-18",
        end="2019-11-23",
        calendar="trading",
    )
    print(report.summary().splitlines()[0])
    daily, _ = read_daily_series(
        data / "sentiment_daily" / "reddit_comments_sentiment.csv", ["CL sentiment"]
    )
    frame, _ = join_daily(panel, daily, ["CL sentiment"], fill="ffill", name="Sentiment")
    frame = frame.dropna()  # days the table cannot serve (none here) keep NaN
    features = feature_columns("BTC+Sentiment", list(frame.columns))
    split = split_windows(make_windows(frame, features, window=7), validation=0.2, test=0.2)
    train, val, test = split.train, split.validation, split.test
    assert test is not None

    model = SequenceForecaster("lstm", hidden_size=50, train=TrainingConfig(epochs=30, patience=5))
    model.fit(train.X, train.y, validation=(val.X, val.y))
    print(f"lstm: {fit_summary(model.history_)}")
    naive = NaiveForecaster().fit(train.X, train.y)
    scale = float(np.ptp(train.y))  # the study's min-max units: range of the training targets
    errors = {}
    for name, estimator in (("lstm", model), ("naive", naive)):
        pred = estimator.predict(test.X)
        errors[name] = test.y - pred
        m = forecast_metrics("price", test.y, pred, test.last_close, test.target_close, scale)
        print(f"{name:6s} test RMSE {m['rmse']:.4f} scaled, {m['rmse_usd']:.0f} USD")

    # Is the LSTM's squared error different from naive's? (negative statistic: LSTM better)
    dm = diebold_mariano(errors["lstm"], errors["naive"], horizon=1)
    if np.isnan(dm.statistic):  # e.g. the residual head kept its start: naive itself
        print("Diebold-Mariano, LSTM vs naive: the same forecasts, nothing to test")
    else:
        print(f"Diebold-Mariano, LSTM vs naive: statistic {dm.statistic:+.2f}, p {dm.pvalue:.2g}")

    # 80 % conformal intervals: |error| / last close on validation, scaled by each test sample's
    # last close (the part used for choices calibrates; the test part only scores)
    cal = relative_scores(val.y, model.predict(val.X), val.last_close)
    lower, upper = split_conformal(cal, model.predict(test.X), test.last_close, level=0.8)
    cover = interval_metrics(test.y, lower, upper, level=0.8)
    print(
        f"80 % interval: coverage {cover['coverage']:.2f} on {len(test.y)} test days, "
        f"mean width {cover['width']:.0f} USD"
    )

    model.save("runs/api_quickstart_lstm")
    again = SequenceForecaster.load("runs/api_quickstart_lstm")
    assert np.array_equal(again.predict(test.X), model.predict(test.X))
    print("saved and reloaded: runs/api_quickstart_lstm")


if __name__ == "__main__":
    main()
