from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.sentiment.daily import DAILY_COLUMNS, read_daily_sentiment
from sentcast.sentiment.vader import FastVaderAnalyzer
from sentcast.text import TextPipeline


def _count(out: str, label: str) -> int:
    match = re.search(rf"{label} ([\d,]+)", out)
    assert match, out
    return int(match.group(1).replace(",", ""))


def test_score_hour_file_end_to_end(cli, shared_data: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = shared_data / "tweets" / "bitcoin_tweets_2021-01-14_1h.csv"
    out, scored = tmp_path / "daily.parquet", tmp_path / "scored.parquet"
    code, stdout, err = cli(
        "sentiment", "score", str(src), "--out", str(out), "--scored", str(scored),
        "--layout", "shared-2021-01-14", "--workers", "1", "--chunk-size", "8000",
    )  # fmt: skip
    assert code == 0, err
    assert _count(stdout, "rows read") == 22574
    # the rejections counted independently: texts that VADER's cleaning empties (pandas reads)
    raw = pd.read_csv(src)
    pipeline = TextPipeline.preset("vader")
    rejected = sum(not pipeline.clean(text).strip() for text in raw["text"].fillna(""))
    assert len(raw) == 22574 and rejected > 0
    assert _count(stdout, "rejected, empty after cleaning:") == rejected
    assert _count(stdout, "scored") == 22574 - rejected
    daily = read_daily_sentiment(out)
    assert list(daily.index) == [pd.Timestamp("2021-01-14")]
    rows = pd.read_parquet(scored)
    assert len(rows) == daily["n_tweets"].iloc[0] == 22574 - rejected
    # the daily statistics are those of the per-tweet scores
    assert daily["compound_mean"].iloc[0] == pytest.approx(rows["compound"].mean(), abs=1e-12)
    assert daily["compound_median"].iloc[0] == rows["compound"].median()
    assert daily["pos_share"].iloc[0] == pytest.approx((rows["compound"] >= 0.05).mean())
    # spot-check the per-tweet scores against VADER on the cleaned text
    fast = FastVaderAnalyzer()
    for _, row in rows.sample(50, random_state=0).iterrows():
        assert fast.scores(pipeline.clean(row["text"])) == tuple(
            row[["neg", "neu", "pos", "compound"]]
        )


def test_score_labelled_gzip_file(cli, shared_data: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = shared_data / "tweets" / "bitcoin_tweets_2021-2023_1M_followers_sentiment.csv.gz"
    out = tmp_path / "daily.parquet"
    code, stdout, err = cli(
        "sentiment", "score", str(src), "--out", str(out), "--text-col", "clean_text",
        "--time-col", "date", "--label-col", "sentiment_label",
        "--label-map", "positive=1,neutral=0,negative=-1", "--workers", "1",
    )  # fmt: skip
    assert code == 0, err
    daily = read_daily_sentiment(out)
    assert list(daily.columns) == [*DAILY_COLUMNS, "label_mean"]
    assert daily.index[0] == pd.Timestamp("2021-02-06")
    assert daily.index[-1] == pd.Timestamp("2023-01-09")
    assert (daily["n_tweets"] > 0).sum() == 202
    assert daily["n_tweets"].sum() == _count(stdout, "scored")
    raw = pd.read_csv(src)
    labels = raw["sentiment_label"].map({"positive": 1, "neutral": 0, "negative": -1})
    want = labels.groupby(pd.to_datetime(raw["date"]).dt.floor("D")).mean()
    got = daily["label_mean"].dropna()
    assert _count(stdout, "rows read") == _count(stdout, "scored") == 5952
    # the agreement of VADER with the labels, as docs/guide/sentiment.md shows it
    match = re.search(r"daily compound_mean vs label_mean: r = (-?[\d.]+) \((\d+) days\)", stdout)
    assert match is not None and int(match.group(2)) == 202
    both = daily[["compound_mean", "label_mean"]].dropna()
    assert float(match.group(1)) == round(both["compound_mean"].corr(both["label_mean"]), 2)
    assert len(got) == len(want)
    np.testing.assert_allclose(got.to_numpy(), want.loc[got.index].to_numpy(), atol=1e-12)
    empty_days = daily[daily["n_tweets"] == 0]
    assert empty_days.drop(columns="n_tweets").isna().all().all()


def test_every_row_is_accounted_for(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "messy.csv"
    src.write_text(
        "time,text,label\n"
        "2020-01-01 10:00:00,I love bitcoin,pos\n"
        "2020-01-01 11:00:00,   ,pos\n"  # empty text
        "yesterday-ish,great stuff,neg\n"  # unparseable date
        "2020-01-03T00:30:00+02:00,awful crash,neg\n"  # UTC day 2020-01-02
        "2020-01-04 00:00:00,https://t.co/abc,pos\n"  # empty after cleaning
        "2020-01-04 00:00:00,fine,unknown\n"  # unknown label
        "2020-01-05 00:00:00,too,many,fields\n"  # malformed
        "2020-01-05 09:00:00,meh,neg\n",
        encoding="utf-8",
    )
    out = tmp_path / "daily.parquet"
    code, stdout, err = cli(
        "sentiment", "score", str(src), "--out", str(out), "--label-col", "label",
        "--label-map", "pos=1,neg=-1", "--workers", "1",
    )  # fmt: skip
    assert code == 0, err
    assert "rows read 8 = scored 3 + rejected 5" in stdout
    for reason in (
        "empty text",
        "unparseable date",
        "empty after cleaning",
        "unknown label",
        "malformed row",
    ):
        assert f"rejected, {reason}: 1" in stdout
    daily = read_daily_sentiment(out)
    assert daily["n_tweets"].tolist() == [1, 1, 0, 0, 1]
    assert daily["label_mean"].tolist()[:2] == [1.0, -1.0]
    assert daily.loc["2020-01-02", "compound_mean"] < 0 < daily.loc["2020-01-01", "compound_mean"]


def test_user_errors_exit_2(cli, shared_data: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = str(shared_data / "tweets" / "bitcoin_tweets_2016-2017_sample.csv")
    out = str(tmp_path / "d.parquet")
    code, _, err = cli("sentiment", "score", str(tmp_path / "nope.csv"), "--out", out)
    assert code == 2 and "not found" in err
    code, _, err = cli("sentiment", "score", src, "--out", out, "--text-col", "body")
    assert code == 2 and "'body' not found" in err and "created_at" in err
    code, _, err = cli("sentiment", "score", src, "--out", out, "--layout", "mystery")
    assert code == 2 and "unknown --layout" in err
    code, _, err = cli("sentiment", "score", src, "--out", out, "--preset", "heavy")
    assert code == 2 and "--preset" in err
    code, _, err = cli("sentiment", "score", src, "--out", str(tmp_path / "d.csv"))
    assert code == 2 and ".parquet" in err


def test_no_scoreable_row_is_a_data_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "dates.csv"
    src.write_text("date,text\n2020-01-01,hello\nnever,hello\n2020-01-02,  \n", encoding="utf-8")
    code, _, err = cli(
        "sentiment", "score", str(src), "--out", str(tmp_path / "d.parquet"), "--time-format",
        "%d.%m.%Y",
    )  # fmt: skip
    assert code == 1 and "no row could be scored" in err
    assert "unparseable date=2" in err and "empty text=1" in err


def test_text_command_shows_cleaning_and_scores(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("sentiment", "text", "--preset", "study", "Bitcoin is NOT good!!!")
    assert code == 0 and "'bitcoin good'" in out and "compound=0.4404" in out
    code, out, _ = cli("sentiment", "layouts")
    assert code == 0 and "shared-2021-2023" in out


def _run_args(src: Path, out: Path, scored: Path) -> list[str]:
    return [
        "sentiment", "score", str(src), "--out", str(out), "--scored", str(scored),
        "--chunk-size", "400", "--workers", "1",
    ]  # fmt: skip


def test_killed_run_resumes_to_the_same_result(cli, shared_data: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = shared_data / "tweets" / "bitcoin_tweets_2021-01-14_1h.csv"
    resumed_dir, fresh_dir = tmp_path / "resumed", tmp_path / "fresh"
    resumed_dir.mkdir()
    fresh_dir.mkdir()
    out, scored = resumed_dir / "daily.parquet", resumed_dir / "scored.parquet"
    code = "from sentcast.cli.main import main; raise SystemExit(main())"
    args = [sys.executable, "-c", code, "--quiet", *_run_args(src, out, scored)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    done: list[Path] = []
    while time.monotonic() < deadline and proc.poll() is None:
        done = list(resumed_dir.glob(".daily.parquet.work-*/chunk-*.json"))
        if len(done) >= 5:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(done) >= 5 and not out.exists(), "the run was not killed mid-way"

    code_, stdout, err = cli(*_run_args(src, out, scored))
    assert code_ == 0, err
    resumed_chunks = int(re.search(r"\((\d+) resumed\)", stdout).group(1))  # type: ignore[union-attr]
    assert resumed_chunks >= 5
    assert not list(resumed_dir.glob(".daily.parquet.work-*"))

    fresh_out, fresh_scored = fresh_dir / "daily.parquet", fresh_dir / "scored.parquet"
    code_, fresh_stdout, err = cli(*_run_args(src, fresh_out, fresh_scored))
    assert code_ == 0, err
    assert "(0 resumed)" in fresh_stdout
    pd.testing.assert_frame_equal(read_daily_sentiment(out), read_daily_sentiment(fresh_out))
    pd.testing.assert_frame_equal(pd.read_parquet(scored), pd.read_parquet(fresh_scored))
    assert stdout.splitlines()[:3] == fresh_stdout.splitlines()[:3]


def test_parquet_input_with_zoned_timestamps(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(
        {
            "created": pd.to_datetime(
                ["2020-05-01 23:30", "2020-05-02 01:00", "2020-05-03 12:00"]
            ).tz_localize("America/New_York"),
            "body": ["love it", "hate it", None],
        }
    )
    src = tmp_path / "tweets.parquet"
    frame.to_parquet(src)
    out = tmp_path / "daily.parquet"
    code, stdout, err = cli(
        "sentiment", "score", str(src), "--out", str(out), "--text-col", "body",
        "--time-col", "created", "--workers", "1",
    )  # fmt: skip
    assert code == 0, err
    assert "rows read 3 = scored 2 + rejected 1" in stdout
    daily = read_daily_sentiment(out)
    # 23:30 and 01:00 New York time are both on 2020-05-02 in UTC
    assert daily["n_tweets"].to_dict() == {pd.Timestamp("2020-05-02"): 2}
    fast = FastVaderAnalyzer()
    want = np.median([fast.scores("love it")[3], fast.scores("hate it")[3]])
    assert daily["compound_median"].iloc[0] == want


def test_trained_classifier_as_scorer(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sentcast.models.text_scorer import ClassifierScorer
    from sentcast.models.text_tfidf import TfidfClassifier

    pos = ["good great love it", "awesome wonderful day", "love this great thing"]
    neg = ["bad awful hate it", "terrible horrible day", "hate this awful thing"]
    model_dir = TfidfClassifier().fit(pos + neg, ["positive"] * 3 + ["negative"] * 3)
    model_dir = model_dir.save(tmp_path / "model")
    src = tmp_path / "t.csv"
    src.write_text(
        "date,text\n2020-01-01,great love\n2020-01-01,awful hate\n2020-01-02,love it\n",
        encoding="utf-8",
    )
    out = tmp_path / "daily.parquet"
    code, stdout, err = cli(
        "sentiment", "score", str(src), "--out", str(out), "--scorer", str(model_dir),
        "--workers", "1",
    )  # fmt: skip
    assert code == 0, err
    assert "rows read 3 = scored 3 + rejected 0" in stdout
    daily = read_daily_sentiment(out)
    compound = ClassifierScorer(model_dir).score(["great love", "awful hate", "love it"])[:, 3]
    assert daily["compound_mean"].tolist() == pytest.approx(
        [(compound[0] + compound[1]) / 2, compound[2]], abs=1e-12
    )
    code, _, err = cli(
        "sentiment", "score", str(src), "--out", str(out), "--scorer", str(model_dir),
        "--preset", "study",
    )  # fmt: skip
    assert code == 2 and "--preset" in err


def test_compare_presets_bad_workers_and_no_text(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "t.csv"
    src.write_text("text\ngood day\n", encoding="utf-8")
    code, _, err = cli("sentiment", "compare-presets", str(src), "--workers", "0")
    assert code == 2 and "--workers must be >= 1" in err
    src.write_text("text\nhttps://t.co/x\n", encoding="utf-8")
    code, _, err = cli("sentiment", "compare-presets", str(src))
    assert code == 1 and "no text to compare" in err
