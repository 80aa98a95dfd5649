"""Tests of sentcast.files: atomic writes, output checks, safe names, folder locks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sentcast.errors import UserInputError
from sentcast.files import (
    FolderLock,
    atomic_path,
    atomic_write_text,
    check_outputs,
    inside,
    safe_name,
)


def test_atomic_path_keeps_old_file_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "done.json"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["done.json"]


def test_atomic_write_replaces_content(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"


def test_check_outputs_refuses_input_and_duplicate_outputs(tmp_path: Path) -> None:
    src = tmp_path / "t.parquet"
    src.write_bytes(b"x")
    with pytest.raises(UserInputError, match="also an input"):
        check_outputs([src], {"--out": tmp_path / "." / "t.parquet"})
    with pytest.raises(UserInputError, match="same file"):
        check_outputs([src], {"--out": tmp_path / "d.parquet", "--scored": tmp_path / "d.parquet"})
    with pytest.raises(UserInputError, match="is a file, not a folder"):
        check_outputs([], {"--out": src / "daily.parquet"})
    check_outputs([src], {"--out": tmp_path / "daily.parquet", "--scored": None})


def test_safe_name_and_inside(tmp_path: Path) -> None:
    assert safe_name("BTC+Sentiment_w7-s0.x", "label") == "BTC+Sentiment_w7-s0.x"
    for bad in ["x/../../ESCAPED", "..", "a b", "", "é"]:
        with pytest.raises(UserInputError, match="cannot be used"):
            safe_name(bad, "variant label")
    assert inside(tmp_path, "models/a") == (tmp_path / "models/a").resolve()
    with pytest.raises(UserInputError, match="escapes"):
        inside(tmp_path, "../elsewhere")
    with pytest.raises(UserInputError, match="escapes"):
        inside(tmp_path, "/etc/hostname")


def test_folder_lock_refuses_a_second_holder_and_releases(tmp_path: Path) -> None:
    code = (
        "import sys, time; from sentcast.files import FolderLock\n"
        "with FolderLock(sys.argv[1]):\n    print('locked', flush=True); time.sleep(30)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(
            UserInputError, match=rf"in use by another sentcast run \(pid {holder.pid}"
        ):
            FolderLock(tmp_path).__enter__()
    finally:
        holder.kill()
        holder.wait()
    with FolderLock(tmp_path):  # released by the OS when the holder was killed
        pass
