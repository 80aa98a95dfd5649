from __future__ import annotations

import multiprocessing
import os
import signal
import struct
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.synchronize import Event

import pytest

from sentcast.workers import init_worker, stop_now, worker_pool


def _idle(main_pid: int, ready: Event) -> None:
    init_worker(main_pid)
    ready.set()
    time.sleep(60)


def test_worker_ignores_sigint_and_exits_when_the_main_process_ends() -> None:
    # The test process stays alive, so only the watch on ``main_pid`` can end the worker.
    main = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    worker = context.Process(target=_idle, args=(main.pid, ready))
    worker.start()
    try:
        assert ready.wait(10)
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGINT)
        time.sleep(0.2)
        assert worker.is_alive()
        main.kill()
        main.wait()
        worker.join(5)
        assert worker.exitcode == 1
    finally:
        main.kill()
        worker.kill()
        worker.join()


def test_worker_of_an_already_gone_process_exits_at_once() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    context = multiprocessing.get_context("fork")
    worker = context.Process(target=_idle, args=(gone.pid, context.Event()))
    worker.start()
    worker.join(5)
    assert worker.exitcode == 1


def _slow(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_failed_run_kills_busy_workers_and_drops_queued_work() -> None:
    started = time.monotonic()
    pool = ProcessPoolExecutor(2, multiprocessing.get_context("fork"))
    with pytest.raises(KeyboardInterrupt), worker_pool(pool):
        futures = [pool.submit(_slow, 30) for _ in range(6)]
        time.sleep(0.5)
        raise KeyboardInterrupt
    assert time.monotonic() - started < 10
    assert all(f.cancelled() or f.exception() is not None for f in futures)


def test_stopping_a_busy_pool_waits_for_its_manager_thread() -> None:
    """Its teardown closes the wake-up pipe that the exit hook writes to; done before stop_now
    returns, the two cannot race at exit (the Bad file descriptor block after a Ctrl-C)."""
    pool = ProcessPoolExecutor(2, multiprocessing.get_context("fork"))
    futures = [pool.submit(_slow, 30) for _ in range(4)]
    time.sleep(0.5)
    manager = pool._executor_manager_thread
    assert manager is not None and manager.is_alive()
    stop_now(pool)
    assert not manager.is_alive()
    assert all(f.done() for f in futures)


def _half_a_result(started: Event) -> None:
    """Write the first bytes of a result message to the executor's result pipe, then hang: what
    a worker killed in the middle of sending its result leaves behind."""
    caller = sys._getframe(1)  # concurrent.futures.process._process_worker
    writer = caller.f_locals["result_queue"]._writer
    writer._send(struct.pack("!i", 1_000) + b"x" * 10)  # a 1,000-byte message, 10 bytes of it
    started.set()
    time.sleep(60)


@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_stopping_a_pool_torn_mid_result_does_not_hang_its_manager_thread(method: str) -> None:
    context = multiprocessing.get_context(method)
    manager_process = context.Manager()
    started = manager_process.Event()
    pool = ProcessPoolExecutor(1, context)
    future = pool.submit(_half_a_result, started)
    assert started.wait(30), future.exception(timeout=1) if future.done() else "no start"
    manager = pool._executor_manager_thread  # waits in recv() for the rest of the message
    assert manager is not None
    stop_now(pool)
    manager.join(timeout=10)
    manager_process.shutdown()
    assert not manager.is_alive()  # before the fix: blocked forever, and so the exit
