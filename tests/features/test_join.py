from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sentcast.errors import UserInputError
from sentcast.features.join import join_sentiment, sentiment_name


def _panel() -> pd.DataFrame:
    index = pd.DatetimeIndex(["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07"], name="date")
    return pd.DataFrame({"BTC_Close": [1.0, 2.0, 3.0, 4.0]}, index=index)


def _daily() -> pd.DataFrame:
    # No row for 01-02, NaN mean on 01-06 (a day without tweets), weekend rows present.
    index = pd.DatetimeIndex(
        ["2020-01-01", "2020-01-03", "2020-01-04", "2020-01-06", "2020-01-07"], name="date"
    )
    return pd.DataFrame(
        {"compound_mean": [0.1, 0.3, 0.5, np.nan, 0.7], "n_tweets": [3, 4, 5, 0, 6]}, index=index
    )


def test_ffill_carries_earlier_values_forward_only() -> None:
    frame, report = join_sentiment(_panel(), _daily(), ["compound_mean"], "ffill")
    values = frame["Sentiment_compound_mean"]
    # 01-02 takes 01-01's value; 01-06 takes the weekend's 01-04 value, never 01-07's.
    assert values.tolist() == [0.1, 0.3, 0.5, 0.7]
    assert (report.missing, report.filled, report.dropped) == (2, 2, 0)


def test_zero_and_drop_policies() -> None:
    zero, _ = join_sentiment(_panel(), _daily(), ["compound_mean"], "zero")
    assert zero["Sentiment_compound_mean"].tolist() == [0.0, 0.3, 0.0, 0.7]
    dropped, report = join_sentiment(_panel(), _daily(), ["compound_mean"], "drop")
    assert list(dropped.index.strftime("%m-%d")) == ["01-03", "01-07"]
    assert report.dropped == 2


def test_ffill_drops_leading_days_without_an_earlier_value() -> None:
    daily = _daily().loc["2020-01-03":]
    frame, report = join_sentiment(_panel(), daily, ["compound_mean"], "ffill")
    assert frame.index[0] == pd.Timestamp("2020-01-03")
    assert report.dropped == 1


def test_unknown_column_and_policy_are_user_errors() -> None:
    with pytest.raises(UserInputError, match="label_mean"):
        join_sentiment(_panel(), _daily(), ["label_mean"])
    with pytest.raises(UserInputError, match="fill"):
        join_sentiment(_panel(), _daily(), ["compound_mean"], "mean")  # type: ignore[arg-type]


def test_sentiment_names_are_identifiers() -> None:
    assert sentiment_name("CL sentiment") == "Sentiment_CL_sentiment"
