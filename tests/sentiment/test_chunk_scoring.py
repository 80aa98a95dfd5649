"""The checks of one chunk: each rejected row counted once, under its first reason."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from sentcast.data.timestamps import given_format
from sentcast.sentiment.batch import BatchScorer
from sentcast.sentiment.chunk_scoring import check_chunk, score_table
from sentcast.sentiment.score_job import ChunkColumns, ScoreJob
from tests.sentiment.tweet_files import SCORED_SCHEMA, FixedScorer

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


def _day(iso: str) -> int:
    """Days since 1970-01-01 (the ``day`` of a partial aggregate)."""
    return (dt.date.fromisoformat(iso) - dt.date(1970, 1, 1)).days


def test_a_scored_chunk_counts_every_row_and_keeps_the_scored_ones_in_utc(tmp_path: Path) -> None:
    """Rows: kept, empty text, bad date, empty after cleaning (scored to NaN), kept (label
    ``' POS '``: trimmed, any case), kept. The scored rows carry their UTC instants."""
    table = pa.table(
        {
            "text": ["good", " \t", "bad", "http://t.co/x", "good", "meh"],
            "time": [
                "2020-02-01T10:00:00",
                "2020-02-01T10:00:00",
                "not a date",
                "2020-02-01T11:00:00",
                "2020-02-02T01:30:00+02:00",  # 2020-02-01 23:30 UTC
                "2020-02-02T12:00:00Z",
            ],
            "label": ["pos", "neg", "neg", "neg", " POS ", "neg"],
        }
    )
    cols = ChunkColumns("text", "time", "label", given_format("ISO8601"))
    job = dataclasses.replace(
        _job(tmp_path, {"pos": 1.0, "neg": -1.0}), scored=tmp_path / "scored.parquet"
    )
    with BatchScorer(FixedScorer(), workers=1) as batch:
        result = score_table(table, cols, job, batch)
    assert result.counts == {
        "rows": 6,
        "rejected": {"empty text": 1, "unparseable date": 1, "empty after cleaning": 1},
        "texts_scored": 3,  # good, the link and meh: each distinct text once
    }
    day1, day2 = _day("2020-02-01"), _day("2020-02-02")
    expected = pd.DataFrame(
        {
            "day": [day1, day2],
            "ckey": [5000, 0],  # compound 0.5 and 0.0, times 10,000
            "n": [2, 1],
            "label_sum": [2.0, -1.0],
            "label_n": [2, 1],
        }
    )
    pd.testing.assert_frame_equal(result.partial, expected, check_dtype=False)
    assert result.scored is not None
    assert list(zip(result.scored.schema.names, result.scored.schema.types, strict=True)) == [
        *SCORED_SCHEMA,
        ("label", pa.float64()),
    ]
    utc = dt.UTC
    assert result.scored.to_pydict() == {
        "time": [
            dt.datetime(2020, 2, 1, 10, tzinfo=utc),
            dt.datetime(2020, 2, 1, 23, 30, tzinfo=utc),
            dt.datetime(2020, 2, 2, 12, tzinfo=utc),
        ],
        "text": ["good", "good", "meh"],
        "neg": [0.0, 0.0, 0.125],
        "neu": [0.25, 0.25, 0.75],
        "pos": [0.75, 0.75, 0.125],
        "compound": [0.5, 0.5, 0.0],
        "label": [1.0, 1.0, -1.0],
    }


def test_integer_labels_are_kept_as_floats_and_no_label_column_means_none(
    tmp_path: Path,
) -> None:
    table = pa.table({"text": ["good", "bad"], "time": ["01/02/2020"] * 2, "label": ["1", "-1"]})
    job = dataclasses.replace(_job(tmp_path, {}), scored=tmp_path / "scored.parquet")
    with BatchScorer(FixedScorer(), workers=1) as batch:
        labelled = score_table(table, COLUMNS, job, batch)
        unlabelled = score_table(
            table.drop_columns(["label"]), dataclasses.replace(COLUMNS, label=None), job, batch
        )
    assert labelled.scored is not None and unlabelled.scored is not None
    assert labelled.scored.column("label").type == pa.float64()
    assert labelled.scored.column("label").to_pylist() == [1.0, -1.0]
    assert labelled.partial["label_sum"].tolist() == [-1.0, 1.0]  # bad (-0.25), then good
    assert unlabelled.scored.schema.names == [name for name, _ in SCORED_SCHEMA]
    assert unlabelled.partial["label_n"].tolist() == [0, 0] and unlabelled.counts["rejected"] == {}
    assert unlabelled.counts["texts_scored"] == 0  # both texts come from the batch's cache
    # a label map of whole numbers (the library takes any number) gives float labels too
    words = table.set_column(2, "label", pa.array(["pos", "neg"]))
    with BatchScorer(FixedScorer(), workers=1) as batch:
        mapped = score_table(words, COLUMNS, _job(tmp_path, {"pos": 1, "neg": -1}), batch)
    assert mapped.scored is None and mapped.partial["label_sum"].tolist() == [-1.0, 1.0]
    job = dataclasses.replace(_job(tmp_path, {"pos": 1, "neg": -1}), scored=tmp_path / "s.parquet")
    with BatchScorer(FixedScorer(), workers=1) as batch:
        mapped = score_table(words, COLUMNS, job, batch)
    assert mapped.scored is not None and mapped.scored.column("label").type == pa.float64()


def test_without_scored_output_a_chunk_keeps_no_rows(tmp_path: Path) -> None:
    table = pa.table({"text": ["good", "meh", "bad"], "time": ["01/02/2020"] * 3})
    cols = dataclasses.replace(COLUMNS, label=None)
    with BatchScorer(FixedScorer(), workers=1) as batch:
        first = score_table(table.slice(0, 2), cols, _job(tmp_path, {}), batch)
        second = score_table(table.slice(1, 2), cols, _job(tmp_path, {}), batch)
    assert first.scored is None and second.scored is None
    assert first.counts["texts_scored"] == 2
    assert second.counts == {"rows": 2, "rejected": {}, "texts_scored": 1}  # meh was cached
    assert second.partial["ckey"].tolist() == [-2500, 0]


def test_missing_or_blank_texts_are_empty_and_never_scored(tmp_path: Path) -> None:
    table = pa.table(
        {
            "text": pa.array([None, "", " \n ", "good"], pa.string()),
            "time": ["01/02/2020"] * 4,
            "label": ["pos"] * 4,
        }
    )
    scorer = FixedScorer()
    with BatchScorer(scorer, workers=1) as batch:
        result = score_table(table, COLUMNS, _job(tmp_path, {"pos": 1.0}), batch)
    assert result.counts["rejected"] == {"empty text": 3}
    assert scorer.seen == ["good"]
