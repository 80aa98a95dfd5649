"""The Python API end to end on the shared data: panel -> sentiment -> windows -> LSTM vs naive.

    .venv/bin/python examples/api_quickstart.py [SHARED_DATA_DIR]

Splits the windows 60/20/20 in time: the LSTM stops early on the validation part, and both the
LSTM on BTC+Sentiment and the naive "tomorrow = today" forecast are scored once on the test part
(RMSE in min-max units of the training targets and in USD).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from sentcast.data.daily_series import read_daily_series
from sentcast.data.market import load_panel
from sentcast.evaluation.regression import forecast_metrics
from sentcast.features.join import join_daily
from sentcast.features.sets import feature_columns
from sentcast.features.windows import make_windows, split_windows
from sentcast.models.baselines import NaiveForecaster
from sentcast.models.forecast import SequenceForecaster
from sentcast.models.training import TrainingConfig
from sentcast.paths import shared_data_dir


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
    naive = NaiveForecaster().fit(train.X, train.y)
    scale = float(np.ptp(train.y))  # the study's min-max units: range of the training targets
    for name, estimator in (("lstm", model), ("naive", naive)):
        m = forecast_metrics(
            "price", test.y, estimator.predict(test.X), test.last_close, test.target_close, scale
        )
        print(f"{name:6s} test RMSE {m['rmse']:.4f} scaled, {m['rmse_usd']:.0f} USD")
    model.save("runs/api_quickstart_lstm")
    again = SequenceForecaster.load("runs/api_quickstart_lstm")
    assert np.array_equal(again.predict(test.X), model.predict(test.X))
    print("saved and reloaded: runs/api_quickstart_lstm")


if __name__ == "__main__":
    main()
