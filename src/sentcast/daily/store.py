"""The embedded store of a daily job: one DuckDB file, every write in one transaction.

Tables (documented for users in ``docs/daily.md``; days are UTC ``DATE``\\s):

``market_rows``    every market row the job has seen, ``(asset, day)``;
``posts``          collected posts with their sentiment score, ``(source, id)``;
``daily_series``   daily values per source and column (sentiment, any daily table),
                   ``(source, name, day)``;
``source_files``   dump files already read, ``(source, path)``;
``models``         model versions (trained or given), ``(model_version)``;
``forecasts``      every forecast ever made, never updated, ``(series, horizon, origin_day,
                   vintage)``: a re-run with the same data inserts nothing, new data inserts
                   a new vintage;
``outcomes``       the realised close of a forecast's target day, same key;
``scores``         the running score per run day, series and horizon;
``runs``           one row per finished job day.

Only one process writes (the job holds the run folder's lock); readers open the file
read-only (:func:`query`). Inserts are ``INSERT ... ON CONFLICT DO NOTHING``, so replaying a
step after a kill adds nothing that is already there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from sentcast.errors import DataError, UserInputError, one_line

SCHEMA_VERSION = 1
_INCOMING = "_incoming"
"""The name under which a frame being written is registered with DuckDB."""

TABLES: dict[str, str] = {
    "meta": "key VARCHAR PRIMARY KEY, value VARCHAR",
    "market_rows": (
        "asset VARCHAR, day DATE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, "
        "volume DOUBLE, seen_on DATE, PRIMARY KEY (asset, day)"
    ),
    "posts": (
        "source VARCHAR, id VARCHAR, created_at TIMESTAMP, text VARCHAR, compound DOUBLE, "
        "seen_on DATE, PRIMARY KEY (source, id)"
    ),
    "daily_series": (
        "source VARCHAR, name VARCHAR, day DATE, value DOUBLE, n_posts BIGINT, seen_on DATE, "
        "PRIMARY KEY (source, name, day)"
    ),
    "source_files": (
        "source VARCHAR, path VARCHAR, size BIGINT, rows_kept BIGINT, seen_on DATE, "
        "PRIMARY KEY (source, path)"
    ),
    "models": (
        "model_version VARCHAR PRIMARY KEY, model VARCHAR, cell VARCHAR, horizon INTEGER, "
        "trained_on DATE, data_end DATE, fit_end DATE, validation_rmse DOUBLE, folder VARCHAR, "
        "created_at TIMESTAMP"
    ),
    "forecasts": (
        "series VARCHAR, horizon INTEGER, origin_day DATE, vintage VARCHAR, role VARCHAR, "
        "model VARCHAR, model_version VARCHAR, run_day DATE, data_end DATE, "
        "last_close DOUBLE, y_pred DOUBLE, forecast_usd DOUBLE, lower80 DOUBLE, "
        "upper80 DOUBLE, lower95 DOUBLE, upper95 DOUBLE, created_at TIMESTAMP, "
        "PRIMARY KEY (series, horizon, origin_day, vintage)"
    ),
    "outcomes": (
        "series VARCHAR, horizon INTEGER, origin_day DATE, vintage VARCHAR, target_day DATE, "
        "actual_usd DOUBLE, error_usd DOUBLE, inside80 BOOLEAN, inside95 BOOLEAN, "
        "scored_on DATE, PRIMARY KEY (series, horizon, origin_day, vintage)"
    ),
    "scores": (
        "run_day DATE, series VARCHAR, horizon INTEGER, n BIGINT, rmse_usd DOUBLE, "
        "mae_usd DOUBLE, ratio_naive DOUBLE, dm_pvalue DOUBLE, cov80 DOUBLE, cov95 DOUBLE, "
        "PRIMARY KEY (run_day, series, horizon)"
    ),
    "runs": (
        "run_day DATE PRIMARY KEY, mode VARCHAR, data_end DATE, new_forecasts BIGINT, "
        "new_outcomes BIGINT, summary VARCHAR, finished_at TIMESTAMP"
    ),
}

#: The forecasts each (series, horizon, origin) counts with: its newest vintage.
LATEST_FORECASTS = """
SELECT * FROM forecasts f
QUALIFY row_number() OVER (
    PARTITION BY series, horizon, origin_day ORDER BY created_at DESC, vintage DESC) = 1
"""


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError:  # pragma: no cover - a declared dependency
        raise UserInputError("the daily store needs duckdb: pip install 'duckdb>=1.1'") from None
    return duckdb


class Store:
    """A DuckDB store opened for writing (one writer: hold the run folder's lock).

    Parameters
    ----------
    path : path
        The DuckDB file (created with the schema when missing).
    """

    def __init__(self, path: str | Path) -> None:
        duckdb = _duckdb()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path))
        except duckdb.Error as exc:
            raise DataError(f"{self.path}: cannot open the store ({one_line(exc)})") from None
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET threads = 1")  # small queries: threads cost more than they give
        with self.transaction():
            for name, columns in TABLES.items():
                self.con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")
            self.con.execute(
                "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
                [str(SCHEMA_VERSION)],
            )
        version = self.scalar("SELECT value FROM meta WHERE key = 'schema_version'")
        if version != str(SCHEMA_VERSION):
            raise DataError(f"{self.path}: store schema {version} is not {SCHEMA_VERSION}")

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """``BEGIN`` ... ``COMMIT``; any exception rolls back and propagates."""
        self.con.begin()
        try:
            yield self
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    def insert(self, table: str, frame: pd.DataFrame) -> int:
        """Insert the rows of ``frame`` (columns named as the table's) that are not there yet.

        Returns
        -------
        int
            Rows inserted (rows whose key is already stored are skipped).
        """
        if table not in TABLES:
            raise UserInputError(f"no table {table!r} in the store")
        if frame.empty:
            return 0
        with self._incoming(frame) as columns:
            rows = self.con.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {_INCOMING} "
                "ON CONFLICT DO NOTHING RETURNING 1"
            ).fetchall()
        return len(rows)

    def replace(self, table: str, frame: pd.DataFrame) -> None:
        """Insert ``frame``, replacing rows with the same key (derived tables only: scores)."""
        if frame.empty:
            return
        with self._incoming(frame) as columns:
            self.con.execute(
                f"INSERT OR REPLACE INTO {table} ({columns}) SELECT {columns} FROM {_INCOMING}"
            )

    @contextlib.contextmanager
    def _incoming(self, frame: pd.DataFrame) -> Iterator[str]:
        """``frame`` registered as :data:`_INCOMING` for one statement; yields its column list."""
        self.con.register(_INCOMING, frame)
        try:
            yield ", ".join(frame.columns)
        finally:
            self.con.unregister(_INCOMING)

    def frame(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """The result of ``sql`` as a DataFrame."""
        result: pd.DataFrame = self.con.execute(sql, params or []).df()
        return result

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        """The first value of the first row of ``sql`` (``None`` when there is no row)."""
        rows = self.con.execute(sql, params or []).fetchall()  # the whole result: DuckDB 2
        return rows[0][0] if rows else None  # refuses new work beside an unfinished one


def query(path: str | Path, sql: str) -> pd.DataFrame:
    """Run ``sql`` on the store at ``path`` opened read-only.

    Raises
    ------
    UserInputError
        No store there, or the SQL fails (one line: DuckDB's message).
    """
    duckdb = _duckdb()
    if not Path(path).is_file():
        raise UserInputError(f"no store at {path}; run `sentcast daily CONFIG` first")
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            result: pd.DataFrame = con.execute(sql).df()
            return result
    except duckdb.Error as exc:
        raise UserInputError(f"query failed: {one_line(exc)}") from None
