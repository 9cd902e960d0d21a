"""Sweeps: grids of independent training runs, on local processes or a Dask cluster, resumable.

A sweep is a list of run configurations (JSON objects such as ``{"setting": "du2019", "n": 32,
"width": 1000, "seed": 0, ...}``) and a task, a top-level function ``task(config) -> dict``.
:func:`run_sweep` runs the task on every configuration whose result is not yet in the store and
appends each result to the store as it finishes::

    from verify.sweep import ResultStore, product_grid, run_sweep
    from verify.sweep.tasks import du2019_config, train_du2019

    configs = [du2019_config(**point) for point in product_grid(n=[16, 32], width=[100, 1000], seed=[0, 1])]
    summary = run_sweep(configs, train_du2019, "results.jsonl", workers=2)   # or dask_local=True,
    print(summary.describe())                                                 # or scheduler="tcp://h:8786"
    records = ResultStore("results.jsonl").load()                             # {key: Record}

Modules, one job each:

* :mod:`~verify.sweep.keys`: canonical JSON and :func:`config_key` (a changed configuration never
  reuses a stale result);
* :mod:`~verify.sweep.store`: :class:`ResultStore`, the append-only JSONL store (locking, repair of
  a record cut by SIGKILL);
* :mod:`~verify.sweep.pools`: local process pool and Dask executors;
* :mod:`~verify.sweep.threads`: one BLAS thread per worker;
* :mod:`~verify.sweep.worker`: one task call in a worker (failures become records);
* :mod:`~verify.sweep.runner`: :func:`run_sweep` and :class:`SweepSummary`;
* :mod:`~verify.sweep.grid`: :func:`product_grid`;
* :mod:`~verify.sweep.tasks`: the real training task (Du et al. 2019's two-layer network);
* :mod:`~verify.sweep.toy`: deterministic toy tasks for tests;
* :mod:`~verify.sweep.cli`: ``bounds sweep run|show`` (also ``python -m verify.sweep``).

Dask is optional (``pip install 'overparam-bounds[dask]'``) and imported only when asked for.
See docs/sweeps.md for the store format, resume semantics and Dask usage.
"""

from __future__ import annotations

from .errors import (
                     ConfigError,
                     DaskUnavailableError,
                     StoreCorruptError,
                     StoreError,
                     StoreLockedError,
                     SweepError,
                     SweepInterrupted,
                     WorkerCrashError,
)
from .grid import product_grid
from .keys import SCHEMA_VERSION, canonical_json, config_key
from .pools import DaskPool, LocalPool, make_pool
from .runner import SweepSummary, SweepWarning, run_sweep, task_name
from .store import Record, ResultStore

__all__ = [
    "ConfigError", "DaskUnavailableError", "StoreCorruptError", "StoreError", "StoreLockedError", "SweepError",
    "SweepInterrupted", "WorkerCrashError", "product_grid", "SCHEMA_VERSION", "canonical_json", "config_key",
    "DaskPool", "LocalPool", "make_pool", "SweepSummary", "SweepWarning", "run_sweep", "task_name", "Record",
    "ResultStore",
]
