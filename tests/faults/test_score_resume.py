"""Fault cases of `sentiment score` resume state: a torn chunk file is redone, never trusted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sentcast.errors import DataError
from sentcast.sentiment import chunk_files
from sentcast.sentiment.chunk_scoring import ChunkResult

CLI = Callable[..., tuple[int, str, str]]


def _tweets(path: Path) -> Path:
    days = [f"2020-01-{d:02d} 12:00" for d in range(1, 11)]
    texts = ["good", "bad", "great day", "awful", "fine", "love it", "hate it", "ok", "meh", "wow"]
    pd.DataFrame({"date": days, "text": texts}).to_csv(path, index=False)
    return path


def _score(cli: CLI, src: Path, out: Path) -> tuple[int, str, str]:
    args = ["--scored", str(out.with_suffix(".scored.parquet")), "--chunk-size", "3"]
    return cli("sentiment", "score", str(src), "--out", str(out), *args, "--workers", "1")


def _zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def _json_null(path: Path) -> None:
    path.write_text("null", encoding="utf-8")


def _cut(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:40])


@pytest.mark.parametrize(
    ("suffix", "damage"),
    [(".json", _zero_bytes), (".json", _json_null), (".agg.parquet", _cut),
     (".scored.parquet", _zero_bytes), (".agg.parquet", lambda p: p.unlink())],
    ids=["empty-json", "null-json", "cut-aggregate", "empty-scored", "missing-aggregate"],
)  # fmt: skip
def test_torn_chunk_file_is_redone_and_said_so(
    cli: CLI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    suffix: str,
    damage: Callable[[Path], None],
) -> None:
    src = _tweets(tmp_path / "t.csv")
    fresh, out = tmp_path / "fresh" / "d.parquet", tmp_path / "d.parquet"
    assert _score(cli, src, fresh)[0] == 0

    def killed(*_: object) -> None:
        raise DataError("killed before the outputs were written")

    with monkeypatch.context() as patch:
        patch.setattr(chunk_files, "write_outputs", killed)
        assert _score(cli, src, out)[0] == 1
    (work,) = tmp_path.glob(".d.parquet.work-*")
    damage(work / f"chunk-000-000001{suffix}")

    code, stdout, err = _score(cli, src, out)
    assert code == 0, err
    said = "redone 1 chunk(s) whose saved files were unreadable: chunk-000-000001"
    assert said in " ".join(err.split())  # the warning, unwrapped
    assert "chunks 4 (3 resumed)" in stdout
    pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(fresh))
    scored, fresh_scored = out.with_suffix(".scored.parquet"), fresh.with_suffix(".scored.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(scored), pd.read_parquet(fresh_scored))


def _ided(path: Path, first: int) -> Path:
    ids = range(first, first + 10)
    texts = ["good", "bad", "great day", "awful", "fine", "love it", "hate it", "ok", "meh", "wow"]
    days = [f"2020-01-{1 + n % 5:02d} 12:00" for n in ids]
    pd.DataFrame({"id": ids, "date": days, "text": texts}).to_csv(path, index=False)
    return path


def test_a_killed_run_resumes_dropping_the_same_duplicates(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _ided(tmp_path / "a.csv", 0), _ided(tmp_path / "b.csv", 5)  # ids 5..9 twice

    def run(out: Path) -> tuple[int, str, str]:
        return cli(
            "sentiment", "score", str(a), str(b), "--out", str(out), "--workers", "1",
            "--chunk-size", "3",
        )  # fmt: skip

    fresh, out = tmp_path / "fresh" / "d.parquet", tmp_path / "d.parquet"
    code, expected, err = run(fresh)
    assert code == 0, err
    save = chunk_files.save_chunk
    saved: list[Path] = []

    def dies_at_the_sixth(stem: Path, result: ChunkResult) -> None:
        if len(saved) == 5:  # the second chunk of b.csv
            raise DataError("killed")
        saved.append(stem)
        save(stem, result)

    with monkeypatch.context() as patch:
        patch.setattr(chunk_files, "save_chunk", dies_at_the_sixth)
        assert run(out)[0] == 1
    code, stdout, err = run(out)
    assert code == 0, err
    assert "chunks 8 (5 resumed)" in stdout
    assert "rows read 20 = scored 15 + rejected 5" in stdout
    assert "rejected, duplicate id: 5" in stdout
    assert stdout.splitlines()[:4] == expected.splitlines()[:4]
    pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(fresh))
