"""The store: schema once, inserts that skip stored keys, transactions, read-only queries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from sentcast.daily.store import TABLES, Store, query
from sentcast.errors import DataError, UserInputError


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


def test_a_store_in_folders_not_made_yet_is_created(tmp_path: Path) -> None:
    path = tmp_path / "runs" / "daily" / "d.duckdb"
    with Store(path) as store:
        assert store.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == "1"
    assert path.is_file()


def test_a_file_that_is_not_a_store_is_a_data_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "d.duckdb"
    path.write_bytes(b"not a database, just bytes\n" * 200)
    with pytest.raises(DataError) as err:
        Store(path)
    message = str(err.value)
    assert message.startswith(f"{path}: cannot open the store (")
    assert "(None)" not in message and len(message) > len(f"{path}: cannot open the store ()")


def test_a_store_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.duckdb"
    with Store(path) as store:
        store.con.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    with pytest.raises(DataError, match=r"d\.duckdb: store schema 7 is not 1"):
        Store(path)


def test_inserts_name_an_unknown_table_and_count_nothing_for_no_rows(tmp_path: Path) -> None:
    with Store(tmp_path / "d.duckdb") as store:
        with pytest.raises(UserInputError, match="no table 'nope' in the store"):
            store.insert("nope", _rows(1.0))
        assert store.insert("daily_series", _rows()) == 0
        assert store.scalar("SELECT count(*) FROM daily_series") == 0


def test_inserted_and_replaced_frames_are_not_left_registered(tmp_path: Path) -> None:
    import duckdb

    with Store(tmp_path / "d.duckdb") as store:
        store.insert("daily_series", _rows(1.0))
        with pytest.raises(duckdb.CatalogException):
            store.con.execute("SELECT * FROM _incoming")
        scores = pd.DataFrame(
            {"run_day": [dt.date(2019, 1, 2)], "series": ["naive"], "horizon": [1]}
        )
        store.replace("scores", scores)
        with pytest.raises(duckdb.CatalogException):
            store.con.execute("SELECT * FROM _incoming")


def test_without_duckdb_the_store_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "duckdb", None)  # `import duckdb` raises ImportError
    with pytest.raises(UserInputError, match=r"^the daily store needs duckdb: pip install"):
        Store(tmp_path / "d.duckdb")
