from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from sentcast.data.timestamps import (
    ARROW,
    EPOCH_MS,
    EPOCH_S,
    ISO8601,
    TWITTER,
    TimeFormat,
    given_format,
    infer_format,
    parse_timestamps,
    resolve_format,
)
from sentcast.errors import DataError, UserInputError


def _read(values: list[str | None], **kwargs: object) -> tuple[TimeFormat, np.ndarray]:
    column = pa.array(values, pa.string())
    fmt = resolve_format([column], **kwargs)  # type: ignore[arg-type]
    return fmt, parse_timestamps(column, fmt)


def _dates(*values: str) -> np.ndarray:
    return np.array(values, dtype="datetime64[ns]")


def test_iso_column_with_and_without_offsets_becomes_utc() -> None:
    fmt, got = _read(
        ["2021-01-14 13:36:01", "2021-01-14T23:30:00-05:00", "2019-05-27 11:49:14+00", "", None]
    )
    assert fmt == TimeFormat(ISO8601, "inferred")
    want = _dates("2021-01-14T13:36:01", "2021-01-15T04:30", "2019-05-27T11:49:14", "NaT", "NaT")
    np.testing.assert_array_equal(got, want)


def test_crawled_minutes_without_seconds_or_leading_zero() -> None:
    fmt, got = _read(["2018-03-04 9:05", "2018-03-04 19:05", "1.26E+18"])
    assert fmt.spec == ISO8601
    np.testing.assert_array_equal(got, _dates("2018-03-04T09:05", "2018-03-04T19:05", "NaT"))


def test_twitter_formats_with_offset_or_zone_name() -> None:
    fmt, got = _read(["Mon Apr 06 22:21:04 PDT 2009", "Wed Oct 10 20:19:24 +0000 2018"])
    assert fmt.spec == TWITTER
    np.testing.assert_array_equal(got, _dates("2009-04-07T05:21:04", "2018-10-10T20:19:24"))


def test_epoch_seconds_and_milliseconds_are_one_unit_per_column() -> None:
    fmt, got = _read(["1500000000", "1500000060", "15000000000", "1500000000123"])
    assert fmt.spec == EPOCH_S
    np.testing.assert_array_equal(got, _dates("2017-07-14T02:40", "2017-07-14T02:41", "NaT", "NaT"))
    fmt, got = _read(["1500000000123", "1500000000124"])
    assert fmt.spec == EPOCH_MS
    np.testing.assert_array_equal(got, _dates("2017-07-14T02:40:00.123", "2017-07-14T02:40:00.124"))


def test_day_first_column_is_read_day_first_throughout() -> None:
    days = pd.date_range("2020-01-01", periods=90)
    fmt, got = _read(list(days.strftime("%d/%m/%Y")))
    assert fmt == TimeFormat("%d/%m/%Y", "inferred")
    np.testing.assert_array_equal(got, days.to_numpy(dtype="datetime64[ns]"))
    fmt, got = _read(list(days.strftime("%m/%d/%Y %H:%M")))
    assert fmt.spec == "%m/%d/%Y %H:%M"
    np.testing.assert_array_equal(got, days.to_numpy(dtype="datetime64[ns]"))


def test_ambiguous_column_is_refused_unless_dayfirst_is_given() -> None:
    firsts = list(pd.date_range("2020-01-01", periods=12, freq="MS").strftime("%d/%m/%Y"))
    with pytest.raises(UserInputError, match=r"ambiguous: '01/02/2020' is .*--dayfirst"):
        _read(firsts, what="x")
    fmt, got = _read(firsts, dayfirst=True)
    assert fmt.spec == "%d/%m/%Y" and got[1] == np.datetime64("2020-02-01")
    fmt, got = _read(firsts, dayfirst=False)
    assert fmt.spec == "%m/%d/%Y" and got[1] == np.datetime64("2020-01-02")


def test_inference_reads_further_chunks_only_while_ambiguous() -> None:
    read: list[int] = []

    def chunks(*columns: list[str]) -> Iterator[pa.Array]:
        for k, values in enumerate(columns):
            read.append(k)
            yield pa.array(values)

    ambiguous, decisive, later = ["01/02/2020", "03/04/2020"], ["25/12/2020"], ["01/01/2021"]
    assert infer_format(chunks(ambiguous, decisive, later)).spec == "%d/%m/%Y"
    assert read == [0, 1]
    read.clear()
    assert infer_format(chunks(["2020-01-02"], later)).spec == ISO8601
    assert read == [0]
    read.clear()
    assert infer_format(chunks(["8.80E+17"], ["01/02/2020"], decisive)).spec == "%d/%m/%Y"
    assert read == [0, 1, 2]


def test_out_of_range_values_are_nat_not_an_error() -> None:
    fmt, got = _read(["2020-01-01", "9999-12-31", "1500-01-01"])
    np.testing.assert_array_equal(got, _dates("2020-01-01", "NaT", "NaT"))
    far = pa.array([pd.Timestamp("2020-01-01"), pd.Timestamp("9999-12-31")], pa.timestamp("us"))
    np.testing.assert_array_equal(parse_timestamps(far, fmt), _dates("2020-01-01", "NaT"))


def test_arrow_timestamps_and_dates_need_no_format() -> None:
    aware = pa.array([pd.Timestamp("2020-01-01 23:00", tz="America/New_York")])
    naive = pa.array([pd.Timestamp("2020-01-01 23:00")])
    days = pa.array([pd.Timestamp("2020-01-01").date()], pa.date32())
    for column, want in ((aware, "2020-01-02T04:00"), (naive, "2020-01-01T23:00")):
        fmt = resolve_format([column], spec="%d/%m/%Y")
        assert fmt == TimeFormat(ARROW, "column type")
        assert parse_timestamps(column, fmt)[0] == np.datetime64(want)
    assert parse_timestamps(days, TimeFormat(ARROW))[0] == np.datetime64("2020-01-01")


def test_given_formats_are_checked_and_used() -> None:
    fmt, got = _read(["03/04/2020", "2020-04-03"], spec="%d/%m/%Y")
    assert fmt == TimeFormat("%d/%m/%Y", "given")
    np.testing.assert_array_equal(got, _dates("2020-04-03", "NaT"))
    assert given_format("epoch-ms").spec == EPOCH_MS
    for bad in ("%Q", "dd/mm/yyyy"):
        with pytest.raises(UserInputError, match="--time-format"):
            given_format(bad)
    with pytest.raises(UserInputError, match="--dayfirst"):
        resolve_format([pa.array(["2020-01-01"])], spec="%Y-%m-%d", dayfirst=True)


def test_column_without_any_date_is_a_data_error() -> None:
    with pytest.raises(DataError, match=r"no known date format fits column t .*'hello'"):
        infer_format([pa.array(["hello", "world"])], what="column t")
    assert infer_format([pa.array(["", None], pa.string())]).spec == ISO8601
