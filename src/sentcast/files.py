"""Safe file handling shared by every stage: atomic writes, output checks, names and locks.

* Files that mark work as finished are written with :func:`atomic_path` /
  :func:`atomic_write_text`: a temporary file in the same folder, flushed, then renamed, so a
  kill leaves either the old file or the complete new one, never a torn one.
* :func:`check_outputs` refuses an output that is one of the inputs or another output, and
  :func:`check_output_folder` an output folder that is an input or a regular file.
* :func:`safe_name` and :func:`inside` keep every path built from a config inside its folder.
* :class:`FolderLock` stops two runs from writing the same output at once.
* :func:`read_json` / :func:`read_json_object` read the JSON files a run or a model folder
  keeps, as a one-line error or as "not there".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from sentcast.errors import DataError, UserInputError, one_line

SAFE_NAME = re.compile(r"^[A-Za-z0-9_.+-]+$")
LOCK_FILE = ".sentcast.lock"


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it is renamed onto ``path``.

    The writer (``pq.write_table``, ``torch.save``, ``fig.savefig`` ...) writes the temporary
    file; if it raises, the temporary file is removed and ``path`` is left untouched.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def read_json(path: str | Path) -> Any:
    """The JSON value in ``path``.

    Raises
    ------
    DataError
        One line, when the file is not UTF-8 JSON or nests too deep to parse (``[[[[...``).
    """
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise DataError(f"{path}: not valid JSON ({one_line(exc)})") from None


def read_json_object(path: str | Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or ``None`` when it is missing, torn or not an object."""
    try:
        data = read_json(path)
    except (OSError, DataError):
        return None
    return data if isinstance(data, dict) else None


def check_distinct_inputs(inputs: Sequence[object]) -> None:
    """Refuse an input given twice (the same file under two spellings too): its rows would
    be read, and counted, twice.

    ``inputs`` are local paths (compared resolved) or remote files (compared by their
    ``uri`` or text).

    Raises
    ------
    UserInputError
        Naming the input given twice.
    """
    seen: set[str] = set()
    for item in inputs:
        key = str(item.resolve()) if isinstance(item, Path) else str(getattr(item, "uri", item))
        if key in seen:
            raise UserInputError(f"input {item} is given twice; its rows would count twice")
        seen.add(key)


def check_outputs(inputs: Sequence[str | Path], outputs: Mapping[str, str | Path | None]) -> None:
    """Refuse outputs that would overwrite an input or each other, or that cannot be created.

    Parameters
    ----------
    inputs : sequence of path
        Files the command reads.
    outputs : mapping
        Option name (e.g. ``"--out"``) -> path the command writes; ``None`` entries are ignored.

    Raises
    ------
    UserInputError
        When an output is an input, two outputs are the same file, an output is an existing
        folder, or an output's parent is a regular file.
    """
    read = {Path(p).resolve(): Path(p) for p in inputs}
    written: dict[Path, str] = {}
    for option, value in outputs.items():
        if value is None:
            continue
        path = Path(value)
        resolved = path.resolve()
        if resolved in read:
            raise UserInputError(f"{option} {path} is also an input; refusing to overwrite it")
        if resolved in written:
            raise UserInputError(f"{option} and {written[resolved]} are the same file: {path}")
        if path.is_dir():
            raise UserInputError(f"{option} {path} is a folder; give a file name")
        for parent in resolved.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise UserInputError(f"{option} {path}: {parent} is a file, not a folder")
                break
        written[resolved] = option


def check_output_folder(inputs: Sequence[str | Path], option: str, folder: Path) -> None:
    """Refuse an output folder that is an input, a regular file, or under a regular file.

    Raises
    ------
    UserInputError
        Naming ``option`` and what is wrong with ``folder``.
    """
    if folder.is_dir():
        if folder.resolve() in {Path(p).resolve() for p in inputs}:
            raise UserInputError(f"{option} {folder} is also an input; refusing to write into it")
        return
    check_outputs(inputs, {option: folder})
    if folder.exists():
        raise UserInputError(f"{option} {folder} is a file, not a folder; refusing to replace it")


def safe_name(name: str, what: str) -> str:
    """Return ``name`` if it may be used as one file or folder name, else raise.

    Allowed: letters, digits and ``_ . + -``, not ``.`` or ``..``.

    Raises
    ------
    UserInputError
        Naming ``what`` (e.g. ``"variant label"``) and the offending value.
    """
    if not SAFE_NAME.match(name) or name in (".", ".."):
        raise UserInputError(
            f"{what} {name!r} cannot be used in a file name: use only letters, digits and _ . + -"
        )
    return name


def inside(root: str | Path, path: str | Path) -> Path:
    """``path`` resolved, after checking that it lies inside ``root`` (symbolic links followed).

    Raises
    ------
    UserInputError
        When the path would escape ``root``.
    """
    base = Path(root).resolve()
    resolved = (base / path).resolve()
    if resolved != base and base not in resolved.parents:
        raise UserInputError(f"path {path} escapes the run folder {base}")
    return resolved


class FolderLock:
    """An exclusive lock on an output, held for the lifetime of one run.

    The lock is an ``flock`` on a small file (``folder/.sentcast.lock`` for a run folder, or
    ``.NAME.lock`` beside a single output file). The operating system releases it when the
    process ends, however it ends, so a killed run never leaves a stale lock behind.

    Parameters
    ----------
    target : path
        The run folder (``is_folder=True``) or output file to protect.
    is_folder : bool
        Whether ``target`` is a folder (the lock file goes inside it).
    """

    def __init__(self, target: str | Path, *, is_folder: bool = True) -> None:
        target = Path(target)
        self.lock_path = (
            target / LOCK_FILE if is_folder else target.with_name(f".{target.name}.lock")
        )
        self.target = target
        self._fd: int | None = None

    def __enter__(self) -> FolderLock:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise UserInputError(
                f"{self.target} is in use by another sentcast run ({holder}); "
                "wait for it to finish or choose another output"
            ) from None
        started = dt.datetime.now().isoformat(timespec="seconds")
        info = f"pid {os.getpid()}, started {started}: {' '.join(sys.argv[:3])}"
        os.ftruncate(fd, 0)
        os.pwrite(fd, info.encode("utf-8"), 0)
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
