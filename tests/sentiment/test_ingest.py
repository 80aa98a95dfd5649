from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd

from sentcast.sentiment.ingest import estimated_chunks


def test_estimated_chunks_count_rows_cheaply(tmp_path: Path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("text,date\n" + "hi,2020-01-01\n" * 250)
    parquet = tmp_path / "t.parquet"
    pd.DataFrame({"text": ["a"] * 120}).to_parquet(parquet)
    assert estimated_chunks([csv], 100) == 3
    assert estimated_chunks([csv, parquet], 100) == 3 + 2
    packed = tmp_path / "t.csv.gz"
    packed.write_bytes(gzip.compress(csv.read_bytes()))
    assert estimated_chunks([csv, packed], 100) is None  # no cheap count: no total, no ETA
