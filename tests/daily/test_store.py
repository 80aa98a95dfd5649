"""The store: schema once, inserts that skip stored keys, transactions, read-only queries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from sentcast.daily.store import TABLES, Store, query
from sentcast.errors import UserInputError


def _rows(*values: float) -> pd.DataFrame:
    days = [dt.date(2019, 1, 1) + dt.timedelta(days=i) for i in range(len(values))]
    return pd.DataFrame({"source": "s", "name": "v", "day": days, "value": list(values)})


def test_inserts_skip_what_is_stored_and_a_failed_transaction_leaves_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "d.duckdb"
    with Store(path) as store:
        assert store.insert("daily_series", _rows(1.0, 2.0)) == 2
        assert store.insert("daily_series", _rows(9.0, 2.0, 3.0)) == 1  # first value kept
        with pytest.raises(RuntimeError), store.transaction():
            store.insert("daily_series", _rows(1.0, 2.0, 3.0, 4.0))
            raise RuntimeError("killed")
        assert store.scalar("SELECT count(*) FROM daily_series") == 3
    with Store(path) as again:  # reopening keeps the schema and the rows
        assert again.scalar("SELECT value FROM daily_series ORDER BY day LIMIT 1") == 1.0
    tables = set(query(path, "SHOW TABLES")["name"])
    assert tables == set(TABLES)


def test_queries_are_read_only_and_fail_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "d.duckdb"
    Store(path).close()
    with pytest.raises(UserInputError, match=r"query failed: .*read-only"):
        query(path, "DELETE FROM forecasts")
    with pytest.raises(UserInputError, match="no store at"):
        query(tmp_path / "none.duckdb", "SELECT 1")
