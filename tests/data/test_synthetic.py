from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from sentcast.data.market import load_panel
from sentcast.data.synthetic import (
    _NEGATIVE,
    _NEUTRAL,
    _POSITIVE,
    SyntheticMarket,
    generate_market,
    trading_days,
)
from sentcast.data.yahoo import read_yahoo
from sentcast.errors import UserInputError
from sentcast.experiments.demo import DEMO_LEAD, run_demo

TWEETS_PER_DAY = 20


# Function scope on purpose (0.1 s a call): mutmut links a function to the tests that call it,
# and a module-scoped fixture would count only the first test that used it.
@pytest.fixture
def market() -> SyntheticMarket:
    return generate_market(start="2019-01-01", days=365, seed=3, tweets_per_day=TWEETS_PER_DAY)


def test_trading_calendar_matches_nyse_2019() -> None:
    days = trading_days("2019-01-01", "2019-12-31")
    assert len(days) == 252  # NYSE trading days in 2019
    for holiday in ("2019-01-01", "2019-04-19", "2019-07-04", "2019-11-28", "2019-12-25"):
        assert pd.Timestamp(holiday) not in days
    assert (days.day_of_week < 5).all()


def test_same_seed_same_data_other_seed_differs(market) -> None:  # type: ignore[no-untyped-def]
    again = generate_market(start="2019-01-01", days=365, seed=3, tweets_per_day=20)
    pd.testing.assert_frame_equal(market.btc, again.btc)
    pd.testing.assert_frame_equal(market.tweets, again.tweets)
    other = generate_market(start="2019-01-01", days=365, seed=4, tweets_per_day=20)
    assert not np.allclose(market.btc["Close"], other.btc["Close"])


def test_sentiment_leads_btc_returns_and_no_lead_gives_none(market) -> None:  # type: ignore[no-untyped-def]
    returns = np.log(market.btc["Close"]).diff()
    lagged = market.sentiment.shift(1)
    lead = returns.corr(lagged)
    same_day_reverse = returns.shift(1).corr(market.sentiment)  # no reverse causation
    assert 0.15 < lead < 0.6
    assert abs(same_day_reverse) < lead
    # Without the planted lead the same draws show none (the correlation's standard error over
    # 364 days is 0.05).
    flat = generate_market(start="2019-01-01", days=365, seed=3, lead=0.0, tweets_per_day=1)
    assert abs(np.log(flat.btc["Close"]).diff().corr(flat.sentiment.shift(1))) < 0.15


def test_written_files_load_as_a_panel(market, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paths = market.write(tmp_path)
    files = {"BTC": paths["BTC-USD"], "USD": paths["DXY"], "SP500": paths["GSPC"]}
    panel, report = load_panel(files, calendar="trading")
    assert len(panel) == 252 and report.rows == 252
    tweets = pd.read_csv(paths["tweets"])
    assert list(tweets.columns) == ["created_at", "text"]
    assert (tweets["created_at"] == "not a date").sum() > 0
    assert tweets["text"].isna().sum() > 0  # empty texts, as real dumps have
    assert tweets["text"].duplicated().sum() > 0  # retweets


def test_too_short() -> None:
    with pytest.raises(UserInputError, match="days must be >= 60"):
        generate_market(days=10)


def frames(market: SyntheticMarket) -> dict[str, pd.DataFrame]:
    return {"BTC": market.btc, "USD": market.usd, "SP500": market.sp500}


def test_bars_are_valid_ohlc_with_whole_volumes(market: SyntheticMarket) -> None:
    for name, bars in frames(market).items():
        assert list(bars.columns) == ["Open", "High", "Low", "Close", "Adj_Close", "Volume"], name
        assert np.isfinite(bars.to_numpy()).all(), name
        assert (bars["Adj_Close"] == bars["Close"]).all(), name
        top = np.maximum(bars["Open"], bars["Close"])
        bottom = np.minimum(bars["Open"], bars["Close"])
        assert (bars["High"] >= top).all() and (bars["Low"] <= bottom).all(), name
        assert (bars["Low"] > 0).all(), name
        # The wicks are |N(0, 1 %)| of the body's ends: 10 % is ten standard deviations.
        assert (bars["High"] / top - 1).max() < 0.1, name
        assert (1 - bars["Low"] / bottom).max() < 0.1, name
        # A bar opens at the previous close up to a 0.2 % jitter (1 % is five of them).
        previous_close = np.concatenate([[bars["Close"].iloc[0]], bars["Close"].iloc[:-1]])
        assert np.abs(np.log(bars["Open"] / previous_close)).max() < 0.01, name
        volume = bars["Volume"]
        assert (volume >= 0).all() and (volume == np.round(volume)).all(), name
        # Each bar draws its own jitter, wicks and volume (sd 0.2 %, 0.6 %, 30 %): no two alike.
        assert np.log(bars["Open"] / previous_close).iloc[1:].std() > 0.0005, name
        assert (bars["High"] / top - 1).std() > 0.001, name
        if name != "USD":
            assert volume.nunique() == len(volume), name
    assert (market.btc["Volume"] > 0).all() and (market.sp500["Volume"] > 0).all()
    assert (market.usd["Volume"] == 0).all()  # as Yahoo reports the dollar index


def test_volumes_are_lognormal_around_their_levels(market: SyntheticMarket) -> None:
    # log(volume / level) ~ N(0, 0.3): over 365 (252) days the mean's standard error is 0.016
    # (0.019) and the sd's 0.011 (0.013); the bounds are five of them.
    for bars, level in ((market.btc, 2e10), (market.sp500, 3.5e9)):
        log_ratio = np.log(bars["Volume"] / level)
        assert abs(log_ratio.mean()) < 0.1
        assert 0.24 < log_ratio.std() < 0.36


def test_btc_every_calendar_day_the_others_on_nyse_days() -> None:
    # Starts and ends on trading days, so a calendar cut one day short at either end is seen.
    market = generate_market(start="2019-01-02", days=62, seed=1, tweets_per_day=2)
    days = pd.date_range("2019-01-02", "2019-03-04", freq="D")
    assert market.btc.index.equals(days) and market.sentiment.index.equals(days)
    nyse = trading_days("2019-01-02", "2019-03-04")
    assert nyse[0] == pd.Timestamp("2019-01-02") and nyse[-1] == pd.Timestamp("2019-03-04")
    assert pd.Timestamp("2019-01-21") not in nyse  # Martin Luther King Jr. Day
    assert market.sp500.index.equals(nyse) and market.usd.index.equals(nyse)


def test_full_year_calendars(market: SyntheticMarket) -> None:
    assert len(market.btc) == 365 and market.btc.index[-1] == pd.Timestamp("2019-12-31")
    assert len(market.sp500) == len(market.usd) == 252  # NYSE trading days in 2019
    assert market.sp500.index[-1] == pd.Timestamp("2019-12-31")


def test_sixty_days_are_enough_with_the_default_start() -> None:
    market = generate_market(days=60, tweets_per_day=2)
    assert len(market.btc) == 60 and market.btc.index[0] == pd.Timestamp("2018-01-01")
    returns = np.log(market.btc["Close"]).diff().dropna()
    assert 0.02 < returns.std() < 0.06  # the default lead keeps the daily volatility near 3.5 %


def test_write_uses_the_yahoo_csv_layout(market: SyntheticMarket, tmp_path: Path) -> None:
    folder = tmp_path / "new" / "data"
    paths = market.write(folder)
    assert paths == {
        "BTC-USD": folder / "BTC-USD.csv",
        "DXY": folder / "DXY.csv",
        "GSPC": folder / "GSPC.csv",
        "tweets": folder / "tweets.csv",
    }
    number = r"\d+\.\d{6}"
    row = re.compile(rf"\d{{4}}-\d{{2}}-\d{{2}}(,{number}){{6}}")
    for name, bars in zip(("BTC-USD", "DXY", "GSPC"), frames(market).values(), strict=True):
        lines = paths[name].read_text(encoding="utf-8").splitlines()
        assert lines[0] == "Date,Open,High,Low,Close,Adj Close,Volume", name
        assert len(lines) == len(bars) + 1, name
        assert all(row.fullmatch(line) for line in lines[1:]), name
        first = lines[1].split(",")
        assert first[0] == bars.index[0].strftime("%Y-%m-%d"), name
        assert np.allclose([float(v) for v in first[1:]], bars.iloc[0], rtol=0, atol=1e-6)
    lines = paths["tweets"].read_text(encoding="utf-8").splitlines()
    assert lines[0] == "created_at,text"
    assert pd.read_csv(paths["tweets"]).shape == (len(market.tweets), 2)


def test_written_bars_read_back_as_generated(market: SyntheticMarket, tmp_path: Path) -> None:
    paths = market.write(tmp_path)
    for name, bars in zip(("BTC-USD", "DXY", "GSPC"), frames(market).values(), strict=True):
        frame, report = read_yahoo(paths[name])
        assert report.rows_dropped == 0, name
        # Same days and columns, and the frames are indexed by ``date`` as read_yahoo's are.
        pd.testing.assert_frame_equal(
            frame, bars, check_exact=False, rtol=0, atol=1e-6, check_freq=False
        )


def valid_tweets(market: SyntheticMarket) -> pd.DataFrame:
    tweets = market.tweets
    return tweets[(tweets["created_at"] != "not a date") & (tweets["text"] != "")]


def test_tweet_timestamps_are_utc_seconds_within_the_days(market: SyntheticMarket) -> None:
    stamps = market.tweets["created_at"]
    stamps = stamps[stamps != "not a date"]
    form = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+00:00")
    assert stamps.map(lambda s: form.fullmatch(s) is not None).all()
    assert stamps.is_monotonic_increasing  # sorted by time, as a dump is
    times = pd.to_datetime(stamps, format="%Y-%m-%d %H:%M:%S%z")
    assert times.min() >= pd.Timestamp("2019-01-01", tz="UTC")
    assert times.max() < pd.Timestamp("2020-01-01", tz="UTC")
    # Uniform over the day: mean 43,200 s, standard error 24,942 / sqrt(n), about 230 s here.
    seconds = (times - times.dt.floor("D")).dt.total_seconds()
    assert abs(seconds.mean() - 43_200) < 2_000


def test_tweet_counts_follow_the_rate_and_the_mood(market: SyntheticMarket) -> None:
    # Poisson(tweets_per_day * (1 + 0.5 |mood|)) a day, then 15 % retweets added: the total of
    # about 10,000 originals has a relative standard error of 1 %; 5 % is five of them.
    expected = 1.15 * TWEETS_PER_DAY * (1 + 0.5 * market.sentiment.abs()).sum()
    assert abs(len(market.tweets) / expected - 1) < 0.05


def test_retweets_are_about_fifteen_percent(market: SyntheticMarket) -> None:
    repeated = int(market.tweets.duplicated().sum())
    originals = len(market.tweets) - repeated
    assert 0.13 < repeated / originals < 0.17


def test_broken_rows_empty_texts_and_bad_dates() -> None:
    for days, per_day in ((365, 20), (60, 5)):
        tweets = generate_market(days=days, seed=2, tweets_per_day=per_day).tweets
        assert list(tweets.columns) == ["created_at", "text"]
        assert tweets.index.equals(pd.RangeIndex(len(tweets)))
        broken = max(2, len(tweets) // 2000)
        empty = tweets["text"] == ""
        bad_date = tweets["created_at"] == "not a date"
        assert empty.sum() == broken // 2 and bad_date.sum() == broken - broken // 2, days
        assert not (empty & bad_date).any()
        assert tweets["text"].map(lambda t: isinstance(t, str)).all()


SHAPES = [
    r"(\w+) (\w+) day for #bitcoin, (\w+) (\w+)",
    r"RT @cryptofan: \$BTC looks (\w+) and (\w+) (\w+) https://t\.co/x\d+",
    r"@trader\d+ (\w+) (\w+) (\w+)!! (\w+)",
    r"Is #BTC (\w+)\? (\w+) (\w+) (\w+) :\)",
    r"(\w+) (\w+)\. (\w+) (\w+) \3 #crypto",
]


def tweet_words(texts: pd.Series) -> tuple[list[list[str]], set[int]]:
    """The vocabulary words of each text, and which of the five shapes were seen."""
    words, seen = [], set()
    for text in texts:
        for shape, pattern in enumerate(SHAPES):
            match = re.fullmatch(pattern, text)
            if match:
                words.append(list(match.groups()))
                seen.add(shape)
                break
        else:
            raise AssertionError(f"unexpected tweet text {text!r}")
    return words, seen


def test_tweet_texts_use_the_vocabulary_in_every_shape(market: SyntheticMarket) -> None:
    words, shapes = tweet_words(valid_tweets(market)["text"])
    assert shapes == set(range(len(SHAPES)))
    used = {word for row in words for word in row}
    assert used == {*_POSITIVE, *_NEGATIVE, *_NEUTRAL}
    flat = [word for row in words for word in row]
    neutral = sum(word in _NEUTRAL for word in flat) / len(flat)
    assert 0.3 < neutral < 0.7  # tweets mix neutral words with mood words


def test_share_of_positive_words_follows_the_mood(market: SyntheticMarket) -> None:
    tweets = valid_tweets(market)
    words, _ = tweet_words(tweets["text"])
    positive = [sum(w in _POSITIVE for w in row) for row in words]
    negative = [sum(w in _NEGATIVE for w in row) for row in words]
    day = pd.to_datetime(tweets["created_at"].str[:10]).to_numpy()
    counts = pd.DataFrame({"day": day, "pos": positive, "neg": negative}).groupby("day").sum()
    share = counts["pos"] / (counts["pos"] + counts["neg"])
    mood = market.sentiment.reindex(share.index)
    # About 40 mood words a day: the share's binomial error is at most 0.08 a day, and each
    # band below holds dozens of days; a neutral mood gives as many positive words as negative.
    assert share[(mood > 0) & (mood < 0.5)].mean() > 0.55
    assert share[(mood < 0) & (mood > -0.5)].mean() < 0.45
    assert share[mood > 1].mean() > share[(mood > 0) & (mood < 0.5)].mean()
    # Within each sign the share still rises with the mood, and most days mix both kinds.
    assert share[mood > 0].corr(mood[mood > 0]) > 0.3
    assert share[mood < 0].corr(mood[mood < 0]) > 0.3
    assert ((share > 0) & (share < 1)).mean() > 0.5


def test_positive_words_follow_a_logistic_of_the_mood(market: SyntheticMarket) -> None:
    # Each mood word is positive with probability 1 / (1 + exp(-2.5 mood)). About 15,000 mood
    # words: the fitted slope's standard error is about 0.06; the bounds are five of them.
    tweets = valid_tweets(market)
    words, _ = tweet_words(tweets["text"])
    day = pd.to_datetime(tweets["created_at"].str[:10])
    mood = market.sentiment.reindex(day).to_numpy()
    x, y = [], []
    for row, m in zip(words, mood, strict=True):
        for word in row:
            if word not in _NEUTRAL:
                x.append(m)
                y.append(word in _POSITIVE)
    slope = LogisticRegression(C=1e6).fit(np.array(x)[:, None], y).coef_[0, 0]
    assert 2.2 < slope < 2.8


def test_the_readme_demo_counts_come_from_the_generator() -> None:
    """The README's demo line ``rows read N = scored S + rejected R``: the demo's data set (its
    default days and seed, its lead) has N tweet rows of which R are broken."""
    # The nearest README upward: a mutation run works from a copy of tests/ under mutants/.
    readme_path = next(
        folder / "README.md"
        for folder in Path(__file__).resolve().parents
        if (folder / "README.md").is_file()
    )
    readme = readme_path.read_text(encoding="utf-8")
    found = re.search(r"^rows read ([\d,]+) = scored ([\d,]+) \+ rejected ([\d,]+)$", readme, re.M)
    assert found
    rows, scored, rejected = (int(group.replace(",", "")) for group in found.groups())
    defaults = inspect.signature(run_demo).parameters
    tweets = generate_market(
        days=defaults["days"].default, seed=defaults["seed"].default, lead=DEMO_LEAD
    ).tweets
    broken = (tweets["text"] == "") | (tweets["created_at"] == "not a date")
    assert (len(tweets), int(broken.sum())) == (rows, rejected) and scored == rows - rejected


def test_mood_is_persistent_and_centred(market: SyntheticMarket) -> None:
    mood = market.sentiment
    assert mood.iloc[0] == 0 and mood.iloc[1] != 0  # the crowd starts neutral, then moves
    # AR(1) with coefficient 0.85: the lag-1 autocorrelation's standard error is about 0.03.
    assert mood.autocorr(1) > 0.6
    # Stationary sd 0.5 / sqrt(1 - 0.85^2) = 0.95; about 30 independent days a year, so the
    # share of positive days leaves [0.25, 0.75] only if the mean drifts by 3.7 standard errors.
    assert 0.25 < (mood > 0).mean() < 0.75


def test_daily_volatility_and_size_of_the_lead(market: SyntheticMarket) -> None:
    returns = np.log(market.btc["Close"]).diff()
    # sqrt(0.035^2 + (0.012 * 0.95)^2) = 0.037; the standard error over 364 days is 0.0014.
    assert 0.030 < returns.std() < 0.044
    # "the default explains a few percent of the variance": expected r^2 0.10, sd about 0.03.
    explained = returns.corr(market.sentiment.shift(1)) ** 2
    assert 0.01 < explained < 0.2


def test_levels_start_near_the_2018_prices(market: SyntheticMarket) -> None:
    # First closes: 8,000, 2,700 and 92 moved by one day's return (sd 3.5 %, 1 %, 0.3 %);
    # the bounds are five to six of those standard deviations.
    assert abs(np.log(market.btc["Close"].iloc[0] / 8000)) < 0.2
    assert abs(np.log(market.sp500["Close"].iloc[0] / 2700)) < 0.05
    assert abs(np.log(market.usd["Close"].iloc[0] / 92)) < 0.015
    # A year of 1 % (0.3 %) daily moves: the log level's sd is 0.16 (0.05).
    assert abs(np.log(market.sp500["Close"] / 2700)).max() < 0.8
    assert abs(np.log(market.usd["Close"] / 92)).max() < 0.25


def test_the_dollar_index_starts_at_92_over_many_seeds() -> None:
    # The first close is 92 moved by one N(0, 0.3 %) day: over 20 seeds the mean log ratio has a
    # standard error of 0.0007, and 0.004 is six of them (93 would be 0.011 away).
    firsts = [
        generate_market(days=60, seed=seed, tweets_per_day=1).usd["Close"].iloc[0]
        for seed in range(20)
    ]
    assert abs(np.mean(np.log(np.array(firsts) / 92))) < 0.004
