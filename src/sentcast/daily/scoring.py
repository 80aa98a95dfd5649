"""Outcomes of earlier forecasts and the running score.

A forecast from origin ``t`` at horizon ``h`` aims at the ``h``-th day after ``t`` in the
panel (trading days under the trading calendar, as the experiment's windows). Once the data
of a run holds that day, the forecast gets its outcome: the close in USD, the error and
whether each interval held it. Outcomes are inserted once and never changed.

The running score of a run day covers every realised forecast (newest vintage per series,
horizon and origin): RMSE and MAE in USD, the RMSE ratio to naive on the same origins, the
Diebold–Mariano p-value against naive (squared errors, ``h - 1`` lags, as in
``results.csv``) and the empirical coverage of the 80 % and 95 % intervals.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sentcast.daily.store import LATEST_FORECASTS, Store
from sentcast.evaluation.stats import diebold_mariano
from sentcast.features.windows import CLOSE


def score_outcomes(store: Store, frame: pd.DataFrame, day: dt.date) -> int:
    """Add the outcome of every forecast whose target day is in ``frame`` (one transaction).

    Returns
    -------
    int
        Outcomes added.
    """
    pending = store.frame(
        """SELECT f.series, f.horizon, f.origin_day, f.vintage, f.forecast_usd,
        f.lower80, f.upper80, f.lower95, f.upper95 FROM forecasts f
        ANTI JOIN outcomes o USING (series, horizon, origin_day, vintage)"""
    )
    if pending.empty:
        return 0
    closes = frame[CLOSE].dropna()
    index = pd.DatetimeIndex(closes.index)
    where = index.get_indexer(pd.DatetimeIndex(pending["origin_day"]))
    target = where + pending["horizon"].to_numpy()
    ready = (where >= 0) & (target < len(index))
    done = pending.loc[ready].copy()
    if done.empty:
        return 0
    positions = target[ready]
    actual = closes.to_numpy(dtype=float)[positions]
    done["target_day"] = index[positions].date
    done["actual_usd"] = actual
    done["error_usd"] = done["forecast_usd"].to_numpy() - actual
    for pct in (80, 95):
        lower, upper = done[f"lower{pct}"].to_numpy(), done[f"upper{pct}"].to_numpy()
        inside = pd.Series((lower <= actual) & (actual <= upper), index=done.index)
        done[f"inside{pct}"] = inside.astype("boolean").mask(np.isnan(lower) | np.isnan(upper))
    done["scored_on"] = day
    columns = [
        "series", "horizon", "origin_day", "vintage", "target_day", "actual_usd",
        "error_usd", "inside80", "inside95", "scored_on",
    ]  # fmt: skip
    with store.transaction():
        return store.insert("outcomes", done[columns])


def realised(store: Store, day: dt.date) -> pd.DataFrame:
    """Every forecast realised by ``day`` (newest vintage), oldest origin first."""
    return store.frame(
        f"""SELECT f.series, f.role, f.horizon, f.origin_day, f.forecast_usd, o.target_day,
        o.actual_usd, o.error_usd, o.inside80, o.inside95
        FROM ({LATEST_FORECASTS}) f JOIN outcomes o USING (series, horizon, origin_day, vintage)
        WHERE o.target_day <= ? ORDER BY f.series, f.horizon, f.origin_day""",
        [day],
    )


def running_score(frame: pd.DataFrame) -> pd.DataFrame:
    """The score of every series and horizon over the realised forecasts in ``frame``.

    Returns
    -------
    pandas.DataFrame
        ``series, horizon, n, rmse_usd, mae_usd, ratio_naive, dm_pvalue, cov80, cov95``.
    """
    rows = []
    for key, part in frame.groupby(["series", "horizon"], sort=True):
        series, horizon = str(key[0]), int(str(key[1]))
        naive = frame[(frame["series"] == "naive") & (frame["horizon"] == horizon)]
        both = part.merge(naive[["origin_day", "error_usd"]], on="origin_day", suffixes=("", "_n"))
        error, base = both["error_usd"].to_numpy(float), both["error_usd_n"].to_numpy(float)
        rmse, rmse_naive = _rmse(error), _rmse(base)
        dm = diebold_mariano(error, base, horizon) if len(both) > 2 else None
        rows.append(
            {
                "series": series,
                "horizon": horizon,
                "n": len(part),
                "rmse_usd": _rmse(part["error_usd"].to_numpy(float)),
                "mae_usd": float(np.mean(np.abs(part["error_usd"].to_numpy(float)))),
                "ratio_naive": rmse / rmse_naive if rmse_naive > 0 else np.nan,
                "dm_pvalue": np.nan if dm is None or series == "naive" else dm.pvalue,
                "cov80": _share(part["inside80"]),
                "cov95": _share(part["inside95"]),
            }
        )
    return pd.DataFrame(rows)


def _rmse(errors: np.ndarray) -> float:
    return float(np.sqrt(np.mean(errors**2))) if len(errors) else float("nan")


def _share(values: pd.Series) -> float:
    known = values.dropna()
    return float(known.astype(float).mean()) if len(known) else float("nan")


def update_scores(store: Store, day: dt.date) -> pd.DataFrame:
    """Compute the running score as of ``day`` and store it (replacing that day's rows)."""
    score = running_score(realised(store, day))
    if not score.empty:
        with store.transaction():
            store.replace("scores", score.assign(run_day=day))
    return score
