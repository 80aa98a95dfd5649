"""Paths given on the command line: local paths, ``file://`` URIs, or object storage URIs.

``file:///data/tweets.csv`` is the local path ``/data/tweets.csv``. Other schemes
(``s3://bucket/key``, ``gs://``, ``hdfs://``) are opened with
:meth:`pyarrow.fs.FileSystem.from_uri` (credentials from the usual environment: AWS / Google
variables, instance roles, ``core-site.xml``) and go through a local :class:`Staging` folder:
each remote input is copied there before the job reads it, and each remote output is written
there and uploaded once the job is done, to a temporary key first, then moved to its final
key. The job itself (reading, resume, row accounting) only ever sees local files.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.fs as pafs

from sentcast.errors import UserInputError, one_line
from sentcast.files import atomic_path
from sentcast.paths import cache_dir

logger = logging.getLogger(__name__)

_FAILURES = (pa.ArrowException, OSError, ValueError)
"""What pyarrow filesystems raise for a bad URI, missing credentials or a failed transfer."""


def filesystem_from_uri(uri: str) -> tuple[pafs.FileSystem, str]:
    """The filesystem and path of ``uri`` (:meth:`pyarrow.fs.FileSystem.from_uri`).

    Tests replace this function to map a scheme onto a folder.
    """
    return pafs.FileSystem.from_uri(uri)


@dataclass(frozen=True)
class Remote:
    """A file on a pyarrow filesystem that is not this machine's (``s3://bucket/key``).

    Attributes
    ----------
    uri : str
        As given on the command line.
    fs : pyarrow.fs.FileSystem
        Its filesystem.
    path : str
        Its path on ``fs`` (``bucket/key``).
    """

    uri: str
    fs: pafs.FileSystem
    path: str

    @property
    def name(self) -> str:
        """The last part of the path (``key.parquet``)."""
        return PurePosixPath(self.path).name

    @property
    def identity(self) -> tuple[str, str]:
        """What makes two URIs the same object: filesystem kind and path."""
        return self.fs.type_name, self.path


Location = Path | Remote
"""Where a command-line file lives."""


def location(text: str, what: str) -> Location:
    """A local path, or the :class:`Remote` file named by a URI.

    Raises
    ------
    UserInputError
        For a URI pyarrow cannot open (unknown scheme, malformed, no client library).
    """
    if "://" not in text:
        return Path(text)
    scheme = urlsplit(text).scheme.lower()
    try:
        fs, path = pafs.FileSystem.from_uri(text) if scheme == "file" else filesystem_from_uri(text)
    except _FAILURES as exc:
        problem = "not a valid file URI" if scheme == "file" else f"cannot open {scheme}:// storage"
        raise UserInputError(f"{what} {text}: {problem}: {one_line(exc)}") from None
    if isinstance(fs, pafs.LocalFileSystem):
        return Path(path)
    return Remote(text, fs, path)


def check_remote_outputs(inputs: list[Location], outputs: dict[str, Location | None]) -> None:
    """Refuse a remote output that is also an input or the other output.

    Local paths are checked by :func:`sentcast.files.check_outputs`.
    """
    read = {where.identity for where in inputs if isinstance(where, Remote)}
    written: dict[tuple[str, str], str] = {}
    for option, where in outputs.items():
        if not isinstance(where, Remote):
            continue
        if where.identity in read:
            raise UserInputError(f"{option} {where.uri} is also an input; refusing to overwrite it")
        if where.identity in written:
            raise UserInputError(
                f"{option} and {written[where.identity]} are the same object: {where.uri}"
            )
        written[where.identity] = option


def staging_folder(out: Location, root: Path | None = None) -> Path:
    """The local staging folder of a job writing ``out``; the same for every run of the job,
    so a killed run resumes.

    ``root`` given: a folder in it named after ``out``. Otherwise next to a local ``out``
    (``.NAME.staging``), or in sentcast's cache folder for a remote one.
    """
    if root is None and isinstance(out, Path):
        return out.parent / f".{out.name}.staging"
    text = out.uri if isinstance(out, Remote) else str(out.resolve())
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return (root if root is not None else cache_dir() / "staging") / f"{out.name}-{digest}"


class Staging:
    """Local copies of the remote inputs and outputs of one job.

    Parameters
    ----------
    folder : Path
        The job's staging folder (:func:`staging_folder`); created when a remote file needs
        it.

    Notes
    -----
    An input is copied again only when its size or modification time changed, and the copy
    keeps the remote modification time, so a resumed job finds the same files. Call
    :meth:`upload` after the job, then :meth:`clean`.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._uploads: list[tuple[str, Path, Remote]] = []

    def input(self, index: int, where: Location, what: str = "input") -> Path:
        """The local path of input number ``index``: ``where`` itself, or its staged copy.

        Raises
        ------
        UserInputError
            When the remote file does not exist, is a folder, or cannot be read.
        """
        if isinstance(where, Path):
            return where
        try:
            info = where.fs.get_file_info(where.path)
        except _FAILURES as exc:
            raise UserInputError(f"{what} {where.uri}: cannot read: {one_line(exc)}") from None
        if info.type == pafs.FileType.NotFound:
            raise UserInputError(f"input file not found: {where.uri}")
        if info.type != pafs.FileType.File:
            raise UserInputError(f"{what} {where.uri} is a folder; give a file")
        local = self.folder / "inputs" / f"{index:03d}-{where.name}"
        if _same_file(local, info):
            logger.info("%s: staged copy %s is current", where.uri, local)
            return local
        self._make(local.parent)
        logger.info("copying %s to %s", where.uri, local)
        try:
            with atomic_path(local) as tmp:
                pafs.copy_files(
                    where.path,
                    str(tmp),
                    source_filesystem=where.fs,
                    destination_filesystem=pafs.LocalFileSystem(),
                )
        except _FAILURES as exc:
            raise UserInputError(f"{what} {where.uri}: cannot copy: {one_line(exc)}") from None
        if info.mtime_ns is not None:
            os.utime(local, ns=(info.mtime_ns, info.mtime_ns))
        return local

    def output(self, option: str, where: Location) -> Path:
        """The local path the job writes for ``option``: ``where`` itself, or a staged file
        that :meth:`upload` sends to ``where``."""
        if isinstance(where, Path):
            return where
        local = self.folder / option.lstrip("-") / where.name
        self._make(local.parent)
        self._uploads.append((option, local, where))
        return local

    def _make(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserInputError(
                f"staging folder {self.folder}: cannot create {folder}: {exc.strerror or exc}"
            ) from None

    def upload(self) -> None:
        """Send each staged output to its remote file, in the order they were registered.

        Each goes to a temporary key next to the final one, which is moved into place only
        once the whole file is there; a failed upload deletes its temporary key and leaves
        the final key as it was.

        Raises
        ------
        UserInputError
            When an upload fails; the local file is kept and named.
        """
        for option, local, remote in self._uploads:
            _upload(option, local, remote)

    def clean(self) -> None:
        """Delete the staging folder (after a successful job and upload)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def _same_file(local: Path, info: pafs.FileInfo) -> bool:
    if not local.is_file() or info.mtime_ns is None:
        return False
    stat = local.stat()
    return stat.st_size == info.size and stat.st_mtime_ns == info.mtime_ns


def _upload(option: str, local: Path, remote: Remote) -> None:
    parent = PurePosixPath(remote.path).parent.as_posix()
    tmp = f"{remote.path}.{uuid.uuid4().hex[:12]}.tmp"
    logger.info("uploading %s to %s", local, remote.uri)
    try:
        if (
            parent not in ("", ".")
            and remote.fs.get_file_info(parent).type == pafs.FileType.NotFound
        ):
            remote.fs.create_dir(parent, recursive=True)
        pafs.copy_files(
            str(local),
            tmp,
            source_filesystem=pafs.LocalFileSystem(),
            destination_filesystem=remote.fs,
        )
        remote.fs.move(tmp, remote.path)
    except _FAILURES as exc:
        with contextlib.suppress(*_FAILURES):  # never created, or the store refuses
            remote.fs.delete_file(tmp)
        raise UserInputError(
            f"{option} {remote.uri}: upload failed ({one_line(exc)}); the finished file is "
            f"kept at {local}"
        ) from None
