"""run_sweep: run every configuration not yet in the store, writing each result as it finishes.

Resume semantics: a configuration whose key has an ``ok`` record is never run again, so an
interrupted sweep restarted with the same arguments computes only what is missing.  Runs in
flight when the sweep stopped are lost and redone; runs whose last record is an ``error`` are
redone too (``retry_failed=False`` keeps them).  Only the driver writes the store, one record
per finished run, in completion order.

A result cached under a *different* task (the same configuration run by another function)
is refused with a :class:`~verify.sweep.errors.StoreError` rather than reused: put a task or
version field in the configurations, or use another store.
"""

from __future__ import annotations

import os
import pickle
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from typing import Any

from .errors import StoreError, SweepError, SweepInterrupted
from .keys import config_key, plain_config
from .pools import Pool, make_pool
from .store import Record, ResultStore
from .worker import Task, execute, execute_batch, execute_batch_from

Progress = Callable[[int, int], Any]


class SweepWarning(UserWarning):
    """A store was repaired, or configurations were repeated (issued when no `log` is given)."""


@dataclass(frozen=True)
class SweepSummary:
    """What one call of :func:`run_sweep` did.

    total: distinct configurations asked for; cached: found in the store and not run;
    computed: run now (failed ones included); failed: run now and raised.  keys: the keys of
    the distinct configurations, in the order given.
    """

    total: int
    cached: int
    computed: int
    failed: int
    wall_time_s: float
    executor: str
    store: str
    keys: tuple[str, ...]
    duplicates: int = 0
    warnings: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for a terminal."""
        failed = f", {self.failed} failed" if self.failed else ""
        where = f" on {self.executor}" if self.computed else ""
        runs = "run" if self.total == 1 else "runs"
        return (f"{self.total} {runs}: {self.cached} cached, {self.computed} computed{failed} in "
                f"{self.wall_time_s:.1f} s{where}; results in {self.store}")


def task_name(task: Task) -> str:
    """``module:qualname`` of a task, after checking that worker processes can import it."""
    module, qualname = getattr(task, "__module__", None), getattr(task, "__qualname__", None)
    if not callable(task) or not module or not qualname or "<" in qualname:
        raise SweepError(f"the task must be a top-level function that worker processes can import, got {task!r}")
    try:
        pickle.dumps(task)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise SweepError(f"the task {module}:{qualname} cannot be sent to worker processes ({exc}); "
                         "define it at the top level of an importable module") from None
    return f"{module}:{qualname}"


def _distinct(configs: Iterable[Mapping[str, Any]]) -> tuple[list[tuple[str, dict]], int]:
    """(key, plain config) per distinct configuration, in order, and the number of repeats dropped."""
    seen: dict[str, dict] = {}
    given = 0
    for index, config in enumerate(configs):
        given += 1
        if not isinstance(config, Mapping):
            raise SweepError(f"configuration {index} is a {type(config).__name__}, not a dict")
        key = config_key(config)
        seen.setdefault(key, plain_config(config))
    return list(seen.items()), given - len(seen)


def run_sweep(
    configs: Iterable[Mapping[str, Any]],
    task: Task,
    store: ResultStore | str | os.PathLike,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: bool = False,
    pool: Pool | None = None,
    progress: Progress | None = None,
    retry_failed: bool = True,
    log: Callable[[str], Any] | None = None,
    batch_by: Callable[[dict], Any] | None = None,
    resume: Callable[[dict], Any] | None = None,
    meta: Callable[[str], Mapping[str, Any]] | None = None,
) -> SweepSummary:
    """Run ``task(config)`` for every configuration whose result is not in `store` yet.

    With `batch_by`, the pending configurations with equal ``batch_by(config)`` form one
    batch, and ``task(list_of_configs)`` trains the batch in one call and returns one result per
    configuration (e.g. :func:`verify.sweep.tasks.train_du2019_batch`); every run is still
    stored under its own key as its batch finishes, so resuming works run by run.  With `resume`
    (batches only), ``resume(config)`` is the stored state a run continues from, or None, and a
    batch with any is trained as ``task(configs, resume_from=[...])``
    (:func:`verify.sweep.worker.execute_batch_from`): continued and fresh runs share batches and
    workers.  ``meta(key)`` adds to a stored run's bookkeeping (``meta.continued_from``, say).

    Executor: `pool` if given (the caller enters and leaves it; reuse one pool across several
    sweeps), else a Dask client of `scheduler` (``"tcp://host:port"``), else a Dask LocalCluster
    of `workers` processes when `dask_local`, else `workers` local processes (default: one per
    core).  No executor is started when every run is cached.

    `store` is an open :class:`ResultStore` (left open), or a closed one or a path (opened,
    locked and repaired here, closed on return).  ``progress(done, total)`` is called once
    before any run (with the cached count) and after each run.  Warnings (a repaired store,
    repeated configurations) go to ``log(message)``, or are issued as :class:`SweepWarning`.

    Raises :class:`SweepInterrupted` on KeyboardInterrupt (runs not yet started are cancelled,
    workers stopped, every finished run is already in the store), :class:`WorkerCrashError` if a
    local worker process dies, :class:`StoreLockedError` if another sweep holds the store.
    """
    started = time.perf_counter()
    name = task_name(task)
    items, duplicates = _distinct(configs)
    if pool is None:
        pool = make_pool(workers, scheduler, dask_local)  # validates the options before the store is touched
        owns_pool = True
    else:
        owns_pool = False
    notes: list[str] = []

    def warn(message: str) -> None:
        notes.append(message)
        if log is not None:
            log(message)
        else:
            warnings.warn(message, SweepWarning, stacklevel=3)

    with ExitStack() as stack:
        if not isinstance(store, ResultStore):
            store = ResultStore(store)
        if not store.is_open:
            stack.enter_context(store)
        while store.warnings:  # handed on once, so that sweeps sharing an open store do not repeat them
            warn(store.warnings.pop(0))
        if duplicates:
            warn(f"{duplicates} repeated configurations were dropped (each distinct configuration runs once)")
        existing = store.load()
        _check_task(existing, items, name, store)
        pending = [(key, config) for key, config in items if not _done(existing.get(key), retry_failed)]
        total, cached = len(items), len(items) - len(pending)
        if progress is not None:
            progress(cached, total)
        computed = failed = 0
        appended_before = store.appended
        try:
            if pending:
                if owns_pool:
                    stack.enter_context(pool)
                report = None if progress is None else (lambda done: progress(cached + done, total))
                computed, failed = _run_pending(pool, task, name, store, pending, batch_by, report, resume, meta)
        except KeyboardInterrupt:
            # counted from the store: the signal may have come between a record's write and `computed += 1`
            saved = sum(1 for key, _ in items if _done(store.get(key), retry_failed))
            raise SweepInterrupted(str(store.path), saved, total, store.appended - appended_before) from None
        executor = pool.description
    return SweepSummary(total, cached, computed, failed, time.perf_counter() - started, executor, str(store.path),
                        tuple(key for key, _ in items), duplicates, tuple(notes))


def _run_pending(pool: Pool, task: Task, name: str, store: ResultStore, pending: list[tuple[str, dict]],
                 batch_by: Callable[[dict], Any] | None, report: Callable[[int], Any] | None,
                 resume: Callable[[dict], Any] | None = None,
                 meta: Callable[[str], Mapping[str, Any]] | None = None) -> tuple[int, int]:
    """Run the pending configurations on `pool`, one by one or in the batches of `batch_by` (each run with the
    state ``resume(config)`` it continues from, when given), storing each result under its key as it arrives;
    ``report(runs done)`` after each unit of work.  Returns (computed, failed)."""
    units = [[pending[i] for i in b] for b in batch_units(pending, batch_by, getattr(pool, "workers", None))]
    if batch_by is None:
        if resume is not None:
            raise ValueError("continuing runs (resume) needs batches (batch_by): a batch task takes resume_from")
        work, payloads = partial(execute, task), [unit[0][1] for unit in units]
    elif resume is None:
        work, payloads = partial(execute_batch, task), [[config for _, config in unit] for unit in units]
    else:
        work = partial(execute_batch_from, task)
        payloads = [([c for _, c in unit], [resume(c) for _, c in unit]) for unit in units]
    return _store_units(pool, store, name, units, work, payloads, meta=meta, report=report)


def _store_units(pool: Pool, store: ResultStore, name: str, units: Sequence[Sequence[tuple[str, dict]]],
                work: Callable[[Any], Any], payloads: Sequence[Any], *,
                meta: Callable[[str], Mapping[str, Any]] | None = None,
                report: Callable[[int], Any] | None = None) -> tuple[int, int]:
    """Run ``work(payload)`` for each unit of (key, config) runs on `pool` and store every run's outcome under its
    key as its unit finishes (with ``meta(key)`` added to its bookkeeping); ``report(runs done)`` after each
    unit.  `work` returns one :class:`Outcome` (a unit of one run) or a list of them, one per run.  Returns
    (computed, failed)."""
    runs = pool.imap_unordered(work, list(payloads))
    computed = failed = 0
    try:
        for index, value in runs:
            outcomes = value if isinstance(value, list) else [value]
            for (key, config), outcome in zip(units[index], outcomes, strict=True):
                extra = {} if meta is None else meta(key)
                store.append(key, config, outcome.result, task=name, error=outcome.error,
                             meta={**outcome.meta, **extra})
                computed += 1
                failed += outcome.error is not None
            if report is not None:
                report(computed)
    finally:
        runs.close()
    return computed, failed


def batch_units(pending: list[tuple[str, dict]], batch_by: Callable[[dict], Any] | None,
                workers: int | None = None) -> list[list[int]]:
    """Indices into `pending`, one list per unit of work: single runs, or the groups of `batch_by`.

    With fewer groups than `workers`, the largest groups are split in two (alternate members,
    so that runs sorted by size are shared evenly) until every worker has a unit or every unit
    is a single run: at the largest n a search round is often one group, and a batch can only
    use one worker.  Splitting changes no result (a run trains alike alone or batched; each is
    stored under its own key), only which runs share a process.
    """
    if batch_by is None:
        return [[i] for i in range(len(pending))]
    groups: dict[Any, list[int]] = {}
    for i, (_, config) in enumerate(pending):
        groups.setdefault(batch_by(config), []).append(i)
    units = list(groups.values())
    while workers is not None and len(units) < workers:
        largest = max(units, key=len, default=[])
        if len(largest) < 2:
            break
        units.remove(largest)
        units += [largest[0::2], largest[1::2]]
    return units


def _done(record: Record | None, retry_failed: bool) -> bool:
    return record is not None and (record.ok or not retry_failed)


def _check_task(existing: Mapping[str, Record], items: list[tuple[str, dict]], name: str, store: ResultStore) -> None:
    others = {existing[key].task for key, _ in items if key in existing and existing[key].task != name}
    if others:
        raise StoreError(f"{store.path} holds results of {', '.join(sorted(others))} for some of these "
                         f"configurations, but this sweep runs {name}: use another store, or add a field "
                         "naming the task to the configurations")
