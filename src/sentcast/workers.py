"""Worker processes that die with the run that started them and leave Ctrl-C to it.

:func:`init_worker` is the initializer of every worker pool (the scoring pool of
:mod:`sentcast.sentiment.batch`, the experiment grid): a worker ignores SIGINT, so Ctrl-C
interrupts only the main process, which stops the pool and prints one line; and a worker
ends as soon as the main process is gone, even when that was killed with SIGKILL and could
clean nothing up (``prctl(PR_SET_PDEATHSIG)`` on Linux, plus a thread that watches the main
process wherever ``pidfd_open`` or polling can).
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import sys
import threading
import time

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
