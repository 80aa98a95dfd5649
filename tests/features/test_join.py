from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sentcast.errors import UserInputError
from sentcast.features.join import column_name, join_daily


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
    frame, report = join_daily(_panel(), _daily(), ["compound_mean"], "ffill")
    values = frame["Sentiment_compound_mean"]
    # 01-02 takes 01-01's value; 01-06 takes the weekend's 01-04 value, never 01-07's.
    assert values.tolist() == [0.1, 0.3, 0.5, 0.7]
    assert (report.missing, report.filled, report.dropped) == (2, 2, 0)
    assert report.first == pd.Timestamp("2020-01-01") and report.last == pd.Timestamp("2020-01-07")


def test_zero_and_drop_policies_keep_every_panel_row() -> None:
    zero, _ = join_daily(_panel(), _daily(), ["compound_mean"], "zero")
    assert zero["Sentiment_compound_mean"].tolist() == [0.0, 0.3, 0.0, 0.7]
    dropped, report = join_daily(_panel(), _daily(), ["compound_mean"], "drop")
    assert len(dropped) == 4 and dropped["BTC_Close"].tolist() == [1.0, 2.0, 3.0, 4.0]
    kept = dropped["Sentiment_compound_mean"].dropna()
    assert list(kept.index.strftime("%m-%d")) == ["01-03", "01-07"]
    assert report.dropped == 2 and report.usable == 2


def test_days_before_the_first_value_are_excluded_under_every_fill() -> None:
    daily = _daily().loc["2020-01-03":]
    for fill in ("ffill", "zero"):
        frame, report = join_daily(_panel(), daily, ["compound_mean"], fill)  # type: ignore[arg-type]
        assert np.isnan(frame["Sentiment_compound_mean"].iloc[0])
        assert report.before_first == report.dropped == 1


def test_fill_age_limit_excludes_and_counts_stale_days() -> None:
    panel = pd.DataFrame(
        {"BTC_Close": np.arange(10.0)},
        index=pd.date_range("2020-01-01", periods=10, freq="D", name="date"),
    )
    daily = pd.DataFrame({"v": [1.0, 2.0]}, index=pd.DatetimeIndex(["2020-01-01", "2020-01-03"]))
    frame, report = join_daily(panel, daily, ["v"], "ffill", max_fill_days=2, name="Reddit")
    # 01-04 and 01-05 are 1 and 2 days after the last value; 01-06 .. 01-10 are too old.
    assert frame["Reddit_v"].tolist()[:5] == [1.0, 1.0, 2.0, 2.0, 2.0]
    assert frame["Reddit_v"].iloc[5:].isna().all()
    assert (report.missing, report.filled, report.stale, report.dropped) == (8, 3, 5, 5)
    zero, zero_report = join_daily(panel, daily, ["v"], "zero", max_fill_days=2, name="Reddit")
    assert zero["Reddit_v"].tolist()[:5] == [1.0, 0.0, 2.0, 0.0, 0.0]
    assert zero_report.stale == 5


def test_age_counts_from_the_oldest_column() -> None:
    panel = pd.DataFrame(
        {"BTC_Close": [1.0, 2.0]}, index=pd.DatetimeIndex(["2020-01-05", "2020-01-06"], name="date")
    )
    daily = pd.DataFrame(
        {"a": [1.0, 2.0], "b": [5.0, np.nan]},
        index=pd.DatetimeIndex(["2020-01-01", "2020-01-05"]),
    )
    frame, report = join_daily(panel, daily, ["a", "b"], "ffill", max_fill_days=4)
    # 01-05: b is missing and last seen 4 days earlier (filled); 01-06: 5 days (excluded)
    assert frame["Sentiment_b"].iloc[0] == 5.0 and frame["Sentiment_a"].isna().iloc[1]
    assert (report.filled, report.stale) == (1, 1)


def test_unknown_column_policy_and_name_are_user_errors() -> None:
    with pytest.raises(UserInputError, match="label_mean"):
        join_daily(_panel(), _daily(), ["label_mean"])
    with pytest.raises(UserInputError, match="fill"):
        join_daily(_panel(), _daily(), ["compound_mean"], "mean")  # type: ignore[arg-type]
    with pytest.raises(UserInputError, match="letters"):
        join_daily(_panel(), _daily(), ["compound_mean"], name="Red_dit")


def test_column_names_are_identifiers() -> None:
    assert column_name("Sentiment", "CL sentiment") == "Sentiment_CL_sentiment"
    assert column_name("FearGreed", " fng value ") == "FearGreed_fng_value"
