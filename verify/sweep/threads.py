"""One BLAS/OpenMP thread per worker process, so that N workers on N cores do not oversubscribe.

OpenBLAS, MKL, BLIS, Accelerate and OpenMP read their thread count from the environment once,
when the library is loaded.  A worker therefore has to be *started* with these variables set:
setting them inside the worker is too late, because unpickling the task (or re-importing the
driver's ``__main__`` under the ``spawn`` start method) imports numpy before any of our code
runs.  :func:`worker_thread_env` sets them in the driver's environment for as long as a pool
lives, so that every worker process it spawns inherits them; the driver's own, already
loaded BLAS is unaffected.  (Dask's nanny does the same for the variables of its
``distributed.nanny.pre-spawn-environ`` setting, which defaults to 1 thread.)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                   "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


@contextmanager
def worker_thread_env(threads: int | None = 1) -> Iterator[None]:
    """Within the block, processes started from here get `threads` BLAS/OpenMP threads (None: unchanged)."""
    if threads is None:
        yield
        return
    if isinstance(threads, bool) or int(threads) != threads or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    saved = {name: os.environ.get(name) for name in THREAD_ENV_VARS}
    os.environ.update({name: str(int(threads)) for name in THREAD_ENV_VARS})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def blas_threads() -> dict[str, int]:
    """Thread count of each BLAS/OpenMP library loaded in this process (needs threadpoolctl; {} without it).

    Used by the tests and the documentation to check, inside a worker, that the limit took effect.
    """
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {}
    return {f"{info['internal_api']}:{os.path.basename(info['filepath'])}": int(info["num_threads"])
            for info in threadpool_info()}
