"""Small generated market panels and daily sentiment tables for the forecasting tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sentcast.data.yahoo import OHLCV


def market_frame(prefix: str, index: pd.DatetimeIndex, close: np.ndarray) -> pd.DataFrame:
    """OHLCV columns ``<prefix>_*`` around a close series."""
    data = {
        "Open": close * 0.99,
        "High": close * 1.01,
        "Low": close * 0.98,
        "Close": close,
        "Adj_Close": close,
        "Volume": np.linspace(1e6, 2e6, len(close)),
    }
    return pd.DataFrame({f"{prefix}_{k}": data[k] for k in OHLCV}, index=index)


def synthetic_panel(
    n: int = 120, seed: int = 0, beta: float = 0.0, with_sentiment: bool = True, lag: int = 1
) -> pd.DataFrame:
    """Daily BTC/USD/SP500 panel; the BTC log return ``lag`` days after a day with sentiment
    ``s`` is ``beta * s`` + noise (a sentiment lead of ``lag`` days)."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2020-01-01", periods=n, freq="D", name="date")
    sentiment = rng.normal(size=n)
    returns = 0.01 * rng.normal(size=n)
    returns[lag:] += beta * sentiment[:-lag]
    close = 1000.0 * np.exp(np.cumsum(returns))
    parts = [
        market_frame("BTC", index, close),
        market_frame("USD", index, 90 + rng.normal(size=n).cumsum() * 0.1),
        market_frame("SP500", index, 3000 + rng.normal(size=n).cumsum()),
    ]
    frame = pd.concat(parts, axis=1)
    if with_sentiment:
        frame["Sentiment_CL_sentiment"] = sentiment
    return frame


def write_yahoo_csv(frame: pd.DataFrame, prefix: str, path: Path) -> Path:
    """Write the ``prefix`` columns of ``frame`` as a classic Yahoo CSV."""
    out = pd.DataFrame(
        {
            "Date": frame.index.strftime("%Y-%m-%d"),
            "Open": frame[f"{prefix}_Open"].to_numpy(),
            "High": frame[f"{prefix}_High"].to_numpy(),
            "Low": frame[f"{prefix}_Low"].to_numpy(),
            "Close": frame[f"{prefix}_Close"].to_numpy(),
            "Adj Close": frame[f"{prefix}_Adj_Close"].to_numpy(),
            "Volume": frame[f"{prefix}_Volume"].to_numpy().round(),
        }
    )
    out.to_csv(path, index=False)
    return path


def write_experiment_files(
    folder: Path, n: int = 160, seed: int = 0, beta: float = 0.0, lag: int = 1
) -> dict[str, Path]:
    """Yahoo CSVs (BTC every day, USD and SP500 on weekdays) and a sentiment CSV."""
    frame = synthetic_panel(n, seed, beta, lag=lag)
    weekdays = frame[frame.index.day_of_week < 5]
    paths = {
        "BTC": write_yahoo_csv(frame, "BTC", folder / "BTC-USD.csv"),
        "USD": write_yahoo_csv(weekdays, "USD", folder / "DXY.csv"),
        "SP500": write_yahoo_csv(weekdays, "SP500", folder / "GSPC.csv"),
    }
    sentiment = pd.DataFrame(
        {"date": frame.index.strftime("%Y-%m-%d"), "CL sentiment": frame["Sentiment_CL_sentiment"]}
    )
    paths["sentiment"] = folder / "sentiment.csv"
    sentiment.to_csv(paths["sentiment"], index=False)
    return paths
