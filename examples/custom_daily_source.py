"""A custom daily source: your own daily series as a feature group of a forecasting experiment.

    .venv/bin/python examples/custom_daily_source.py [SHARED_DATA_DIR]

Any table with one row per day can join the market panel: here a series computed in pandas,
the weekly change of the Fear & Greed index (``fear_greed_index_2018-2026.csv`` in the shared
data), written to ``runs/fear_greed_change.csv``. A ``[[data.sources]]`` entry names it as the
feature group ``FGChange`` (columns become ``FGChange_<column>``), with its fill policy and the
oldest value that may be carried forward; feature sets such as ``BTC+FGChange`` then use it. A
feature set uses only the days its sources serve, and is compared with naive on its own
samples. The experiment (ridge and naive, window 7, next-day BTC close) runs in seconds and
writes a RUN_DIR with ``results.csv``, ``tables.md``, plots and ``report.html``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from sentcast import run_experiment, shared_data_dir

EXPERIMENT = """
kind = "forecast"

[data]
start = "2018-02-01"
end = "2019-11-23"
calendar = "daily"

[data.market]
BTC = "{data}/market/BTC-USD.csv"

[[data.sources]]
name = "FGChange"
path = "fear_greed_change.csv"          # relative paths resolve against this file's folder
columns = ["fng_change_7d"]
fill = "ffill"
max_fill_days = 3
label = "Fear & Greed index, change over 7 days"

[grid]
windows = [7]
feature_sets = ["BTC", "BTC+FGChange"]
models = []
baselines = ["naive", "ridge"]
seeds = [0]

[model.ridge]
alphas = [1.0, 100.0, 10000.0]

[evaluation]
importance = false
plots = false
"""


def main() -> None:
    """Run the example and print its figures."""
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else shared_data_dir()
    runs = Path("runs")
    runs.mkdir(exist_ok=True)

    # 1. Your own daily series: one row per day, a date column and numeric columns
    index = pd.read_csv(data / "sentiment_daily" / "fear_greed_index_2018-2026.csv")
    index["Date"] = pd.to_datetime(index["Date"])
    daily = index.set_index("Date")["fng_value"].asfreq("D").ffill()
    change = (daily - daily.shift(7)).dropna().rename("fng_change_7d")
    change.to_frame().rename_axis("date").to_csv(runs / "fear_greed_change.csv")
    print(
        f"custom source: {len(change)} days, {change.index[0]:%Y-%m-%d} .. "
        f"{change.index[-1]:%Y-%m-%d}"
    )

    # 2. An experiment file that names it, run like `sentcast experiment run`
    config = runs / "custom_source.toml"
    config.write_text(EXPERIMENT.format(data=data.resolve().as_posix()), encoding="utf-8")
    summary = run_experiment(config, runs / "custom_source")
    print("\n".join(line for line in summary.splitlines() if not line.startswith("report:")))

    results = pd.read_csv(runs / "custom_source" / "results.csv")
    test = results[(results["split"] == "test") & (results["model"] == "ridge")]
    for row in test.itertuples():
        print(f"ridge on {row.feature_set}: test RMSE / naive {row.rmse_ratio_naive:.3f}")


if __name__ == "__main__":
    main()
