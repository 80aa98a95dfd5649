"""Where the heavy work runs: this machine's processes (``local``) or a Ray cluster (``ray``).

``sentcast sentiment score`` and ``sentcast experiment run`` take ``--engine local|ray`` and
``--address``. With ``ray``, :func:`ray_session` connects to a running cluster
(``--address auto`` finds the one started on this machine with ``ray start --head``, see
:func:`find_local_head`, ``ray://HOST:10001`` reaches a remote head through Ray Client; every
address is verified as a Ray head within a bounded time first) or, without ``--address``,
starts a private Ray on this machine for the run and stops it afterwards. Ray is an optional
extra: without it, ``--engine ray`` fails with one line saying how to install it.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from sentcast.errors import DataError, SentcastError, UserInputError, one_line

ENGINES = ("local", "ray")
"""The engines ``--engine`` accepts."""
INSTALL_HINT = "pip install 'sentcast[ray]'"
CONNECT_TIMEOUT_S = 10.0
"""Seconds to wait for the Ray head at ``--address`` to accept a connection."""
HEAD_CHECK_TIMEOUT_S = 10.0
"""Seconds the Ray head at ``--address`` has to answer as one (its GCS, or its Ray Client
server for ``ray://``) before the address is refused."""
LOCAL_HOST = "127.0.0.1"
"""The only address a Ray that sentcast starts on this machine binds to and talks on."""
_CLUSTER_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


@dataclass(frozen=True)
class Engine:
    """The engine of one run.

    Attributes
    ----------
    name : str
        ``"local"`` or ``"ray"``.
    address : str or None
        Ray cluster to join (``auto`` or ``ray://HOST:PORT``); ``None`` starts a Ray on this
        machine for the run (``ray`` only).
    num_cpus : int or None
        CPUs of the Ray started for the run (``None``: every core); ignored when joining a
        cluster.
    cpus_per_task : float or None
        CPUs each Ray task declares (forecast cells); ``None``: the task's own default.

    Raises
    ------
    UserInputError
        For an unknown engine, or an address given with the local engine.
    """

    name: str = "local"
    address: str | None = None
    num_cpus: int | None = None
    cpus_per_task: float | None = None

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise UserInputError(f"--engine must be one of {', '.join(ENGINES)}, got {self.name!r}")
        if self.address is not None and self.name != "ray":
            raise UserInputError("--address is the Ray cluster to use: give it with --engine ray")
        if self.address is not None and not self.address.strip():
            raise UserInputError("--address must not be empty (auto or ray://HOST:10001)")
        if self.num_cpus is not None and self.num_cpus < 1:
            raise UserInputError(f"CPUs for Ray must be >= 1, got {self.num_cpus}")
        if self.cpus_per_task is not None and not 0 < self.cpus_per_task < float("inf"):
            raise UserInputError(f"--cpus-per-cell must be > 0, got {self.cpus_per_task}")

    @property
    def is_ray(self) -> bool:
        """Whether the work runs on Ray."""
        return self.name == "ray"


def import_ray() -> ModuleType:
    """The ``ray`` module.

    Raises
    ------
    UserInputError
        When Ray is not installed, saying how to install it.
    """
    try:
        return importlib.import_module("ray")
    except ImportError:
        raise UserInputError(
            f"--engine ray needs Ray, which is not installed: {INSTALL_HINT}"
        ) from None


@contextlib.contextmanager
def ray_session(engine: Engine) -> Iterator[ModuleType]:
    """Connect to (or start) the Ray of ``engine`` for the duration of the block.

    A Ray already connected in this process (a test's, a notebook's) is used as it is and left
    running; otherwise the connection made here is closed on leaving, and a Ray started here
    stops with it.

    Raises
    ------
    UserInputError
        Ray is missing, or the address cannot be reached.
    """
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    options: dict[str, Any] = {
        "include_dashboard": False,
        "logging_level": logging.WARNING,
        "log_to_driver": False,
        "configure_logging": False,
    }
    address = None if engine.address is None else verified_head(engine.address)
    if address is None:
        options["num_cpus"] = engine.num_cpus
    elif not address.startswith("ray://"):
        options.pop("include_dashboard")  # joining a cluster: its head decides
    here: contextlib.AbstractContextManager[dict[str, Any]] = (
        loopback_only() if address is None else contextlib.nullcontext({})
    )
    with here as node:
        try:
            # "local": a Ray of its own, never one that $RAY_ADDRESS or the last `ray start`
            # names (address=None would join that cluster)
            ray.init(address="local" if address is None else address, **options, **node)
        except (ConnectionError, TimeoutError, ValueError, RuntimeError) as exc:
            where = engine.address or "a local Ray"
            raise UserInputError(f"cannot connect to Ray at {where}: {one_line(exc)}") from None
        try:
            yield ray
        finally:
            ray.shutdown()


@contextlib.contextmanager
def loopback_only() -> Iterator[dict[str, Any]]:
    """While in the block, a Ray started on this machine binds to and talks on 127.0.0.1 only;
    the block gets the ``ray.init`` options that name that address.

    Ray has no public way to do this (2.x): ``ray.init(_node_ip_address=...)`` is private, the
    ``RAY_NODE_IP_ADDRESS`` variable does not exist, ``ray start --node-ip-address`` is another
    process. And on Linux Ray resolves even ``_node_ip_address="127.0.0.1"`` to the machine's
    outward address and listens on every interface, unless its single-machine mode is on:
    ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` in the environment of the processes it starts, and
    the private constant ``ray._private.ray_constants.ENABLE_RAY_CLUSTER`` read from it once in
    this one. This function is the one place sentcast touches those private names; both are
    restored on leaving, and ``tests/faults/test_engines.py`` fails when a Ray upgrade moves
    them.

    Raises
    ------
    UserInputError
        When this Ray lacks the constant (sentcast would not start a Ray it cannot keep on
        127.0.0.1).
    """
    ray = import_ray()
    constants = vars(importlib.import_module("ray._private.ray_constants"))
    if not isinstance(constants.get("ENABLE_RAY_CLUSTER"), bool):
        raise UserInputError(
            f"sentcast cannot keep a Ray {ray.__version__} started here on 127.0.0.1 "
            "(ray._private.ray_constants.ENABLE_RAY_CLUSTER is gone); give --address of a "
            "running cluster"
        )
    before_env = os.environ.get(_CLUSTER_ENV)
    before = constants["ENABLE_RAY_CLUSTER"]
    os.environ[_CLUSTER_ENV] = "0"
    constants["ENABLE_RAY_CLUSTER"] = False
    try:
        yield {"_node_ip_address": LOCAL_HOST}
    finally:
        constants["ENABLE_RAY_CLUSTER"] = before
        if before_env is None:
            os.environ.pop(_CLUSTER_ENV, None)
        else:
            os.environ[_CLUSTER_ENV] = before_env


def check_reachable(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """Fail at once, with one line, when the head at ``address`` does not accept connections.

    Ray itself keeps retrying an address where nothing listens for minutes (``auto`` is
    resolved by :func:`find_local_head` first).

    Raises
    ------
    UserInputError
        For a malformed address or a host and port that refuse or time out.
    """
    where = urlsplit(address if "://" in address else f"ray-gcs://{address}")
    try:
        host, port = where.hostname, where.port
    except ValueError:
        host, port = None, None
    if not host or port is None:
        raise UserInputError(f"--address {address}: expected auto, HOST:PORT or ray://HOST:PORT")
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
    except OSError as exc:
        raise UserInputError(
            f"cannot reach the Ray head at {address}: {exc.strerror or exc} (is the cluster "
            "started, `ray start --head`, and the port open?)"
        ) from None


def check_ray_head(address: str, timeout_s: float | None = None) -> None:
    """Refuse, within ``timeout_s``, an ``address`` where something other than a Ray head
    listens.

    ``HOST:PORT`` must answer the GCS's ``GetClusterId`` call, ``ray://HOST:PORT`` the Ray
    Client server's ``PING``; both are gRPC calls with a deadline, made before ``ray.init``
    (which keeps retrying a wrong server for minutes). No credential is sent to the address
    before it answers; a head that asks for Ray's authentication token passes.

    Raises
    ------
    UserInputError
        When the reply does not come in time or is not the head's.
    """
    import grpc

    timeout = HEAD_CHECK_TIMEOUT_S if timeout_s is None else timeout_s
    client = address.startswith("ray://")
    target = address.removeprefix("ray://")
    what = "Ray Client server" if client else "Ray head (GCS)"
    try:
        with grpc.insecure_channel(target) as channel:
            if client:
                from ray.core.generated import ray_client_pb2, ray_client_pb2_grpc

                ping = ray_client_pb2.ClusterInfoType.PING  # type: ignore[attr-defined]
                request = ray_client_pb2.ClusterInfoRequest(type=ping)  # type: ignore[attr-defined]
                ray_client_pb2_grpc.RayletDriverStub(channel).ClusterInfo(request, timeout=timeout)
            else:
                from ray.core.generated import gcs_service_pb2, gcs_service_pb2_grpc

                ask = gcs_service_pb2.GetClusterIdRequest()  # type: ignore[attr-defined]
                gcs_service_pb2_grpc.NodeInfoGcsServiceStub(channel).GetClusterId(
                    ask, timeout=timeout
                )
    except grpc.RpcError as exc:
        if isinstance(exc, grpc.Call) and exc.code() == grpc.StatusCode.UNAUTHENTICATED:
            return  # a head with token authentication: Ray sends its token, this check never
        raise UserInputError(
            f"--address {address}: not a {what} ({_rpc_problem(exc, timeout)}); is it the "
            "head's address (`ray start --head` prints it)?"
        ) from None


def verified_head(address: str) -> str:
    """``address`` (``auto`` found by :func:`find_local_head`) once it answers as a Ray head.

    Raises
    ------
    UserInputError
        From :func:`check_reachable` or :func:`check_ray_head`; for ``auto``, naming the
        address found.
    """
    found = find_local_head() if address == "auto" else address
    try:
        check_reachable(found)
        check_ray_head(found)
    except UserInputError as exc:
        if address == "auto":
            raise UserInputError(f"--address auto found {found}; {exc}") from None
        raise
    return found


def find_local_head() -> str:
    """The address ``--address auto`` stands for, found as ``ray.init(address="auto")`` finds
    it: ``$RAY_ADDRESS``, else the cluster last started on this machine with ``ray start``, else
    a Ray head running on this machine.

    Ray (2.x) has no public API for this lookup; ``ray.init`` calls the private
    ``ray._private.services.get_ray_address_from_environment``, and so does this function, the
    one place sentcast does. ``tests/faults/test_engines.py`` fails when a Ray upgrade moves it.

    Raises
    ------
    UserInputError
        When no cluster is found, or this Ray lacks the lookup.
    """
    ray = import_ray()
    try:
        from ray._private.services import get_ray_address_from_environment
    except ImportError:
        raise UserInputError(
            f"--address auto: sentcast cannot find the cluster with Ray {ray.__version__}; "
            "give the head's HOST:PORT"
        ) from None
    try:
        found = get_ray_address_from_environment("auto", None)
    except ConnectionError:
        raise UserInputError(
            "--address auto: no Ray cluster runs on this machine (start one with "
            "`ray start --head`, or give the head's HOST:PORT)"
        ) from None
    return str(found)


def _rpc_problem(exc: Exception, timeout: float) -> str:
    """What went wrong with a gRPC call, in a few words."""
    import grpc

    if not isinstance(exc, grpc.Call):
        return one_line(exc)
    if exc.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
        return f"no answer in {timeout:g} s"
    return f"{exc.code().name}: {one_line(Exception(exc.details() or ''))}"


def task_error(exc: BaseException, what: str) -> SentcastError:
    """The one-line error for a Ray task or actor that failed while doing ``what``.

    A sentcast error raised inside the task keeps its class (so its exit code); anything
    else (a crash, a worker that died more often than Ray retries) becomes a
    :class:`DataError` naming ``what``.
    """
    ray = import_ray()
    cause = exc.cause if isinstance(exc, ray.exceptions.RayTaskError) else exc
    if isinstance(cause, SentcastError):
        return type(cause)(f"{what}: {one_line(cause)}")
    return DataError(f"{what} failed on Ray: {type(cause).__name__}: {one_line(cause)}")
