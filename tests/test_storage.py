"""Remote (object storage) inputs and outputs of ``sentiment score``: staged locally, the same
daily table as local paths, uploaded whole, staged copies reused by a resumed run."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.fs as pafs
import pytest

from sentcast import storage
from sentcast.errors import UserInputError
from sentcast.paths import cache_dir
from sentcast.storage import Remote, Staging, location, staging_folder
from tests.sentiment.tweet_files import write_tweets

CLI = Callable[..., tuple[int, str, str]]


def test_remote_inputs_and_outputs_give_the_local_tables(
    cli: CLI, fake_s3: Path, tmp_path: Path
) -> None:
    src = write_tweets(tmp_path / "t.csv")
    (fake_s3 / "bucket").mkdir()
    shutil.copy(src, fake_s3 / "bucket" / "t.csv")
    local = tmp_path / "local"
    code, _, err = cli(
        "sentiment", "score", str(src), "--out", str(local / "d.parquet"),
        "--scored", str(local / "s.parquet"), "--chunk-size", "100", "--workers", "1",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = cli(
        "sentiment", "score", "s3://bucket/t.csv", "--out", "s3://bucket/out/d.parquet",
        "--scored", "s3://bucket/out/s.parquet", "--chunk-size", "100", "--workers", "1",
    )  # fmt: skip
    assert code == 0, err
    assert "wrote s3://bucket/out/d.parquet (9 days) and s3://bucket/out/s.parquet" in out
    assert "rows read 600 = scored 598 + rejected 2" in out
    for name in ("d.parquet", "s.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(fake_s3 / "bucket" / "out" / name), pd.read_parquet(local / name)
        )
    assert sorted(p.name for p in (fake_s3 / "bucket" / "out").iterdir()) == [
        "d.parquet",
        "s.parquet",
    ]  # no temporary key left
    assert not (cache_dir() / "staging").exists() or not any((cache_dir() / "staging").iterdir())


def test_a_remote_input_with_a_local_output_is_staged_next_to_it_and_cleaned(
    cli: CLI, fake_s3: Path, tmp_path: Path
) -> None:
    write_tweets(fake_s3 / "t.csv")
    code, _, err = cli("sentiment", "score", "s3://t.csv", "--out", str(tmp_path / "d.parquet"))
    assert code == 0, err
    assert len(pd.read_parquet(tmp_path / "d.parquet")) == 9
    assert not (tmp_path / ".d.parquet.staging").exists()


def test_a_staged_input_is_copied_again_only_when_the_remote_file_changed(
    fake_s3: Path, tmp_path: Path
) -> None:
    src = write_tweets(fake_s3 / "t.csv")
    where = location("s3://t.csv", "input")
    assert isinstance(where, Remote)
    stage = Staging(tmp_path / "stage")
    copy = stage.input(0, where)
    assert copy.read_bytes() == src.read_bytes()
    first = copy.stat()
    assert first.st_mtime_ns == src.stat().st_mtime_ns  # the resume key sees the remote time
    copy.write_bytes(copy.read_bytes()[:-1] + b"X")  # so a re-copy would be visible
    os.utime(copy, ns=(first.st_mtime_ns, first.st_mtime_ns))
    assert stage.input(0, where).read_bytes().endswith(b"X")  # same size and time: reused
    write_tweets(src, n=50)
    os.utime(src, ns=(first.st_mtime_ns + 10**9,) * 2)
    assert stage.input(0, where).read_bytes() == src.read_bytes()


def test_staging_folders_are_stable_per_output() -> None:
    remote = Remote("s3://b/d.parquet", pafs.LocalFileSystem(), "b/d.parquet")
    assert staging_folder(Path("runs/d.parquet")) == Path("runs/.d.parquet.staging")
    assert staging_folder(remote).parent == cache_dir() / "staging"
    assert staging_folder(remote, Path("big")).parent == Path("big")
    assert staging_folder(remote) == staging_folder(remote)
    other = Remote("s3://c/d.parquet", pafs.LocalFileSystem(), "c/d.parquet")
    assert staging_folder(other) != staging_folder(remote)


def test_file_uris_are_local_paths_and_unknown_schemes_are_refused(tmp_path: Path) -> None:
    assert location(f"file://{tmp_path}/x.csv", "input") == tmp_path / "x.csv"
    assert location("rel/x.csv", "input") == Path("rel/x.csv")
    with pytest.raises(UserInputError, match=r"^input nope://b/x.csv: cannot open nope:// storage"):
        location("nope://b/x.csv", "input")


def test_outputs_are_uploaded_in_the_order_staged(
    fake_s3: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stage = Staging(tmp_path / "stage")
    for option, name in [("--scored", "s3://b/scored.parquet"), ("--out", "s3://b/daily.parquet")]:
        target = location(name, option)
        assert isinstance(target, Remote)
        stage.output(option, target).write_text(option)
    sent: list[str] = []
    real = storage._upload
    monkeypatch.setattr(storage, "_upload", lambda o, *args: sent.append(o) or real(o, *args))
    stage.upload()
    assert sent == ["--scored", "--out"]
    assert (fake_s3 / "b" / "daily.parquet").read_text() == "--out"
    assert (fake_s3 / "b" / "scored.parquet").read_text() == "--scored"
