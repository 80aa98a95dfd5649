"""A deterministic, realistic synthetic data set for the offline demo and tests.

It mimics the Bitcoin study's inputs without any file or network access:

* BTC-USD bars on every calendar day; the dollar index and the S&P 500 on US trading days
  (weekends and NYSE holidays absent), all in the classic Yahoo CSV layout;
* a tweet stream with UTC timestamps whose daily mean sentiment carries a known, modest lead on
  the next day's BTC return (``lead`` is the correlation-scale coefficient), plus retweets
  and a few broken rows (empty texts, bad timestamps) as real dumps have.

The model of :func:`generate_market` (``tests/data/test_synthetic.py`` checks each part):

- the crowd's mood is an AR(1), ``m[t] = 0.85 m[t-1] + N(0, 0.5)``, neutral on the first day;
- BTC's daily log return is ``0.0008 + N(0, 0.035) + lead * m[t-1]`` from a level of 8,000;
  the S&P 500 (NYSE days) drifts 0.0003 a day with sd 1 % from 2,700, the dollar index has
  sd 0.3 % from 92;
- a bar opens at the previous close moved by ``N(0, 0.2 %)``, its wicks reach
  ``|N(0, 1 %)|`` past the body, its volume is lognormal (sd 0.3 of the log) around 2e10
  (BTC) or 3.5e9 (S&P 500); the dollar index has no volume, as on Yahoo;
- a day has ``Poisson(tweets_per_day * (1 + 0.5 |m|))`` tweets of four words in one of five
  shapes; each word is neutral with probability 1/2, else positive with probability
  ``1 / (1 + exp(-2.5 m))``; 15 % retweets are added, and one row in 2,000 (at least two) is
  broken: half with an empty text, half with ``"not a date"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.holiday import (
    AbstractHolidayCalendar,
    GoodFriday,
    Holiday,
    USLaborDay,
    USMartinLutherKingJr,
    USMemorialDay,
    USPresidentsDay,
    USThanksgivingDay,
    nearest_workday,
)

from sentcast.errors import UserInputError


class NYSEHolidays(AbstractHolidayCalendar):
    """The NYSE's full-day holidays (Juneteenth from 2022)."""

    rules = [  # noqa: RUF012 - pandas API
        Holiday("New Year's Day", month=1, day=1, observance=nearest_workday),
        USMartinLutherKingJr,
        USPresidentsDay,
        GoodFriday,
        USMemorialDay,
        Holiday("Juneteenth", month=6, day=19, start_date="2022-01-01", observance=nearest_workday),
        Holiday("Independence Day", month=7, day=4, observance=nearest_workday),
        USLaborDay,
        USThanksgivingDay,
        Holiday("Christmas", month=12, day=25, observance=nearest_workday),
    ]


def trading_days(start: str | pd.Timestamp, end: str | pd.Timestamp) -> pd.DatetimeIndex:
    """US trading days (weekdays that are not NYSE holidays) between two dates, inclusive."""
    holidays = NYSEHolidays().holidays(start, end)
    days = pd.bdate_range(start, end)
    return days[~days.isin(holidays)]


_POSITIVE = ["great", "love", "bullish", "amazing", "win", "happy", "good", "awesome", "strong"]
_NEGATIVE = ["crash", "scam", "bad", "fear", "hate", "terrible", "loss", "panic", "weak"]
_NEUTRAL = ["bitcoin", "btc", "price", "market", "today", "chart", "exchange", "wallet", "block"]
_TEMPLATES = [
    "{w1} {w2} day for #bitcoin, {w3} {w4}",
    "RT @cryptofan: $BTC looks {w1} and {w2} {w3} https://t.co/x{n}",
    "@trader{n} {w1} {w2} {w3}!! {w4}",
    "Is #BTC {w1}? {w2} {w3} {w4} :)",
    "{w1} {w2}. {w3} {w4} {w3} #crypto",
]


@dataclass(frozen=True)
class SyntheticMarket:
    """The generated data: three OHLCV frames, the tweet table and the latent daily sentiment."""

    btc: pd.DataFrame
    usd: pd.DataFrame
    sp500: pd.DataFrame
    tweets: pd.DataFrame
    sentiment: pd.Series

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write ``BTC-USD.csv``, ``DXY.csv``, ``GSPC.csv`` (Yahoo layout), ``tweets.csv``."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, frame in (("BTC-USD", self.btc), ("DXY", self.usd), ("GSPC", self.sp500)):
            path = out / f"{name}.csv"
            yahoo = frame.rename(columns={"Adj_Close": "Adj Close"})
            yahoo.index = pd.DatetimeIndex(yahoo.index).strftime("%Y-%m-%d")
            yahoo.to_csv(path, index_label="Date", float_format="%.6f")
            paths[name] = path
        paths["tweets"] = out / "tweets.csv"
        self.tweets.to_csv(paths["tweets"], index=False)
        return paths


def _ohlcv(close: np.ndarray, rng: np.random.Generator, volume: float) -> pd.DataFrame:
    open_ = np.concatenate([[close[0]], close[:-1]]) * np.exp(rng.normal(0, 0.002, len(close)))
    spread = np.abs(rng.normal(0, 0.01, len(close)))
    high = np.maximum(open_, close) * (1 + spread)
    low = np.minimum(open_, close) * (1 - spread)
    vol = volume * np.exp(rng.normal(0, 0.3, len(close)))
    return pd.DataFrame(
        {
            "Open": open_,
            "High": high,
            "Low": low,
            "Close": close,
            "Adj_Close": close,
            "Volume": np.round(vol),
        }
    )


def _tweets(
    days: pd.DatetimeIndex, sentiment: np.ndarray, per_day: int, rng: np.random.Generator
) -> pd.DataFrame:
    counts = rng.poisson(per_day * (1 + 0.5 * np.abs(sentiment)), len(days))
    day_of = np.repeat(np.arange(len(days)), counts)
    n = len(day_of)
    p_pos = 1 / (1 + np.exp(-2.5 * sentiment[day_of]))  # share of positive sentiment words
    neutral = rng.random((n, 4)) < 0.5
    positive = rng.random((n, 4)) < p_pos[:, None]
    pick = rng.integers(0, len(_NEUTRAL), (n, 4))
    words = np.where(
        neutral,
        np.array(_NEUTRAL)[pick],
        np.where(positive, np.array(_POSITIVE)[pick], np.array(_NEGATIVE)[pick]),
    )
    templates = rng.integers(0, len(_TEMPLATES), n)
    seconds = rng.integers(0, 86_400, n)
    stamps = (days[day_of] + pd.to_timedelta(seconds, unit="s")).strftime("%Y-%m-%d %H:%M:%S+00:00")
    texts = [
        _TEMPLATES[t].format(w1=w[0], w2=w[1], w3=w[2], w4=w[3], n=sec % 97)
        for t, w, sec in zip(templates, words, seconds, strict=True)
    ]
    rows = list(zip(stamps, texts, strict=True))
    frame = pd.DataFrame(rows, columns=["created_at", "text"])
    # Retweets repeat earlier texts; a few rows are broken as in real dumps.
    retweets = frame.sample(frac=0.15, random_state=int(rng.integers(1 << 31)))
    frame = pd.concat([frame, retweets]).sort_values("created_at", kind="stable")
    broken = rng.choice(len(frame), size=max(2, len(frame) // 2000), replace=False)
    frame = frame.reset_index(drop=True)
    half = len(broken) // 2
    frame.loc[broken[:half], "text"] = ""
    frame.loc[broken[half:], "created_at"] = "not a date"
    return frame


def generate_market(
    start: str = "2018-01-01",
    days: int = 730,
    seed: int = 0,
    lead: float = 0.012,
    tweets_per_day: int = 60,
) -> SyntheticMarket:
    """Generate the demo data set.

    Parameters
    ----------
    start : str
        First calendar day.
    days : int
        Number of calendar days (BTC has one bar per day).
    seed : int
        Seed of the only random generator used; equal seeds give identical data.
    lead : float
        Coefficient of yesterday's latent sentiment in today's BTC log return (daily return
        volatility is about 3.5 %, so the default explains a few percent of the variance).
    tweets_per_day : int
        Mean number of tweets per day.

    Returns
    -------
    SyntheticMarket
    """
    if days < 60:
        raise UserInputError(f"days must be >= 60 for a usable demo, got {days}")
    rng = np.random.default_rng(seed)
    calendar = pd.date_range(start, periods=days, freq="D", name="date")
    sentiment = np.zeros(days)
    for t in range(1, days):  # AR(1) latent mood of the crowd
        sentiment[t] = 0.85 * sentiment[t - 1] + rng.normal(0, 0.5)
    noise = rng.normal(0, 0.035, days)
    log_ret = 0.0008 + noise
    log_ret[1:] += lead * sentiment[:-1]
    btc_close = 8000 * np.exp(np.cumsum(log_ret))
    btc = _ohlcv(btc_close, rng, 2e10).set_index(calendar)

    trading = trading_days(calendar[0], calendar[-1])
    n = len(trading)
    sp_close = 2700 * np.exp(np.cumsum(0.0003 + rng.normal(0, 0.01, n)))
    usd_close = 92 * np.exp(np.cumsum(rng.normal(0, 0.003, n)))
    sp500 = _ohlcv(sp_close, rng, 3.5e9).set_index(trading.rename("date"))
    usd = _ohlcv(usd_close, rng, 0).set_index(trading.rename("date"))
    tweets = _tweets(calendar, sentiment, tweets_per_day, rng)
    return SyntheticMarket(
        btc=btc, usd=usd, sp500=sp500, tweets=tweets, sentiment=pd.Series(sentiment, calendar)
    )
