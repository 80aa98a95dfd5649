"""Worker processes that die with the run that started them and leave Ctrl-C to it.

:func:`init_worker` is the initializer of every worker pool (the scoring pool of
:mod:`sentcast.sentiment.batch`, the experiment grid): a worker ignores SIGINT, so Ctrl-C
interrupts only the main process, which stops the pool and prints one line; and a worker
ends as soon as the main process is gone, even when that was killed with SIGKILL and could
clean nothing up (``prctl(PR_SET_PDEATHSIG)`` on Linux, plus a thread that watches the main
process wherever ``pidfd_open`` or polling can). :func:`start_workers` starts the fork server
and a pool's workers with SIGINT held back, so a Ctrl-C never interrupts them half-started
(the fork server imports its preload modules before it ignores SIGINT, and a worker still
unpickling its state when the run exits fails): the signal reaches the main process as soon
as they run. :func:`worker_pool` ends a pool's workers at once when the run fails or is
interrupted, instead of waiting for its queued work.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1
_POLL_S = 1.0


def init_worker(main_pid: int) -> None:
    """Pool initializer: ignore SIGINT and die with ``main_pid`` (pass ``os.getpid()``).

    Parameters
    ----------
    main_pid : int
        The process that owns the pool. Workers started through a fork server are that
        server's children: the death signal follows the server (which exits with the main
        process) and the watch thread follows ``main_pid`` itself.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if not _alive(main_pid):
        os._exit(1)
    threading.Thread(target=_exit_with, args=(main_pid,), daemon=True, name="watch-main").start()


def _exit_with(pid: int) -> None:
    """Block until process ``pid`` ends, then end this process at once."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # not Linux >= 5.3: poll
        while _alive(pid):
            time.sleep(_POLL_S)
    else:
        select.select([fd], [], [])
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """Block SIGINT in this (main) thread; a pending one is delivered on leaving. Processes
    started meanwhile inherit the blocked signal."""
    main = threading.current_thread() is threading.main_thread()
    if main:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if main:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def start_workers(pool: ProcessPoolExecutor, workers: int) -> None:
    """Start the fork server (if the pool uses one) and ``workers`` processes of ``pool`` now,
    with SIGINT held back until each of them runs (see the module docstring)."""
    with _sigint_held():
        context = getattr(pool, "_mp_context", None)
        if context is not None and context.get_start_method() == "forkserver":
            _start_quiet_forkserver()
        seen: set[int] = set()
        for _ in range(4 * workers):  # bounded: one worker may take several probes
            seen.update(f.result() for f in [pool.submit(_ready) for _ in range(workers)])
            if len(seen) >= workers:
                break


def _start_quiet_forkserver() -> None:
    """Start the fork server with its standard error (and so its workers') on ``os.devnull``.

    A worker reports its errors through its futures; what it could still print itself is a
    traceback of a worker being handed its state while an interrupted run exits (the run's
    semaphores are gone by then), which is noise after "interrupted" (issue: one line). Set
    ``SENTCAST_WORKER_STDERR=1`` to keep the workers' standard error, e.g. to debug a crash.
    """
    from multiprocessing import forkserver

    if os.environ.get("SENTCAST_WORKER_STDERR") == "1":
        forkserver.ensure_running()
        return
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        sys.stderr.flush()
        os.dup2(devnull, 2)
        forkserver.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _ready() -> int:
    """A probe task: its worker runs; a short sleep spreads the probes over the workers."""
    time.sleep(0.05)
    return os.getpid()


@contextlib.contextmanager
def worker_pool(pool: ProcessPoolExecutor) -> Iterator[ProcessPoolExecutor]:
    """Use ``pool`` as ``with pool:`` does, but on any exception (Ctrl-C included) cancel its
    queued work and kill its workers (:func:`stop_now`) instead of waiting for all of it."""
    with pool:
        try:
            yield pool
        except BaseException:
            stop_now(pool)
            raise


#: How long :func:`stop_now` waits for the executor's manager thread to tear it down.
MANAGER_JOIN_SECONDS = 5.0


def stop_now(pool: ProcessPoolExecutor) -> None:
    """Drop the queued work of ``pool`` and kill its workers, busy or not.

    Before Python 3.14 (``kill_workers``) the executor has no public way to end busy workers,
    hence its private ``_processes``. The queued futures are not cancelled: the executor fails
    them (``BrokenProcessPool``) once its workers are dead, and before Python 3.12 failing a
    cancelled one raised ``InvalidStateError`` in its manager thread (an "Exception in thread"
    block after Ctrl-C, and at times a hang).

    A worker killed while it sends a result leaves half a message in the result pipe, and the
    executor's manager thread then waits in ``recv`` for the rest forever (the interpreter joins
    that thread at exit: a hang after Ctrl-C). Once every worker is dead this process holds the
    pipe's only write end, so closing it turns that wait into end-of-file (and the executor
    into a broken one, as it is anyway).

    The manager thread then tears the executor down and closes its wake-up pipe, while before
    Python 3.12 the interpreter's exit hook writes to that pipe without a lock: an exit right
    after a Ctrl-C could print an ``OSError: [Errno 9] Bad file descriptor`` block. So this
    waits (a few seconds at most) for the manager thread to finish before returning.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    results = getattr(pool, "_result_queue", None)  # shutdown() forgets it
    manager = getattr(pool, "_executor_manager_thread", None)  # shutdown() forgets it too
    pool.shutdown(wait=False)
    for process in processes:
        process.kill()
    if results is not None:
        results._writer.close()  # end-of-file comes once the killed workers' copies are gone
    if manager is not None:
        manager.join(timeout=MANAGER_JOIN_SECONDS)
