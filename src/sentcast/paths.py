"""Where sentcast finds the shared public data sets used by tests, benchmarks and examples."""

from __future__ import annotations

import os
from pathlib import Path

from sentcast.errors import UserInputError

SHARED_DATA_ENV = "SENTCAST_SHARED_DATA"


def shared_data_dir() -> Path:
    """Return the shared data folder.

    The folder is ``$SENTCAST_SHARED_DATA`` when set, else ``../shared/data`` next to the
    current repository checkout.

    Raises
    ------
    UserInputError
        If the folder does not exist.
    """
    env = os.environ.get(SHARED_DATA_ENV)
    if env:
        path = Path(env)
    else:
        repo = Path(__file__).resolve().parents[2]
        path = repo.parent / "shared" / "data"
    if not path.is_dir():
        raise UserInputError(
            f"shared data folder not found: {path} (set {SHARED_DATA_ENV} to its location)"
        )
    return path


CACHE_ENV = "SENTCAST_CACHE_DIR"


def cache_dir() -> Path:
    """Return sentcast's cache folder (extracted models, embedding caches).

    ``$SENTCAST_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/sentcast``, else
    ``~/.cache/sentcast``. The folder is not created here.
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "sentcast"
