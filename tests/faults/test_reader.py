"""Hostile tweet files: each case ends in a counted skip or a one-line error, never silent loss."""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest


def _tweets(n: int, broken: dict[int, str] | None = None) -> str:
    """``id,date,text`` rows 1..n; ``broken`` replaces the text of some rows."""
    lines = ["id,date,text"]
    for i in range(1, n + 1):
        text = (broken or {}).get(i, f"tweet {i} says bitcoin is great")
        lines.append(f"{i},2020-01-{1 + i % 28:02d} 10:00:00,{text}")
    return "\n".join(lines) + "\n"


def _score(cli, src: Path, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    out = src.with_name(src.name + ".daily.parquet")
    return cli("sentiment", "score", str(src), "--out", str(out), "--workers", "1", *args)  # type: ignore[no-any-return]


def test_unclosed_quote_costs_one_row(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "t.csv"
    src.write_text(_tweets(1000, {10: '"an unclosed quote'}), encoding="utf-8")
    code, out, err = _score(cli, src)
    assert code == 0, err
    assert "rows read 1,000 = scored 999 + rejected 1" in out  # 1,000 records in the file
    assert "rejected, malformed quoting: 1" in out
    assert "malformed quoting (a quote never closed) at line 11" in out


def test_two_stray_quotes_far_apart_cost_two_rows(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "t.csv"
    src.write_text(_tweets(1000, {10: '"open', 500: 'and "close'}), encoding="utf-8")
    code, out, err = _score(cli, src)
    assert code == 0, err
    assert "rows read 1,000 = scored 998 + rejected 2" in out
    assert "at line 11, 501" in out


def test_quote_open_at_end_of_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "t.csv"
    src.write_text(_tweets(20, {20: '"last one, "" never closed'}).rstrip("\n"), encoding="utf-8")
    code, out, err = _score(cli, src)
    assert code == 0, err
    assert "rows read 20 = scored 19 + rejected 1" in out and "at line 21" in out


def test_unclosed_quote_in_header_is_a_data_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "t.csv"
    src.write_text('"id,date,text\n1,2020-01-01,hi\n', encoding="utf-8")
    code, _, err = _score(cli, src)
    assert code == 1 and "no header line" in err and len(err.strip().splitlines()) == 1


def test_empty_file_is_a_data_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "t.csv"
    src.write_bytes(b"")
    code, _, err = _score(cli, src)
    assert code == 1 and "no header line" in err


def test_gzip_named_csv_is_read(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "t.csv"
    src.write_bytes(gzip.compress(_tweets(50).encode()))
    code, out, err = _score(cli, src)
    assert code == 0, err
    assert "rows read 50 = scored 50 + rejected 0" in out
    assert "Exception ignored" not in err and "Traceback" not in err


def test_truncated_gzip_says_how_many_rows_were_read(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = gzip.compress(_tweets(40_000).encode())
    src = tmp_path / "t.csv.gz"
    src.write_bytes(data[: len(data) * 3 // 4])
    code, _, err = _score(cli, src)
    assert code == 1, err
    match = re.fullmatch(
        r"error: \S+: truncated or corrupt gzip data after ([\d,]+) rows: .*\n", err
    )
    assert match, err
    assert 10_000 < int(match.group(1).replace(",", "")) < 40_000


def test_corrupt_gzip_is_one_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = bytearray(gzip.compress(_tweets(5000).encode()))
    data[len(data) // 2 : len(data) // 2 + 8] = b"\xff" * 8
    src = tmp_path / "t.csv.gz"
    src.write_bytes(bytes(data))
    code, _, err = _score(cli, src)
    assert code == 1 and "truncated or corrupt gzip data after" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("compress", "kind"),
    [(bz2.compress, "bzip2"), (lzma.compress, "xz")],
    ids=["bzip2", "xz"],
)
def test_other_compression_is_named_not_read_as_text(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, compress: Callable[[bytes], bytes], kind: str
) -> None:
    src = tmp_path / "t.csv"  # named .csv: the bytes tell
    src.write_bytes(compress(_tweets(3).encode("utf-8")))
    code, _, err = _score(cli, src)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert f"compressed with {kind}, which is not read" in err


def test_two_character_delimiter_is_a_usage_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "t.csv"
    src.write_text(_tweets(3), encoding="utf-8")
    code, _, err = _score(cli, src, "--delimiter", ";;")
    assert code == 2 and "--delimiter must be one ASCII character" in err and "';;'" in err


def test_same_column_as_text_and_time_is_a_usage_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "t.csv"
    src.write_text(_tweets(3), encoding="utf-8")
    code, _, err = _score(cli, src, "--text-col", "date", "--time-col", "date")
    assert code == 2 and "'date' is given as both the text and the time column" in err


def test_duplicated_header_name_is_refused_with_positions(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "t.csv"
    src.write_text("text,date,text\nhello,2020-01-01,world\n", encoding="utf-8")
    code, _, err = _score(cli, src)
    assert code == 2 and "column 'text' appears 2 times in the header (positions 1, 3)" in err


def test_duplicated_unused_header_name_is_fine(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "t.csv"
    src.write_text("x,date,text,x\n1,2020-01-01,good day,2\n", encoding="utf-8")
    code, out, err = _score(cli, src)
    assert code == 0 and "rows read 1 = scored 1 + rejected 0" in out, err


def test_out_under_a_regular_file_is_a_usage_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "t.csv"
    src.write_text(_tweets(3), encoding="utf-8")
    out = src / "daily.parquet"
    code, _, err = cli("sentiment", "score", str(src), "--out", str(out))
    assert code == 2 and "is a file, not a folder" in err


def test_latin1_byte_is_replaced_and_counted(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "t.csv"
    src.write_bytes(_tweets(30, {7: "caf\xe9 au lait"}).encode("latin-1"))
    scored = tmp_path / "scored.parquet"
    code, out, err = _score(cli, src, "--scored", str(scored))
    assert code == 0, err
    assert "rows read 30 = scored 30 + rejected 0" in out
    assert "undecodable bytes replaced: 1 rows (first at line 8" in out
    assert "caf\ufffd au lait" in pd.read_parquet(scored)["text"].tolist()
    code, out, err = _score(cli, src, "--scored", str(scored), "--encoding", "cp1252")
    assert code == 0 and "undecodable" not in out, err
    assert "caf\u00e9 au lait" in pd.read_parquet(scored)["text"].tolist()


@pytest.mark.parametrize("encoding", ["utf-16", "no-such-codec"])
def test_unusable_encoding_is_a_usage_error(cli, tmp_path: Path, encoding: str) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "t.csv"
    src.write_text(_tweets(3), encoding="utf-8")
    code, _, err = _score(cli, src, "--encoding", encoding)
    assert code == 2 and "--encoding" in err


def test_crawled_cp1252_files_score_with_exact_accounting(
    cli, shared_data: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    files = sorted((shared_data / "tweets" / "crawled_2015-2020").glob("*.csv.gz"))
    assert len(files) == 5
    out = tmp_path / "daily.parquet"
    code, stdout, err = cli(
        "sentiment", "score", *map(str, files), "--layout", "crawled-2015-2020",
        "--out", str(out), "--workers", "1",
    )  # fmt: skip
    assert code == 0, err
    assert "rows read 41,488 = scored 41,461 + rejected 27" in stdout  # SOURCES.md section 11
    assert "rejected, unparseable date: 22" in stdout  # an id shifted into the date column
    assert "rejected, empty text: 5" in stdout  # rows of empty fields
    assert "undecodable" not in stdout and "malformed" not in stdout
