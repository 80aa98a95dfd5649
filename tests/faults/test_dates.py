"""Fault cases: dates read one format per column, out-of-range dates, non-finite labels."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sentcast.data.daily_series import read_daily_series
from sentcast.data.timestamps import TimeFormat
from sentcast.errors import UserInputError
from sentcast.sentiment.chunk_files import work_dir
from sentcast.sentiment.daily import read_daily_sentiment
from sentcast.sentiment.score_job import ChunkColumns, ScoreJob
from sentcast.sentiment.vader import VaderScorer


def _score(cli, src: Path, *options: str) -> tuple[int, str, str, Path]:  # type: ignore[no-untyped-def]
    out = src.with_name("daily.parquet")
    code, stdout, err = cli(
        "sentiment", "score", str(src), "--out", str(out), "--workers", "1", *options
    )
    return code, stdout, err, out


def _write(path: Path, dates: list[str], text: str = "bitcoin is great") -> Path:
    pd.DataFrame({"date": dates, "text": text}).to_csv(path, index=False)
    return path


def test_day_first_dates_are_not_read_month_first(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    days = pd.date_range("2020-01-01", periods=90)
    src = _write(tmp_path / "dm.csv", list(days.strftime("%d/%m/%Y")))
    code, stdout, err, out = _score(cli, src)
    assert code == 0, err
    assert "time format: %d/%m/%Y (inferred)" in stdout
    daily = read_daily_sentiment(out)
    assert list(daily.index) == list(days) and (daily["n_tweets"] == 1).all()


def test_ambiguous_dates_are_an_error_that_says_how_to_choose(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    firsts = pd.date_range("2020-01-01", periods=12, freq="MS")
    src = _write(tmp_path / "firsts.csv", list(firsts.strftime("%d/%m/%Y")))
    code, _, err, out = _score(cli, src)
    assert code == 2 and "ambiguous" in err and "--dayfirst" in err and "--time-format" in err
    assert len(err.strip().splitlines()) == 1 and not out.exists()
    code, stdout, err, out = _score(cli, src, "--dayfirst")
    assert code == 0, err
    assert list(read_daily_sentiment(out).query("n_tweets > 0").index) == list(firsts)
    code, stdout, err, out = _score(cli, src, "--time-format", "%m/%d/%Y")
    assert code == 0 and "time format: %m/%d/%Y (given)" in stdout
    assert read_daily_sentiment(out).index[-1] == pd.Timestamp("2020-01-12")


def test_rows_in_another_format_are_counted(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = _write(tmp_path / "mixed.csv", ["25/12/2020", "26/12/2020", "2020-12-27", "12/27/2020"])
    code, stdout, err, _ = _score(cli, src)
    assert code == 0, err
    assert "rows read 4 = scored 2 + rejected 2" in stdout
    assert "rejected, unparseable date: 2" in stdout


@pytest.mark.parametrize(
    "dates",
    [
        ["2020-01-01", "9999-12-31", "2020-01-02"],
        ["2020-01-01", "1500-01-01", "2020-01-02"],
        ["1577836800", "15778368000", "1577923200"],
    ],
    ids=["year-9999", "year-1500", "11-digit-epoch"],
)
def test_out_of_range_date_is_a_counted_skip(cli, tmp_path: Path, dates: list[str]) -> None:  # type: ignore[no-untyped-def]
    code, stdout, err, out = _score(cli, _write(tmp_path / "far.csv", dates))
    assert code == 0, err
    assert "rows read 3 = scored 2 + rejected 1" in stdout
    assert "rejected, unparseable date: 1" in stdout
    assert list(read_daily_sentiment(out).index) == list(pd.date_range("2020-01-01", periods=2))


def test_column_without_dates_is_one_line_data_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err, _ = _score(cli, _write(tmp_path / "words.csv", ["soon", "later"]))
    assert code == 1 and "no known date format fits time column 'date'" in err and "'soon'" in err


@pytest.mark.parametrize("value", ["inf", "-inf", "nan"])
def test_non_finite_label_map_value_is_refused(cli, tmp_path: Path, value: str) -> None:  # type: ignore[no-untyped-def]
    src = _write(tmp_path / "t.csv", ["2020-01-01"])
    code, _, err, out = _score(cli, src, "--label-col", "text", "--label-map", f"x=1,y={value}")
    assert code == 2 and "not a finite number" in err and not out.exists()


def test_label_given_twice_in_the_label_map_is_refused(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = _write(tmp_path / "t.csv", ["2020-01-01"])
    spec = "positive=1,Positive=0"
    code, _, err, out = _score(cli, src, "--label-col", "text", "--label-map", spec)
    assert code == 2 and "label 'positive' is given twice" in err and not out.exists()


def test_non_finite_numeric_labels_are_counted(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "labels.csv"
    pd.DataFrame(
        {"date": ["2020-01-01"] * 4, "text": "good", "label": ["1", "inf", "-inf", "0"]}
    ).to_csv(src, index=False)
    code, stdout, err, out = _score(cli, src, "--label-col", "label")
    assert code == 0, err
    assert "rejected, non-finite label: 2" in stdout
    assert read_daily_sentiment(out)["label_mean"].tolist() == [0.5]


def test_resume_key_holds_the_time_format(tmp_path: Path) -> None:
    src = _write(tmp_path / "t.csv", ["01/02/2020"])
    job = ScoreJob([src], tmp_path / "d.parquet")
    folders = {
        work_dir(job, [ChunkColumns("text", "date", None, TimeFormat(spec))], VaderScorer())
        for spec in ("%d/%m/%Y", "%m/%d/%Y")
    }
    assert len(folders) == 2


def _daily_table(path: Path, days: pd.DatetimeIndex, fmt: str) -> Path:
    frame = pd.DataFrame({"date": days.strftime(fmt), "score": range(len(days))})
    frame.to_csv(path, index=False)
    return path


def test_daily_table_written_day_first_is_not_read_month_first(tmp_path: Path) -> None:
    days = pd.date_range("2020-01-01", periods=90, freq="D")
    frame, report = read_daily_series(_daily_table(tmp_path / "s.csv", days, "%d/%m/%Y"))
    assert frame.index.equals(pd.DatetimeIndex(days, name="date"))
    assert frame["score"].tolist() == list(range(90)) and report.rows_dropped == 0


def test_daily_table_with_ambiguous_dates_is_a_one_line_error(tmp_path: Path) -> None:
    days = pd.date_range("2020-01-01", periods=12, freq="D")
    with pytest.raises(UserInputError, match=r"ambiguous.*; write the dates as YYYY-MM-DD$"):
        read_daily_series(_daily_table(tmp_path / "s.csv", days, "%d/%m/%Y"))


@pytest.mark.parametrize("day", ["9999-12-31", "1500-01-01"])
def test_daily_table_date_out_of_range_is_counted(tmp_path: Path, day: str) -> None:
    path = tmp_path / "s.csv"
    path.write_text(f"date,score\n2020-01-01,1\n{day},2\n2020-01-02,3\n", encoding="utf-8")
    frame, report = read_daily_series(path)
    assert frame["score"].tolist() == [1.0, 3.0] and report.dropped["unreadable date"] == 1
