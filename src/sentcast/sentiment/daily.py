"""Daily sentiment table: exact per-day statistics from mergeable partial aggregates.

VADER's compound score is rounded to 4 decimals, so it takes at most 20,001 values. A chunk of
scored tweets is summarised as counts per (UTC day, compound value) plus label sums; such
partials add up (chunk by chunk, resumable) into per-day histograms that still give the exact
per-day median. The daily table has one row per UTC day from the first to the last day; days without
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
        Compound scores in [-1, 1], rounded to 4 decimals (no NaN).
    labels : numpy.ndarray, optional
        Numeric labels (NaN where missing).

    Returns
    -------
    pandas.DataFrame
        Columns ``day`` (int days since 1970-01-01), ``ckey`` (round(compound * 10000)),
        ``n``, ``label_sum``, ``label_n``.
    """
    days = times.astype("datetime64[D]").astype(np.int64)
    ckey = np.rint(compound * _SCALE).astype(np.int64)
    if len(ckey) and np.abs(ckey).max() > _SCALE:
        raise DataError(
            f"compound scores must lie in [-1, 1], got {compound[np.abs(ckey) > _SCALE][0]}"
        )
    frame = pd.DataFrame(
        {
            "day": days,
            "ckey": ckey,
            "label": np.full(len(days), np.nan) if labels is None else labels,
        }
    )
    grouped = frame.groupby(["day", "ckey"], sort=True)["label"]
    out = grouped.agg(["size", "sum", "count"]).reset_index()
    out.columns = list(PARTIAL_COLUMNS)
    return out.astype({"n": np.int64, "label_sum": np.float64, "label_n": np.int64})


class DailyAccumulator:
    """Adds partial aggregates into per-day histograms of the compound score.

    Memory is one ``int32[20001]`` histogram per day that has tweets (about 80 kB), whatever
    the number of rows; adding is associative, so chunks may be added in any grouping.
    """

    def __init__(self) -> None:
        self._hist: dict[int, np.ndarray] = {}
        self._label_sum: dict[int, float] = {}
        self._label_n: dict[int, int] = {}

    def add(self, partial: pd.DataFrame) -> None:
        """Add one output of :func:`partial_aggregate`."""
        if partial.empty:
            return
        p = partial.sort_values(["day", "ckey"], kind="stable")
        days = p["day"].to_numpy()
        bounds = np.flatnonzero(np.diff(days)) + 1
        ckeys = np.split(p["ckey"].to_numpy() + _SCALE, bounds)
        counts = np.split(p["n"].to_numpy(), bounds)
        label_sums = np.split(p["label_sum"].to_numpy(), bounds)
        label_ns = np.split(p["label_n"].to_numpy(), bounds)
        for i, day in enumerate(days[np.r_[0, bounds]].tolist()):
            hist = self._hist.get(day)
            if hist is None:
                hist = self._hist[day] = np.zeros(2 * _SCALE + 1, dtype=np.int32)
                self._label_sum[day], self._label_n[day] = 0.0, 0
            hist[ckeys[i]] += counts[i]
            self._label_sum[day] += float(label_sums[i].sum())
            self._label_n[day] += int(label_ns[i].sum())

    def table(self, with_labels: bool = False) -> pd.DataFrame:
        """The daily sentiment table of everything added so far.

        Parameters
        ----------
        with_labels : bool
            Add ``label_mean`` (mean numeric label of the day's labelled tweets).

        Returns
        -------
        pandas.DataFrame
            Indexed by ``date`` (tz-naive UTC days, every day from first to last), columns
            :data:`DAILY_COLUMNS` (+ ``label_mean``).
        """
        columns = [*DAILY_COLUMNS, *([LABEL_COLUMN] if with_labels else [])]
        days = sorted(self._hist)
        full = np.arange(days[0], days[-1] + 1) if days else np.array([], dtype=np.int64)
        stats = pd.DataFrame(np.nan, index=full, columns=columns)
        values = np.arange(-_SCALE, _SCALE + 1, dtype=np.int64)
        pos_from = _SCALE + round(POSITIVE_THRESHOLD * _SCALE)
        neg_to = _SCALE - round(POSITIVE_THRESHOLD * _SCALE) + 1
        rows = []
        for day in days:
            hist = self._hist[day]
            n = int(hist.sum())
            pos, neg = int(hist[pos_from:].sum()), int(hist[:neg_to].sum())
            cum = np.cumsum(hist)
            lo = values[np.searchsorted(cum, (n - 1) // 2, side="right")] / _SCALE
            hi = values[np.searchsorted(cum, n // 2, side="right")] / _SCALE
            label_n = self._label_n[day]
            rows.append(
                [
                    n,
                    int(hist @ values) / (n * float(_SCALE)),
                    (lo + hi) / 2,
                    pos / n,
                    neg / n,
                    (n - pos - neg) / n,
                    self._label_sum[day] / label_n if label_n else np.nan,
                ][: len(columns)]
            )
        if days:
            stats.loc[days] = np.array(rows, dtype=np.float64)
        stats["n_tweets"] = stats["n_tweets"].fillna(0).astype(np.int64)
        dates = (_EPOCH_DAY + full.astype("timedelta64[D]")).astype("datetime64[ns]")
        stats.index = pd.DatetimeIndex(dates, name="date")
        return stats


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
