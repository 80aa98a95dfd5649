from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.data.market import load_panel
from sentcast.data.synthetic import generate_market, trading_days
from sentcast.errors import UserInputError


@pytest.fixture(scope="module")
def market():  # type: ignore[no-untyped-def]
    return generate_market(start="2019-01-01", days=365, seed=3, tweets_per_day=20)


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


def test_sentiment_leads_btc_returns(market) -> None:  # type: ignore[no-untyped-def]
    returns = np.log(market.btc["Close"]).diff()
    lagged = market.sentiment.shift(1)
    lead = returns.corr(lagged)
    same_day_reverse = returns.shift(1).corr(market.sentiment)  # no reverse causation
    assert 0.15 < lead < 0.6
    assert abs(same_day_reverse) < lead


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
