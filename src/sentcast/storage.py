"""Paths given on the command line: local paths or ``file://`` URIs (pyarrow filesystems).

``file:///data/tweets.csv`` is resolved by :meth:`pyarrow.fs.FileSystem.from_uri` to the
local path ``/data/tweets.csv``. Other schemes (``s3://``, ``gs://``, ``hdfs://``) are refused
with one line: sentcast reads and writes local files only, so object storage is mounted first
(s3fs, gcsfuse, NFS; see docs/scaling.md).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.fs as pafs

from sentcast.errors import UserInputError, one_line


def local_path(text: str, what: str) -> Path:
    """The local path named by ``text``: a path, or a ``file://`` URI.

    Parameters
    ----------
    text : str
        As given on the command line.
    what : str
        The option or argument, for the error message.

    Raises
    ------
    UserInputError
        For a URI that is not a valid ``file://`` URI.
    """
    if "://" not in text:
        return Path(text)
    scheme = urlsplit(text).scheme.lower()
    if scheme != "file":
        raise UserInputError(
            f"{what} {text}: {scheme or 'this'}:// storage is not read directly; mount it "
            "(s3fs, gcsfuse, NFS) and give the local path or a file:// URI"
        )
    try:
        fs, path = pafs.FileSystem.from_uri(text)
    except (pa.ArrowInvalid, ValueError, OSError) as exc:
        raise UserInputError(f"{what} {text}: not a valid file URI: {one_line(exc)}") from None
    if not isinstance(fs, pafs.LocalFileSystem):  # pragma: no cover - file:// is always local
        raise UserInputError(f"{what} {text}: not a local file system")
    return Path(path)
