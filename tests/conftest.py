"""Shared fixtures. Tests that need ../shared/data fail (never skip) when it is missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sentcast.errors import UserInputError
from sentcast.paths import shared_data_dir
from sentcast.progress import set_quiet

os.environ.setdefault("SENTCAST_PROGRESS", "0")

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Two xdist workers share two cores: one torch thread each avoids oversubscription.
    import torch

    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _not_quiet() -> None:
    """A CLI run with ``--quiet`` in an earlier test must not leave progress off for the next."""
    set_quiet(False)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder (``$SENTCAST_SHARED_DATA`` or ``../shared/data``)."""
    try:
        return shared_data_dir()
    except UserInputError as exc:
        pytest.fail(f"shared data is required for this test: {exc}")


@pytest.fixture(scope="session")
def market_dir(shared_data: Path) -> Path:
    """The shared daily Yahoo CSVs."""
    return shared_data / "market"


@pytest.fixture()
def cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run ``sentcast ARGS...`` in-process; returns ``(exit_code, stdout, stderr)``."""
    from sentcast.cli.main import main

    def invoke(*args: str) -> tuple[int, str, str]:
        code = main(["--quiet", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


@pytest.fixture(scope="module")
def ray_local():  # type: ignore[no-untyped-def]
    """A real local Ray of 2 CPUs on 127.0.0.1 only, for the tests of one module, shut down
    after them."""
    import ray

    from sentcast.engines import loopback_only

    with loopback_only() as node:
        ray.init(
            address="local",  # its own Ray, never another cluster running on this machine
            num_cpus=2,
            include_dashboard=False,
            object_store_memory=100 << 20,
            log_to_driver=False,
            configure_logging=False,
            **node,
        )
        yield ray
        ray.shutdown()


@pytest.fixture()
def fake_s3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``s3://PATH`` opens ``PATH`` under the folder returned (no network); sentcast's cache
    folder (default staging of remote outputs) moves into ``tmp_path`` too."""
    import pyarrow as pa
    import pyarrow.fs as pafs

    from sentcast import storage

    root = tmp_path / "s3"
    root.mkdir()
    fs = pafs.SubTreeFileSystem(str(root), pafs.LocalFileSystem())

    def resolve(uri: str) -> tuple[pafs.FileSystem, str]:
        scheme, _, path = uri.partition("://")
        if scheme != "s3":
            raise pa.ArrowInvalid(f"Unrecognized filesystem type in URI: {uri}")
        return fs, path

    monkeypatch.setattr(storage, "filesystem_from_uri", resolve)
    monkeypatch.setenv("SENTCAST_CACHE_DIR", str(tmp_path / "cache"))
    return root
