"""The checks of one chunk: each rejected row counted once, under its first reason."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa

from sentcast.data.timestamps import given_format
from sentcast.sentiment.chunk_scoring import check_chunk
from sentcast.sentiment.score_job import ChunkColumns, ScoreJob

COLUMNS = ChunkColumns("text", "time", "label", given_format("%d/%m/%Y"))


def _job(tmp_path: Path, label_map: Mapping[str, float]) -> ScoreJob:
    return ScoreJob(
        [tmp_path / "tweets.csv"],
        tmp_path / "daily.parquet",
        label_col="label",
        label_map=label_map,
    )


def test_each_rejected_row_is_counted_once_under_its_first_reason(tmp_path: Path) -> None:
    """Empty text first, then an unreadable date, then the label: a row with an empty text and
    an unknown label is one empty text, not also an unknown label."""
    table = pa.table(
        {
            "text": ["", "", "late", "fine", "odd", "ok", "good"],
            "time": [
                *["01/02/2020"] * 2,
                *["31/31/2020"] * 2,
                "01/02/2020",
                "02/02/2020",
                "03/02/2020",
            ],
            "label": ["what", "pos", "what", "neg", "what", "inf", "pos"],
        }
    )
    job = _job(tmp_path, {"pos": 1.0, "neg": -1.0, "inf": np.inf})
    checked = check_chunk(table, COLUMNS, job)
    assert checked.rejected == {
        "empty text": 2,
        "unparseable date": 2,
        "unknown label": 1,
        "non-finite label": 1,
    }
    assert checked.keep.tolist() == [False] * 6 + [True]


def test_without_a_label_map_labels_are_numbers_and_anything_else_is_rejected(
    tmp_path: Path,
) -> None:
    table = pa.table({"text": ["a", "b", "c"], "time": ["01/02/2020"] * 3, "label": ["1", "x", ""]})
    checked = check_chunk(table, COLUMNS, _job(tmp_path, {}))
    assert checked.rejected["unknown label"] == 2 and checked.keep.tolist() == [True, False, False]
    assert checked.labels is not None and checked.labels[0] == 1.0
