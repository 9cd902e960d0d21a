"""Where runs execute: a local process pool (default) or a Dask cluster.

Both pools are context managers with one method, :meth:`imap_unordered`, that runs a function
on each item and yields ``(index, value)`` pairs as runs finish, in completion order.  If the
consumer stops early (an exception such as KeyboardInterrupt, or closing the generator), the
runs not yet started are cancelled; leaving the ``with`` block on an exception stops the
workers at once, without waiting for the runs they are in the middle of.

* :class:`LocalPool`: ``concurrent.futures.ProcessPoolExecutor`` with the ``spawn`` start
  method.  ``spawn`` starts each worker as a fresh interpreter, which (1) inherits the thread
  limits of :func:`~verify.sweep.threads.worker_thread_env` at exec time, before numpy is
  loaded; (2) never forks a driver that holds threads (a Dask client, a progress bar) or an
  initialised BLAS thread pool, which ``fork`` does unsafely; (3) behaves the same on Linux and
  macOS.  The cost, about half a second per worker to import numpy and this package, is paid
  once per pool.
* :class:`DaskPool`: a ``distributed.Client`` connected to ``tcp://HOST:PORT``, or to a
  ``LocalCluster`` of `workers` processes with one thread each.  Dask is imported only here.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import socket
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, suppress
from typing import Any, Protocol

from .errors import DaskUnavailableError, SweepError, WorkerCrashError
from .threads import worker_thread_env
from .worker import Outcome, init_local_worker

_SCHEDULER_ADDRESS = re.compile(r"^(tcp|tls)://[^\s/]+:\d+/?$")
CONNECT_TIMEOUT_S = 10.0


class Pool(Protocol):
    """What :func:`~verify.sweep.runner.run_sweep` needs from an executor."""

    description: str

    def __enter__(self) -> Pool: ...
    def __exit__(self, *exc: object) -> None: ...
    def imap_unordered(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[tuple[int, Any]]: ...


def default_workers() -> int:
    """Cores this process may use (the CPU affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS
        return max(1, os.cpu_count() or 1)


def _check_workers(workers: int | None) -> int:
    if workers is None:
        return default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SweepError(f"workers must be a positive integer, got {workers!r}")
    return workers


class LocalPool:
    """`workers` local processes (default: one per core), each with `blas_threads` BLAS threads."""

    def __init__(self, workers: int | None = None, *, blas_threads: int | None = 1):
        self.workers = _check_workers(workers)
        self.blas_threads = blas_threads
        self.description = f"{self.workers} local worker process{'es' if self.workers != 1 else ''}"
        self._stack: ExitStack | None = None
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalPool:
        stack = ExitStack()
        # workers are spawned on demand while the pool lives, so the limit must last as long
        stack.enter_context(worker_thread_env(self.blas_threads))
        self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=init_local_worker, initargs=(os.getpid(),))
        self._stack = stack
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        executor, self._executor = self._executor, None
        try:
            if executor is not None:
                if exc_type is None:
                    executor.shutdown(wait=True)
                else:
                    _stop_now(executor)
        finally:
            if self._stack is not None:
                self._stack.close()
                self._stack = None

    def imap_unordered(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        if self._executor is None:
            raise RuntimeError("use the pool inside a with block")
        futures: dict[Future, int] = {self._executor.submit(fn, item): i for i, item in enumerate(items)}
        pending = set(futures)
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    try:
                        value = future.result()
                    except BrokenProcessPool:
                        raise WorkerCrashError(
                            "a worker process died (killed by the OS, out of memory, or a crash in native code); "
                            "the runs finished before are saved: re-run the same command to resume") from None
                    yield futures[future], value
        finally:
            for future in pending:
                future.cancel()


def _stop_now(executor: ProcessPoolExecutor) -> None:
    """Cancel queued runs and terminate the workers without waiting for their current runs."""
    terminate = getattr(executor, "terminate_workers", None)  # Python >= 3.14
    if terminate is not None:  # pragma: no cover - depends on the Python version
        terminate()
        return
    processes = list((getattr(executor, "_processes", None) or {}).values())
    manager = getattr(executor, "_executor_manager_thread", None)
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
    # The executor's manager thread closes its wake-up pipe when it sees the workers gone.  If it is still
    # doing so at interpreter exit, CPython's exit hook can write to the pipe just after it closed
    # (`OSError: [Errno 9] Bad file descriptor` under "Exception ignored", after the command's last line):
    # a race in CPython's concurrent.futures, seen here on 3.11 (2 of 60 interrupted sweeps under load).
    # Waiting for the thread here closes that window (0 of 150 after).
    if manager is not None:
        manager.join(timeout=5)


class DaskPool:
    """Runs on a Dask cluster: the scheduler at `scheduler`, or a new LocalCluster of `workers` processes."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None, *, blas_threads: int | None = 1):
        if scheduler is not None and not _SCHEDULER_ADDRESS.match(scheduler):
            raise SweepError(f"scheduler address {scheduler!r}: expected tcp://HOST:PORT")
        try:
            import distributed  # noqa: F401  (imported here so that a missing Dask is reported before any work)
        except ImportError:
            flag = f"--scheduler {scheduler}" if scheduler is not None else "--dask local"
            raise DaskUnavailableError(flag) from None
        self.scheduler = scheduler
        self.workers = _check_workers(workers) if scheduler is None else workers
        self.blas_threads = blas_threads
        plural = "es" if self.workers != 1 else ""
        self.description = (f"Dask scheduler {scheduler}" if scheduler is not None
                            else f"Dask LocalCluster of {self.workers} worker process{plural}")
        self._stack: ExitStack | None = None
        self._client: Any = None

    def __enter__(self) -> DaskPool:
        from distributed import Client, LocalCluster
        stack = ExitStack()
        try:
            if self.scheduler is None:
                stack.enter_context(worker_thread_env(self.blas_threads))
                cluster = stack.enter_context(LocalCluster(
                    n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                    silence_logs=logging.ERROR))
                self._client = stack.enter_context(Client(cluster))
            else:
                if self.scheduler.startswith("tcp://"):
                    _probe_scheduler(self.scheduler, CONNECT_TIMEOUT_S)
                try:
                    self._client = stack.enter_context(Client(self.scheduler, timeout=f"{CONNECT_TIMEOUT_S}s"))
                except (OSError, TimeoutError) as exc:
                    raise SweepError(f"cannot connect to the Dask scheduler at {self.scheduler}: {exc}") from None
                cores = sum(self._client.nthreads().values())
                self.description = f"Dask scheduler {self.scheduler} ({cores} worker threads)"
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            stack.close()

    def imap_unordered(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        if self._client is None:
            raise RuntimeError("use the pool inside a with block")
        from distributed import as_completed

        futures = [self._client.submit(fn, item, pure=False) for item in items]
        index = {future.key: i for i, future in enumerate(futures)}
        finished: set[str] = set()
        try:
            for future in as_completed(futures):
                finished.add(future.key)
                try:
                    value = future.result()
                except Exception as exc:  # noqa: BLE001 - KilledWorker and the like: that run's worker died
                    if _is_cancelled(exc):
                        raise
                    value = Outcome(None, f"worker lost while running this config ({type(exc).__name__}: {exc})",
                                    {"worker": "dask"})
                yield index[future.key], value
        finally:
            left = [future for future in futures if future.key not in finished]
            if left and self._client is not None:
                with suppress(Exception):  # best effort while shutting down
                    self._client.cancel(left)


def _probe_scheduler(address: str, timeout: float) -> None:
    """Fail in `timeout` s unless `address` speaks first, as a Dask scheduler does on a new connection.

    distributed's own connect waits for the scheduler's handshake without a time limit, so an
    address that accepts connections but is not a scheduler (its dashboard port, say) would hang
    the sweep for ever.  The scheduler logs the probe as a connection closed before its handshake.
    """
    host, _, port = address[len("tcp://"):].rstrip("/").rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as probe:
            probe.settimeout(timeout)
            if not probe.recv(1):
                raise SweepError(f"the Dask scheduler at {address} closed the connection at once")
    except TimeoutError:
        raise SweepError(f"{address} accepts connections but sent no Dask handshake within {timeout:g} s: "
                         "is it the scheduler's port (8786 by default), not its dashboard's?") from None
    except OSError as exc:
        raise SweepError(f"cannot connect to the Dask scheduler at {address}: {exc.strerror or exc}") from None


def _is_cancelled(exc: BaseException) -> bool:
    from concurrent.futures import CancelledError

    return isinstance(exc, CancelledError) or type(exc).__name__ == "CancelledError"


def make_pool(workers: int | None = None, scheduler: str | None = None, dask_local: bool = False) -> Pool:
    """The pool the options ask for: local processes, a Dask scheduler, or a Dask LocalCluster."""
    if scheduler is not None and dask_local:
        raise SweepError("pass either a Dask scheduler address or dask_local (--dask local), not both")
    if scheduler is not None:
        return DaskPool(scheduler=scheduler)
    if dask_local:
        return DaskPool(workers=workers)
    return LocalPool(workers)
