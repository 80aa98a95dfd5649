from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.errors import DataError, UserInputError
from sentcast.sentiment.daily import (
    DAILY_COLUMNS,
    DailyAccumulator,
    partial_aggregate,
    read_daily_sentiment,
    write_daily_sentiment,
)


@pytest.fixture()
def scored() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 3000
    times = np.datetime64("2020-03-01T00:00:00") + rng.integers(0, 12 * 86400, n).astype(
        "timedelta64[s]"
    )
    day = times.astype("datetime64[D]")
    keep = (day < np.datetime64("2020-03-05")) | (day > np.datetime64("2020-03-07"))
    compound = np.round(rng.choice([-0.05, 0.05, 0.0, 0.0499], n, p=[0.1, 0.1, 0.1, 0.7]), 4)
    compound[::3] = np.round(rng.uniform(-1, 1, n)[::3], 4)
    labels = rng.choice([-1.0, 0.0, 1.0, np.nan], n)
    return pd.DataFrame({"time": times, "compound": compound, "label": labels})[keep]


def _split(frame: pd.DataFrame, n: int) -> list[pd.DataFrame]:
    bounds = np.linspace(0, len(frame), n + 1).astype(int)
    return [frame.iloc[a:b] for a, b in itertools.pairwise(bounds)]


def _daily(parts: list[pd.DataFrame], with_labels: bool = False) -> pd.DataFrame:
    totals = DailyAccumulator()
    for part in parts:
        totals.add(part)
    return totals.table(with_labels)


def _pandas_daily(scored: pd.DataFrame) -> pd.DataFrame:
    g = scored.assign(date=scored["time"].dt.floor("D")).groupby("date")
    c = g["compound"]
    return pd.DataFrame(
        {
            "n_tweets": g.size(),
            "compound_mean": c.mean(),
            "compound_median": c.median(),
            "pos_share": c.apply(lambda x: (x >= 0.05).mean()),
            "neg_share": c.apply(lambda x: (x <= -0.05).mean()),
            "neu_share": c.apply(lambda x: ((x > -0.05) & (x < 0.05)).mean()),
            "label_mean": g["label"].mean(),
        }
    )


def test_daily_table_matches_pandas_groupby(scored: pd.DataFrame) -> None:
    parts = [
        partial_aggregate(
            part["time"].to_numpy(), part["compound"].to_numpy(), part["label"].to_numpy()
        )
        for part in _split(scored, 5)
    ]
    daily = _daily(parts, with_labels=True)
    want = _pandas_daily(scored)
    assert list(daily.columns) == [*DAILY_COLUMNS, "label_mean"]
    assert daily.index.name == "date" and daily.index.tz is None
    assert (
        len(daily) == 12 and (daily.index.to_series().diff().dropna() == pd.Timedelta("1D")).all()
    )
    present = daily.loc[want.index]
    np.testing.assert_array_equal(present["n_tweets"].to_numpy(), want["n_tweets"].to_numpy())
    for col in (*DAILY_COLUMNS[1:], "label_mean"):
        np.testing.assert_allclose(present[col], want[col], rtol=0, atol=1e-12, err_msg=col)
    gap = daily.loc["2020-03-05":"2020-03-07"]
    assert (gap["n_tweets"] == 0).all() and gap.drop(columns="n_tweets").isna().all().all()
    shares = present[["pos_share", "neg_share", "neu_share"]].sum(axis=1)
    np.testing.assert_allclose(shares, 1.0, atol=1e-12)


def test_merge_order_does_not_change_the_table(scored: pd.DataFrame) -> None:
    parts = [
        partial_aggregate(p["time"].to_numpy(), p["compound"].to_numpy()) for p in _split(scored, 4)
    ]
    forward = _daily(parts)
    backward = _daily(parts[::-1])
    pd.testing.assert_frame_equal(forward, backward)
    assert "label_mean" not in forward.columns


def test_round_trip_and_validation(scored: pd.DataFrame, tmp_path: Path) -> None:
    daily = _daily([partial_aggregate(scored["time"].to_numpy(), scored["compound"].to_numpy())])
    path = tmp_path / "daily.parquet"
    write_daily_sentiment(daily, path)
    pd.testing.assert_frame_equal(read_daily_sentiment(path), daily)
    with pytest.raises(UserInputError, match="not found"):
        read_daily_sentiment(tmp_path / "missing.parquet")
    daily.drop(index=daily.index[3]).to_parquet(tmp_path / "gap.parquet")
    with pytest.raises(DataError, match="consecutive"):
        read_daily_sentiment(tmp_path / "gap.parquet")
    daily.rename(columns={"pos_share": "positive"}).to_parquet(tmp_path / "cols.parquet")
    with pytest.raises(DataError, match="columns must be"):
        read_daily_sentiment(tmp_path / "cols.parquet")
    daily.astype({"n_tweets": float}).to_parquet(tmp_path / "dtype.parquet")
    with pytest.raises(DataError, match="int64"):
        read_daily_sentiment(tmp_path / "dtype.parquet")


def test_empty_partials_give_an_empty_valid_table() -> None:
    daily = _daily([])
    assert daily.empty and list(daily.columns) == list(DAILY_COLUMNS)


def test_out_of_range_compound_is_a_data_error() -> None:
    times = np.array(["2020-01-01T10:00"], dtype="datetime64[s]")
    with pytest.raises(DataError, match=r"\[-1, 1\]"):
        partial_aggregate(times, np.array([1.5]))
