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


def test_a_named_or_checked_format_is_given_not_inferred() -> None:
    for spec in (ISO8601, EPOCH_S, EPOCH_MS, "%d/%m/%Y"):
        assert given_format(spec) == TimeFormat(spec, "given")
        assert str(given_format(spec)) == f"{spec} (given)"
    assert str(resolve_format([pa.array(["2020-01-01"])], spec=EPOCH_S)) == "epoch-s (given)"


def test_bad_given_formats_are_refused_word_for_word() -> None:
    hint = "give a strftime format such as %d/%m/%Y %H:%M, or one of ISO8601, epoch-s, epoch-ms"
    with pytest.raises(UserInputError) as no_directive:
        given_format("dd/mm/yyyy")
    assert str(no_directive.value) == (
        f"--time-format 'dd/mm/yyyy' is not a date format (it has no % directive); {hint}"
    )
    with pytest.raises(UserInputError, match=r"'100%%' is not a date format \(it has no % d"):
        given_format("100%%")  # an escaped percent sign is no directive
    assert given_format("%%%Y") == TimeFormat("%%%Y", "given")
    with pytest.raises(UserInputError) as bad_directive:
        given_format("%Q")
    assert str(bad_directive.value) == (
        f"--time-format '%Q' is not a date format ('Q' is a bad directive in format '%Q'); {hint}"
    )


def test_dayfirst_keeps_formats_without_a_numeric_day_month_pair() -> None:
    # a month name or a leading year has no day/month order: --dayfirst and --no-dayfirst keep it
    for values, spec in (
        (["25 Dec 2019", "02 Jan 2020"], "%d %b %Y"),
        (["Dec 25 2019", "Jan 02 2020"], "%b %d %Y"),
        (["2020/03/25 18h", "2020/04/02 07h"], "%Y/%m/%d %Hh"),
    ):
        for dayfirst in (True, False):
            fmt = infer_format([pa.array(values)], dayfirst=dayfirst)
            assert fmt == TimeFormat(spec, "inferred")


def test_disagreement_shows_both_readings_word_for_word() -> None:
    hint = "pass --dayfirst or --no-dayfirst, or --time-format (e.g. %d/%m/%Y)"
    with pytest.raises(UserInputError) as both_read:
        infer_format([pa.array(["05/05/2020", "01/02/2020", "03/04/2020"])], what="column d")
    assert str(both_read.value) == (
        "the dates in column d are ambiguous: '01/02/2020' is 2020-01-02 00:00:00 as %m/%d/%Y "
        f"but 2020-02-01 00:00:00 as %d/%m/%Y; {hint}"
    )
    # one value reads only month-first, the other only day-first: a tie, shown as unreadable
    with pytest.raises(UserInputError) as one_side:
        infer_format([pa.array(["01/13/2020", "13/01/2020"])])
    assert str(one_side.value) == (
        "the dates in the time column are ambiguous: '01/13/2020' is 2020-01-13 00:00:00 as "
        f"%m/%d/%Y but unreadable as %d/%m/%Y; {hint}"
    )


def test_a_later_chunk_where_both_readings_agree_keeps_the_first_example() -> None:
    chunks = [pa.array(["01/02/2020"]), pa.array(["05/05/2020", "07/07/2021"])]
    with pytest.raises(UserInputError) as ambiguous:
        infer_format(chunks)
    assert "ambiguous: '01/02/2020' is 2020-01-02 00:00:00 as %m/%d/%Y but 2020-02-01" in str(
        ambiguous.value
    )


def test_resolve_names_the_column_in_its_messages() -> None:
    ambiguous = [pa.array(["01/02/2020", "03/04/2020"])]
    with pytest.raises(UserInputError, match=r"^the dates in the time column are ambiguous: "):
        resolve_format(ambiguous)
    with pytest.raises(UserInputError, match=r"^the dates in column 'when' are ambiguous: "):
        resolve_format(ambiguous, what="column 'when'")
    with pytest.raises(UserInputError) as both:
        resolve_format(ambiguous, spec="%d/%m/%Y", dayfirst=False)
    assert str(both.value) == (
        "--dayfirst/--no-dayfirst choose among inferred formats; with --time-format leave them out"
    )


def test_a_column_without_any_date_value_gets_iso_and_says_why() -> None:
    for chunks in ([], [pa.array(["", "  ", None], pa.string())]):
        fmt = resolve_format(chunks)
        assert fmt == TimeFormat(ISO8601, "nothing to infer from: no dates")
        assert str(fmt) == "ISO8601 (nothing to infer from: no dates)"


def test_empty_leading_chunks_are_skipped() -> None:
    chunks = [pa.array(["", None], pa.string()), pa.array([" "]), pa.array(["25/12/2020"])]
    assert infer_format(chunks) == TimeFormat("%d/%m/%Y", "inferred")


def test_values_that_fit_are_counted_over_every_chunk_read() -> None:
    # chunk 1: ISO8601 reads 1 value, %m/%d/%Y and %d/%m/%Y read 2 each and disagree;
    # chunk 2 adds one ISO date: 2, 2 and 2 over both chunks, so still ambiguous
    first = pa.array(["01/13/2020", "13/01/2020", "01/02/2020", "2020-03-04"])
    with pytest.raises(UserInputError, match="ambiguous: '2020-05-06' is 2020-05-06 00:00:00 as"):
        infer_format([first, pa.array(["2020-05-06"])])
    # a second ISO date settles it
    assert infer_format([first, pa.array(["2020-05-06", "2020-05-07"])]).spec == ISO8601


def test_no_known_format_shows_three_values_word_for_word() -> None:
    with pytest.raises(DataError) as error:
        infer_format([pa.array(["hello", "world", "foo", "bar"])], what="column t")
    assert str(error.value) == (
        "no known date format fits column t (values like 'hello', 'world', 'foo'); "
        "pass --time-format"
    )


def test_chunked_string_columns_are_parsed_as_one() -> None:
    column = pa.chunked_array([["2020-01-02", None], ["2020-01-02", "2020-01-03 12:00"]])
    np.testing.assert_array_equal(
        parse_timestamps(column, TimeFormat(ISO8601)),
        _dates("2020-01-02", "NaT", "2020-01-02", "2020-01-03T12:00"),
    )


def test_arrow_timestamp_columns_with_gaps_and_nanoseconds() -> None:
    aware = pa.array(
        [pd.Timestamp("2020-01-01 23:00", tz="America/New_York"), None],
        pa.timestamp("s", tz="America/New_York"),
    )
    np.testing.assert_array_equal(
        parse_timestamps(aware, TimeFormat(ARROW)), _dates("2020-01-02T04:00", "NaT")
    )
    # a nanosecond clock is read to the microsecond, not refused
    precise = pa.array([pd.Timestamp("2020-01-01 00:00:00.000001001"), None], pa.timestamp("ns"))
    np.testing.assert_array_equal(
        parse_timestamps(precise, TimeFormat(ARROW)), _dates("2020-01-01T00:00:00.000001", "NaT")
    )
    days = pa.array([pd.Timestamp("2020-02-29").date(), None], pa.date32())
    np.testing.assert_array_equal(
        parse_timestamps(days, TimeFormat(ARROW)), _dates("2020-02-29", "NaT")
    )


def test_formats_that_fit_none_of_the_first_dates_are_not_tried_later() -> None:
    # ISO 8601 reads none of the first chunk: left out, the ISO dates after it do not count
    chunks = [pa.array(["01/02/2020"]), pa.array(["2020-03-04", "2020-03-05"])]
    with pytest.raises(UserInputError, match="ambiguous: '01/02/2020' is 2020-01-02 00:00:00 as"):
        infer_format(chunks)


def test_the_format_most_values_fit_wins_however_the_values_are_interleaved() -> None:
    # 49 ISO dates between 50 slash dates, 25 of which read only day-first and 25 only
    # month-first: ISO 8601 fits the most values (49 against 25 and 25)
    late = [(1, d) for d in range(13, 32)] + [(3, d) for d in range(13, 19)]
    slashes = [f"{d}/{m:02d}/2020" for m, d in late] + [f"{m:02d}/{d}/2020" for m, d in late]
    iso = list(pd.date_range("2021-01-01", periods=49).strftime("%Y-%m-%d"))
    assert len(slashes) == 50 and len(set(slashes)) == 50
    values = [v for pair in zip(slashes, [*iso, ""], strict=True) for v in pair if v]
    assert infer_format([pa.array(values)]) == TimeFormat(ISO8601, "inferred")


def test_ten_digit_epochs_past_2262_are_nat_not_an_error() -> None:
    fmt, got = _read(["1500000000", "9999999999"])
    assert fmt.spec == EPOCH_S
    np.testing.assert_array_equal(got, _dates("2017-07-14T02:40", "NaT"))


def test_the_first_and_last_microsecond_datetime64_ns_holds_are_kept() -> None:
    first, last = pd.Timestamp.min.ceil("us"), pd.Timestamp.max.floor("us")
    micros = [
        first.value // 1000,
        last.value // 1000,
        first.value // 1000 - 1,
        last.value // 1000 + 1,
    ]
    column = pa.array(micros, pa.timestamp("us"))
    got = parse_timestamps(column, TimeFormat(ARROW, "column type"))
    np.testing.assert_array_equal(
        got, np.array([first, last, "NaT", "NaT"], dtype="datetime64[ns]")
    )


def test_a_later_chunk_settles_month_first_as_well_as_day_first() -> None:
    for decisive, spec in (("01/13/2020", "%m/%d/%Y"), ("13/01/2020", "%d/%m/%Y")):
        chunks = [pa.array(["01/02/2020", "03/04/2020"]), pa.array([decisive])]
        assert infer_format(chunks) == TimeFormat(spec, "inferred")
