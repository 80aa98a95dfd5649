"""Daily sentiment table: exact per-day statistics from mergeable partial aggregates.

VADER's compound score is rounded to 4 decimals, so it takes at most 20,001 values. A chunk of
scored tweets is summarised as counts per (UTC day, compound value) plus label sums; such
partials merge by addition (chunk by chunk, resumable) and still give the exact per-day
median. The daily table has one row per UTC day from the first to the last day; days without
tweets have ``n_tweets = 0`` and NaN statistics (no fill here: a fill policy belongs to the
join with market data).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sentcast.errors import DataError, UserInputError

POSITIVE_THRESHOLD = 0.05
"""A tweet is positive when compound >= 0.05, negative when <= -0.05, else neutral."""

DAILY_COLUMNS = (
    "n_tweets",
    "compound_mean",
    "compound_median",
    "pos_share",
    "neg_share",
    "neu_share",
)
LABEL_COLUMN = "label_mean"
PARTIAL_COLUMNS = ("day", "ckey", "n", "label_sum", "label_n")
_SCALE = 10_000
_EPOCH_DAY = np.datetime64("1970-01-01", "D")


def partial_aggregate(
    times: np.ndarray, compound: np.ndarray, labels: np.ndarray | None = None
) -> pd.DataFrame:
    """Summarise scored rows as counts per (day, compound value) and label sums.

    Parameters
    ----------
    times : numpy.ndarray
        ``datetime64`` UTC instants of the rows (no NaT).
    compound : numpy.ndarray
        Compound scores rounded to 4 decimals (no NaN).
    labels : numpy.ndarray, optional
        Numeric labels (NaN where missing).

    Returns
    -------
    pandas.DataFrame
        Columns ``day`` (int days since 1970-01-01), ``ckey`` (round(compound * 10000)),
        ``n``, ``label_sum``, ``label_n``.
    """
    days = times.astype("datetime64[D]").astype(np.int64)
    frame = pd.DataFrame(
        {
            "day": days,
            "ckey": np.rint(compound * _SCALE).astype(np.int64),
            "label": np.full(len(days), np.nan) if labels is None else labels,
        }
    )
    grouped = frame.groupby(["day", "ckey"], sort=True)["label"]
    out = grouped.agg(["size", "sum", "count"]).reset_index()
    out.columns = list(PARTIAL_COLUMNS)
    return out.astype({"n": np.int64, "label_sum": np.float64, "label_n": np.int64})


def merge_partials(partials: list[pd.DataFrame]) -> pd.DataFrame:
    """Add partial aggregates (in the given order) into one."""
    if not partials:
        return pd.DataFrame({c: pd.Series(dtype=np.int64) for c in PARTIAL_COLUMNS})
    both = pd.concat(partials, ignore_index=True)
    return (
        both.groupby(["day", "ckey"], sort=True)[["n", "label_sum", "label_n"]].sum().reset_index()
    )


def daily_table(partial: pd.DataFrame, with_labels: bool = False) -> pd.DataFrame:
    """The daily sentiment table from merged partial aggregates.

    Parameters
    ----------
    partial : pandas.DataFrame
        Output of :func:`merge_partials` (sorted by day, ckey).
    with_labels : bool
        Add ``label_mean`` (mean numeric label of the day's labelled tweets).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``date`` (tz-naive UTC days, every day from first to last), columns
        :data:`DAILY_COLUMNS` (+ ``label_mean``).
    """
    columns = [*DAILY_COLUMNS, *([LABEL_COLUMN] if with_labels else [])]
    if partial.empty:
        empty = pd.DataFrame({c: pd.Series(dtype=np.float64) for c in columns})
        empty["n_tweets"] = empty["n_tweets"].astype(np.int64)
        empty.index = pd.DatetimeIndex(np.array([], dtype="datetime64[ns]"), name="date")
        return empty
    p = partial.sort_values(["day", "ckey"], kind="stable")
    day = p["day"].to_numpy()
    ckey = p["ckey"].to_numpy()
    n = p["n"].to_numpy()
    by_day = p.assign(
        weighted=ckey * n,
        pos=np.where(ckey >= POSITIVE_THRESHOLD * _SCALE, n, 0),
        neg=np.where(ckey <= -POSITIVE_THRESHOLD * _SCALE, n, 0),
    ).groupby("day", sort=True)
    sums = by_day[["n", "weighted", "pos", "neg", "label_sum", "label_n"]].sum()
    total = sums["n"].to_numpy()
    stats = pd.DataFrame(index=sums.index)
    stats["n_tweets"] = total
    stats["compound_mean"] = sums["weighted"].to_numpy() / (total * float(_SCALE))
    stats["compound_median"] = _medians(day, ckey, n, sums.index.to_numpy(), total)
    stats["pos_share"] = sums["pos"].to_numpy() / total
    stats["neg_share"] = sums["neg"].to_numpy() / total
    stats["neu_share"] = (total - sums["pos"].to_numpy() - sums["neg"].to_numpy()) / total
    if with_labels:
        label_n = sums["label_n"].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            stats[LABEL_COLUMN] = np.where(
                label_n > 0, sums["label_sum"].to_numpy() / label_n, np.nan
            )
    full = np.arange(stats.index.min(), stats.index.max() + 1)
    stats = stats.reindex(full)
    stats["n_tweets"] = stats["n_tweets"].fillna(0).astype(np.int64)
    dates = (_EPOCH_DAY + full.astype("timedelta64[D]")).astype("datetime64[ns]")
    stats.index = pd.DatetimeIndex(dates, name="date")
    return stats[columns].astype({c: np.float64 for c in columns if c != "n_tweets"})


def _medians(
    day: np.ndarray, ckey: np.ndarray, n: np.ndarray, days: np.ndarray, total: np.ndarray
) -> np.ndarray:
    """Exact per-day medians from sorted (day, ckey, count) rows."""
    starts = np.searchsorted(day, days, side="left")
    cum = np.cumsum(n)
    before = np.where(starts > 0, cum[starts - 1], 0)
    lo_rank = before + (total - 1) // 2
    hi_rank = before + total // 2
    lo = ckey[np.searchsorted(cum, lo_rank, side="right")] / _SCALE
    hi = ckey[np.searchsorted(cum, hi_rank, side="right")] / _SCALE
    return (lo + hi) / 2


def write_daily_sentiment(table: pd.DataFrame, path: str | Path) -> None:
    """Write a daily table (validated) to Parquet with its ``date`` index."""
    validate_daily(table, str(path))
    table.to_parquet(path, index=True)


def read_daily_sentiment(path: str | Path) -> pd.DataFrame:
    """Read a daily sentiment table written by ``sentcast sentiment score`` and check it.

    Raises
    ------
    UserInputError
        If the file does not exist.
    DataError
        If it is not a valid daily table (index, columns, dtypes, missing days).
    """
    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"daily sentiment file not found: {p}")
    try:
        table = pd.read_parquet(p)
    except (OSError, ValueError) as exc:
        raise DataError(f"{p}: not a readable Parquet file: {exc}") from None
    validate_daily(table, str(p))
    return table


def validate_daily(table: pd.DataFrame, source: str) -> None:
    """Raise :class:`DataError` unless ``table`` follows the daily table contract."""
    index = table.index
    if not isinstance(index, pd.DatetimeIndex) or index.name != "date" or index.tz is not None:
        raise DataError(f"{source}: index must be a tz-naive DatetimeIndex named 'date'")
    expected = [*DAILY_COLUMNS, *([LABEL_COLUMN] if LABEL_COLUMN in table.columns else [])]
    if list(table.columns) != expected:
        raise DataError(f"{source}: columns must be {expected}, got {list(table.columns)}")
    if table["n_tweets"].dtype != np.int64:
        raise DataError(f"{source}: n_tweets must be int64, got {table['n_tweets'].dtype}")
    floats = [c for c in expected if c != "n_tweets" and table[c].dtype != np.float64]
    if floats:
        raise DataError(f"{source}: columns must be float64: {', '.join(floats)}")
    days = index.to_numpy().astype("datetime64[D]")
    if len(index) and (
        (index != index.normalize()).any() or not (np.diff(days.astype(np.int64)) == 1).all()
    ):
        raise DataError(f"{source}: dates must be consecutive whole days")
