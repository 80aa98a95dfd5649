"""Fault cases of remote inputs and outputs: a missing key, an unknown scheme, an output that
is an input, and an upload cut half-way (no half-written final object)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.fs as pafs
import pytest

from sentcast import storage
from tests.sentiment.tweet_files import write_tweets

CLI = Callable[..., tuple[int, str, str]]


def test_a_missing_remote_key_is_one_line(cli: CLI, fake_s3: Path, tmp_path: Path) -> None:
    code, _, err = cli("sentiment", "score", "s3://b/none.csv", "--out", "s3://b/d.parquet")
    assert code == 2
    assert err == "error: input file not found: s3://b/none.csv\n"
    assert not any(fake_s3.iterdir())


def test_an_unknown_scheme_is_one_line(cli: CLI, tmp_path: Path) -> None:
    code, _, err = cli("sentiment", "score", "nope://b/t.csv", "--out", str(tmp_path / "d.parquet"))
    assert code == 2
    assert err.startswith("error: input nope://b/t.csv: cannot open nope:// storage: ")
    assert err.count("\n") == 1


def test_a_remote_output_that_is_an_input_or_the_other_output_is_refused(
    cli: CLI, fake_s3: Path
) -> None:
    code, _, err = cli("sentiment", "score", "s3://b/d.parquet", "--out", "s3://b/d.parquet")
    assert code == 2
    assert err == "error: --out s3://b/d.parquet is also an input; refusing to overwrite it\n"
    code, _, err = cli(
        "sentiment", "score", "s3://t.csv", "--out", "s3://d.parquet", "--scored", "s3://d.parquet"
    )
    assert code == 2
    assert err == "error: --scored and --out are the same object: s3://d.parquet\n"
    assert not any(fake_s3.iterdir())


class _CutWriter:
    """A file object that writes ``limit`` bytes, then fails like a dropped connection."""

    def __init__(self, real: pa.NativeFile, limit: int) -> None:
        self.real, self.left, self.closed = real, limit, False

    def write(self, data: Any) -> int:
        data = bytes(data)
        if len(data) > self.left:
            self.real.write(data[: self.left])
            self.left = 0
            raise OSError("connection reset by peer")
        self.left -= len(data)
        return int(self.real.write(data))

    def flush(self) -> None:
        self.real.flush()

    def close(self) -> None:
        self.real.close()
        self.closed = True


class _CutUploads(pafs.FileSystemHandler):
    """A store whose uploads break after 100 bytes (everything else as ``fs``)."""

    def __init__(self, fs: pafs.FileSystem) -> None:
        self.fs = fs

    def get_type_name(self) -> str:
        return "cut"

    def equals(self, other: Any) -> bool:
        return self is other

    def normalize_path(self, path: str) -> str:
        return str(self.fs.normalize_path(path))

    def get_file_info(self, paths: Any) -> Any:
        return self.fs.get_file_info(paths)

    def get_file_info_selector(self, selector: Any) -> Any:
        return self.fs.get_file_info(selector)

    def create_dir(self, path: str, recursive: bool) -> None:
        self.fs.create_dir(path, recursive=recursive)

    def delete_dir(self, path: str) -> None:
        self.fs.delete_dir(path)

    def delete_dir_contents(self, path: str, missing_dir_ok: bool = False) -> None:
        self.fs.delete_dir_contents(path, missing_dir_ok=missing_dir_ok)

    def delete_root_dir_contents(self) -> None:
        self.fs.delete_dir_contents("/", accept_root_dir=True)

    def delete_file(self, path: str) -> None:
        self.fs.delete_file(path)

    def move(self, src: str, dest: str) -> None:
        self.fs.move(src, dest)

    def copy_file(self, src: str, dest: str) -> None:
        self.fs.copy_file(src, dest)

    def open_input_stream(self, path: str) -> Any:
        return self.fs.open_input_stream(path)

    def open_input_file(self, path: str) -> Any:
        return self.fs.open_input_file(path)

    def open_output_stream(self, path: str, metadata: Any) -> Any:
        return pa.PythonFile(_CutWriter(self.fs.open_output_stream(path), 100), mode="w")

    def open_append_stream(self, path: str, metadata: Any) -> Any:
        return self.fs.open_append_stream(path)


def test_a_failed_upload_leaves_no_final_object_and_a_rerun_uploads(
    cli: CLI, fake_s3: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tweets(fake_s3 / "t.csv")
    good = storage.filesystem_from_uri
    cut = pafs.PyFileSystem(
        _CutUploads(pafs.SubTreeFileSystem(str(fake_s3), pafs.LocalFileSystem()))
    )
    monkeypatch.setattr(storage, "filesystem_from_uri", lambda uri: (cut, uri.split("://")[1]))
    code, _, err = cli("sentiment", "score", "s3://t.csv", "--out", "s3://out/d.parquet")
    assert code == 2
    assert err.startswith("error: --out s3://out/d.parquet: upload failed (connection reset by ")
    assert err.count("\n") == 1
    kept = Path(err.rsplit("kept at ", 1)[1].strip())
    daily = pd.read_parquet(kept)
    assert list((fake_s3 / "out").iterdir()) == []  # neither the final key nor a temporary one
    monkeypatch.setattr(storage, "filesystem_from_uri", good)
    code, _, err = cli("sentiment", "score", "s3://t.csv", "--out", "s3://out/d.parquet")
    assert code == 0, err
    pd.testing.assert_frame_equal(pd.read_parquet(fake_s3 / "out" / "d.parquet"), daily)
    assert not kept.exists()  # the staging folder is removed once the upload succeeded


def test_a_staging_folder_that_cannot_be_created_is_one_line(
    cli: CLI, fake_s3: Path, tmp_path: Path
) -> None:
    write_tweets(fake_s3 / "t.csv")
    (tmp_path / "file").write_text("")
    code, _, err = cli(
        "sentiment", "score", "s3://t.csv", "--out", "s3://d.parquet",
        "--staging", str(tmp_path / "file"),
    )  # fmt: skip
    assert code == 2
    assert err.startswith(f"error: staging folder {tmp_path / 'file'}/d.parquet-")
    assert err.count("\n") == 1
