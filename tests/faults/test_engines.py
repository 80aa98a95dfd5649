"""Fault cases of ``--engine``: Ray missing, an unreachable or malformed address, options that
belong to Ray without it, a malformed file:// URI, a kind that does not run on Ray."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer

CLI = Callable[..., tuple[int, str, str]]


def _tweets(path: Path) -> Path:
    pd.DataFrame({"date": ["2020-01-01", "2020-01-02"], "text": ["good", "bad"]}).to_csv(
        path, index=False
    )
    return path


def _score(cli: CLI, tmp_path: Path, *options: str) -> tuple[int, str, str]:
    src = _tweets(tmp_path / "t.csv")
    return cli("sentiment", "score", str(src), "--out", str(tmp_path / "d.parquet"), *options)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_ray_not_installed_says_how_to_install_it(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    code, _, err = _score(cli, tmp_path, "--engine", "ray")
    assert code == 2
    assert err.strip() == (
        "error: --engine ray needs Ray, which is not installed: pip install 'sentcast[ray]'"
    )
    assert not (tmp_path / "d.parquet").exists()


@pytest.mark.parametrize("scheme", ["", "ray://"])
def test_unreachable_address_fails_at_once_with_one_line(
    cli: CLI, tmp_path: Path, scheme: str
) -> None:
    address = f"{scheme}127.0.0.1:{_free_port()}"
    code, _, err = _score(cli, tmp_path, "--engine", "ray", "--address", address)
    assert code == 2
    assert err.startswith(f"error: cannot reach the Ray head at {address}: ")
    assert err.count("\n") == 1


@pytest.mark.parametrize("address", ["nonsense", "ray://:10001", "host:port", " "])
def test_malformed_address_is_refused(cli: CLI, tmp_path: Path, address: str) -> None:
    code, _, err = _score(cli, tmp_path, "--engine", "ray", "--address", address)
    assert code == 2
    assert err.startswith("error: --address ")


def test_address_without_the_ray_engine_is_refused(cli: CLI, tmp_path: Path) -> None:
    code, _, err = _score(cli, tmp_path, "--address", "auto")
    assert code == 2
    assert "--address is the Ray cluster to use: give it with --engine ray" in err


def test_unknown_engine_is_a_usage_error_listing_the_engines(cli: CLI, tmp_path: Path) -> None:
    code, _, err = _score(cli, tmp_path, "--engine", "spark")
    assert code == 2
    assert "'spark' is not one of local, ray" in err


def test_malformed_file_uri_is_refused(cli: CLI, tmp_path: Path) -> None:
    code, _, err = _score(cli, tmp_path, "--scored", "file://host/x.parquet")
    assert code == 2
    assert "error: --scored file://host/x.parquet: not a valid file URI" in err


def test_cpus_per_cell_without_ray_is_refused(cli: CLI, tmp_path: Path) -> None:
    code, _, err = cli(
        "experiment", "run", str(tmp_path / "x.toml"), "--out", str(tmp_path / "run"),
        "--cpus-per-cell", "2",
    )  # fmt: skip
    assert code == 2
    assert "--cpus-per-cell is what a cell declares to Ray: use --engine ray" in err


def test_a_textclf_experiment_on_ray_is_refused_before_any_work(cli: CLI, tmp_path: Path) -> None:
    from tests.experiments.textclf_files import textclf_toml

    toml = textclf_toml(tmp_path)
    code, _, err = cli(
        "experiment", "run", str(toml), "--out", str(tmp_path / "run"), "--engine", "ray"
    )
    assert code == 2
    assert "error: --engine ray runs forecast experiments; this one is textclf" in err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("scheme", ["", "ray://"])
def test_address_where_a_web_server_listens_is_refused_at_once(
    cli: CLI, tmp_path: Path, httpserver: HTTPServer, scheme: str
) -> None:
    address = f"{scheme}127.0.0.1:{httpserver.port}"
    began = time.monotonic()
    code, _, err = _score(cli, tmp_path, "--engine", "ray", "--address", address)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"error: --address {address}: not a Ray ")
    assert time.monotonic() - began < 10


@pytest.mark.parametrize("scheme", ["", "ray://"])
def test_address_where_nothing_answers_is_refused_in_bounded_time(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    monkeypatch.setattr("sentcast.engines.HEAD_CHECK_TIMEOUT_S", 1.0)
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"{scheme}127.0.0.1:{silent.getsockname()[1]}"
        began = time.monotonic()
        code, _, err = _score(cli, tmp_path, "--engine", "ray", "--address", address)
    assert code == 2 and err.count("\n") == 1
    assert "no answer in 1 s" in err
    assert time.monotonic() - began < 10


def _no_ray_on_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ray's lookup finds nothing: no $RAY_ADDRESS, no `ray start` address file, no head
    process (other test runs on this machine may have a Ray up)."""
    from ray._private import services

    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setattr(services, "find_gcs_addresses", frozenset)
    monkeypatch.setattr(services, "find_bootstrap_address", lambda temp_dir: None)


def test_auto_without_a_cluster_is_refused_at_once(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_ray_on_this_machine(monkeypatch)
    began = time.monotonic()
    code, _, err = _score(cli, tmp_path, "--engine", "ray", "--address", "auto")
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: --address auto: no Ray cluster runs on this machine (start ")
    assert time.monotonic() - began < 10


@pytest.mark.parametrize("listening", ["nothing", "web server", "silent socket"])
def test_auto_finding_something_that_is_not_a_ray_head_is_refused_in_bounded_time(
    cli: CLI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    httpserver: HTTPServer,
    listening: str,
) -> None:
    monkeypatch.setattr("sentcast.engines.HEAD_CHECK_TIMEOUT_S", 1.0)
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = {
            "nothing": _free_port(),
            "web server": httpserver.port,
            "silent socket": silent.getsockname()[1],
        }[listening]
        monkeypatch.setenv("RAY_ADDRESS", f"127.0.0.1:{port}")  # what `auto` finds first
        began = time.monotonic()
        code, _, err = _score(cli, tmp_path, "--engine", "ray", "--address", "auto")
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"error: --address auto found 127.0.0.1:{port}; ")
    assert time.monotonic() - began < 10


def test_auto_is_found_by_rays_own_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ray has no public API for what `auto` means: this fails when an upgrade moves the
    private helper find_local_head calls (``ray._private.services``)."""
    from ray._private.services import get_ray_address_from_environment

    from sentcast.engines import find_local_head

    monkeypatch.setenv("RAY_ADDRESS", "192.0.2.7:6379")
    assert get_ray_address_from_environment("auto", None) == "192.0.2.7:6379"
    assert find_local_head() == "192.0.2.7:6379"


def test_a_local_ray_binds_to_the_loopback_address_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --address sentcast starts its own Ray on 127.0.0.1, even when $RAY_ADDRESS (or
    the last `ray start`) names another cluster: ray.init(address=None) would join that one."""
    from sentcast.engines import Engine, check_ray_head, ray_session

    monkeypatch.setenv("RAY_ADDRESS", "192.0.2.7:6379")  # TEST-NET: nothing answers there
    with ray_session(Engine("ray", num_cpus=1)) as ray:
        gcs = ray.get_runtime_context().gcs_address
        assert gcs.startswith("127.0.0.1:")
        assert ray.util.get_node_ip_address() == "127.0.0.1"
        check_ray_head(gcs, 10.0)  # a real head passes the check


def test_loopback_only_is_where_the_private_ray_names_are_and_they_still_work() -> None:
    """Ray has no public way to keep a Ray started in-process on 127.0.0.1: this fails when an
    upgrade moves the private constant (or its variable) that engines.loopback_only sets."""
    import ray
    from ray._private import ray_constants, services

    from sentcast.engines import loopback_only

    assert not ray.is_initialized()
    assert ray_constants.ENABLE_RAY_CLUSTERS_ENV_VAR == "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
    before = ray_constants.ENABLE_RAY_CLUSTER
    with loopback_only() as node:
        assert node == {"_node_ip_address": "127.0.0.1"}
        assert ray_constants.ENABLE_RAY_CLUSTER is False
        assert services.resolve_ip_for_localhost("127.0.0.1") == "127.0.0.1"  # not outward
    assert ray_constants.ENABLE_RAY_CLUSTER is before


def test_a_ray_without_the_private_constant_is_refused_with_one_line(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ray._private import ray_constants

    monkeypatch.delattr(ray_constants, "ENABLE_RAY_CLUSTER")
    code, _, err = _score(cli, tmp_path, "--engine", "ray", "--workers", "1")
    assert code == 2 and err.count("\n") == 1
    assert "cannot keep a Ray" in err and "ENABLE_RAY_CLUSTER is gone" in err
    assert not (tmp_path / "d.parquet").exists()
