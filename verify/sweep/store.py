"""The append-only result store: one JSON record per line, keyed by the run's configuration.

Format (JSON Lines, UTF-8, one complete record per line, written in one ``write`` and flushed
to the operating system before :meth:`ResultStore.append` returns, fsync'ed by default)::

    {"schema": 1, "key": "3f0c...", "task": "verify.sweep.tasks:train_du2019", "status": "ok",
     "config": {...}, "result": {...}, "error": null,
     "meta": {"wall_time_s": 1.93, "worker": "host:4242", "finished_at": "2026-05-09T07:35:25.1Z"}}

``status`` is ``"ok"`` (``result`` holds the task's return value) or ``"error"`` (``result`` is
null and ``error`` says what the task raised; the traceback is in ``meta``).  ``meta`` is
bookkeeping and is not part of a :class:`Record`'s equality.  Appending a record for a key
that is already present supersedes the old one (a failed run redone): :meth:`ResultStore.load`
returns the latest record per key.

Why JSON Lines rather than SQLite: the store is written by one driver and read by people and
by report commands; a text file can be inspected with ``tail``/``grep``/``jq``, copied and
concatenated, and its one failure mode under SIGKILL (an incomplete last line) is easy to
detect and repair.  SQLite would add transactions we do not need (records are independent and
only appended) at the cost of an opaque file and WAL side files.

Repair and locking: opening a store for writing (``with ResultStore(path) as store``) takes an
exclusive ``flock`` on the file (released by the OS even when the process is SIGKILLed) and
drops an incomplete or unparsable *last* line, truncating the file back to the last good
record and reporting it in :attr:`ResultStore.warnings`; that run is then redone.  A bad line
anywhere else raises :class:`StoreCorruptError` naming the line.  Reading a store without
opening it (:meth:`ResultStore.load` on a closed store, e.g. while a sweep is writing it)
changes nothing on disk: an incomplete last line is only skipped and reported.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, StoreCorruptError, StoreError, StoreLockedError
from .keys import SCHEMA_VERSION, config_key, jsonable_result, plain_config

try:  # POSIX; the store refuses to open for writing without it
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

STATUSES = ("ok", "error")
_FIELDS = ("schema", "key", "task", "status", "config", "result", "error", "meta")


class _NotJSON(ValueError):
    """A line that does not parse as JSON (what a write cut short leaves)."""


@dataclass(frozen=True)
class Record:
    """One finished run.  Equality compares what was run and what came out, not bookkeeping.

    ``meta`` (wall time, worker, finish time, traceback), ``line`` (1-based line in the store,
    0 when not read from a file) and ``schema`` are bookkeeping.
    """

    key: str
    task: str
    status: str
    config: dict
    result: dict | None
    error: str | None = None
    meta: dict = field(default_factory=dict, compare=False)
    line: int = field(default=0, compare=False)
    schema: int = field(default=SCHEMA_VERSION, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> str:
        """The record's line in the store (without the newline)."""
        body = {"schema": self.schema, "key": self.key, "task": self.task, "status": self.status,
                "config": self.config, "result": self.result, "error": self.error, "meta": self.meta}
        return json.dumps(body, ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_json(cls, text: str | bytes, line: int = 0) -> Record:
        """Parse one line; _NotJSON if it is not JSON, ValueError if it is JSON but not a record."""
        try:
            body = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _NotJSON(f"not valid JSON ({exc})") from None
        if not isinstance(body, dict) or set(body) != set(_FIELDS):
            raise ValueError("not a sweep record (expected the fields " + ", ".join(_FIELDS) + ")")
        if not isinstance(body["schema"], int) or isinstance(body["schema"], bool):
            raise ValueError(f"schema {body['schema']!r} is not an integer")
        if not (isinstance(body["key"], str) and isinstance(body["task"], str) and body["task"]):
            raise ValueError("a record needs a key and a task name")
        if body["status"] not in STATUSES or not isinstance(body["config"], dict):
            raise ValueError(f"status must be one of {', '.join(STATUSES)} and config an object")
        if body["status"] == "ok" and not isinstance(body["result"], dict):
            raise ValueError("an ok record without a result object")
        if body["status"] == "error" and not isinstance(body["error"], str):
            raise ValueError("an error record without an error message")
        if not isinstance(body["meta"], dict):
            raise ValueError("meta must be an object")
        return cls(key=body["key"], task=body["task"], status=body["status"], config=body["config"],
                   result=body["result"], error=body["error"], meta=body["meta"], line=line, schema=body["schema"])


@dataclass
class _Scan:
    records: dict[str, Record]
    good_bytes: int  # length of the file up to the end of its last good line
    lines: int  # lines kept (blank ones included)
    torn: str | None  # why the last line was dropped, if it was


def _read_all(fd: int) -> bytes:
    chunks, offset = [], 0
    while True:
        chunk = os.pread(fd, 1 << 20, offset)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        offset += len(chunk)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, so that a record is never half-counted.

    Only the main thread can change signal handlers; elsewhere (and for handlers set to
    SIG_IGN) this does nothing.  A signal received meanwhile is re-delivered to the handler
    that was in place, right after the block.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(signum)
        if handler is not signal.SIG_IGN and handler is not None:
            previous[signum] = signal.signal(signum, lambda s, _frame: received.append(s))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in received:
            signal.raise_signal(signum)


class ResultStore:
    """An append-only JSONL store of run records.  See the module docstring for the format.

    ``with ResultStore(path) as store`` locks and repairs the file, then ``store.load()`` and
    ``store.append(...)``.  Without ``with``, only :meth:`load` (read-only) is available.
    ``fsync=False`` skips the fsync after each record: a killed process still loses nothing
    (the data is with the OS), only a machine crash could.
    """

    def __init__(self, path: str | os.PathLike, *, fsync: bool = True):
        self.path = Path(path)
        self.fsync = fsync
        self.warnings: list[str] = []
        self._fd: int | None = None
        self._records: dict[str, Record] = {}
        self._lines = 0
        self.appended = 0  # records appended since this object was created (a signal cannot skew it)

    def __repr__(self) -> str:
        return f"ResultStore({str(self.path)!r}, {'open' if self.is_open else 'closed'})"

    # -- opening and closing -----------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._fd is not None

    def open(self) -> ResultStore:
        """Create the file if needed, take the write lock, and drop an incomplete last line."""
        if self.is_open:
            return self
        if fcntl is None:  # pragma: no cover - Windows
            raise StoreError("sweep stores need POSIX file locks (fcntl), which this platform lacks")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot open sweep store {self.path}: {exc.strerror}") from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise StoreLockedError(str(self.path)) from None
                raise StoreError(f"cannot lock sweep store {self.path}: {exc.strerror}") from None
            scan = self._scan(_read_all(fd))
            if scan.torn is not None:
                os.ftruncate(fd, scan.good_bytes)
                os.fsync(fd)
                self.warnings.append(f"{self.path}:{scan.lines + 1}: {scan.torn}; dropped it (the file is "
                                     "truncated back to the last complete record), so that run will be redone")
        except BaseException:
            os.close(fd)
            raise
        self._fd, self._records, self._lines = fd, scan.records, scan.lines
        return self

    def close(self) -> None:
        """Release the lock.  Every appended record is already with the OS."""
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor releases the flock
            self._fd = None

    def __enter__(self) -> ResultStore:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -------------------------------------------------------------------------------------
    def load(self) -> dict[str, Record]:
        """The latest record of every key (of the current schema).

        On an open store: the repaired file plus what was appended since.  On a closed store the
        file is read without locking or changing it, and an incomplete last line (a sweep may be
        writing it, or one was killed) is skipped and reported in :attr:`warnings`.  A missing
        file is an empty store.
        """
        if self.is_open:
            return dict(self._records)
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise StoreError(f"cannot read sweep store {self.path}: {exc.strerror}") from None
        scan = self._scan(data)
        if scan.torn is not None:
            self.warnings.append(f"{self.path}:{scan.lines + 1}: {scan.torn}; skipped it (a sweep may be writing "
                                 "it, or was killed; the next sweep on this store redoes that run)")
        return scan.records

    def get(self, key: str) -> Record | None:
        """The latest record of `key` in an open store, or None."""
        return self._records.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._records

    def __len__(self) -> int:
        """Distinct keys in an open store."""
        return len(self._records)

    def _scan(self, data: bytes) -> _Scan:
        """Parse a store's bytes; only the last line may be bad, and it is then reported, not parsed."""
        pieces = data.split(b"\n")
        tail = pieces.pop()  # what follows the last newline: empty when the file ends with one
        torn: str | None = None
        good_bytes = len(data) - len(tail)
        if tail.strip():
            torn = f"the last line is incomplete ({len(tail)} bytes, no newline: a write cut short)"
        elif tail:
            torn = "the last line is blank and has no newline"
        records: dict[str, Record] = {}
        old_schema, offset, kept = 0, 0, len(pieces)
        for index, raw in enumerate(pieces):
            number, start, offset = index + 1, offset, offset + len(raw) + 1
            if not raw.strip():
                continue
            try:
                record = Record.from_json(raw, line=number)
            except _NotJSON as exc:
                if number == len(pieces) and torn is None:
                    torn, good_bytes, kept = f"the last line is not complete JSON ({exc})", start, index
                    break
                raise StoreCorruptError(str(self.path), number, str(exc)) from None
            except ValueError as exc:
                raise StoreCorruptError(str(self.path), number, str(exc)) from None
            if record.schema > SCHEMA_VERSION:
                raise StoreError(f"{self.path}:{number}: written with record schema {record.schema}, newer than "
                                 f"this version's ({SCHEMA_VERSION}): upgrade overparam-bounds to read it")
            if record.schema < SCHEMA_VERSION:
                old_schema += 1  # keys of an older schema never match current ones: such runs are redone
                continue
            try:
                expected = config_key(record.config)
            except ConfigError as exc:  # a hand-edited config holding NaN, say
                raise StoreCorruptError(str(self.path), number, f"bad config ({exc})") from None
            if expected != record.key:
                raise StoreCorruptError(str(self.path), number,
                                        f"key {record.key} does not match its config (edited by hand?)")
            records[record.key] = record
        if old_schema:
            self.warnings.append(f"{self.path}: {old_schema} records of an older record schema are ignored "
                                 "(their runs will be redone)")
        return _Scan(records, good_bytes, kept, torn)

    # -- writing -------------------------------------------------------------------------------------
    def append(self, key: str, config: Mapping[str, Any], result: Mapping[str, Any] | None, *, task: str,
               error: str | None = None, meta: Mapping[str, Any] | None = None) -> Record:
        """Write one record and flush it (and fsync it, by default) before returning.

        `result` is the task's return value (a dict; numpy values and non-finite floats are
        converted as :func:`~verify.sweep.keys.jsonable_result` says), or None with `error` for
        a failed run.  `key` must be ``config_key(config)``.  Returns the record as stored, so that
        it compares equal to what :meth:`load` will read back.
        """
        if self._fd is None:
            raise StoreError(f"sweep store {self.path} is not open for writing: use `with ResultStore(path) as store`")
        config = plain_config(config)
        if config_key(config) != key:
            raise ValueError(f"key {key!r} is not config_key(config) ({config_key(config)})")
        if not task:
            raise ValueError("a record needs the task's name")
        if error is None:
            if not isinstance(result, Mapping):
                raise TypeError(f"a result must be a dict, got {type(result).__name__}")
            record = Record(key, task, "ok", config, jsonable_result(result), None, dict(meta or {}))
        else:
            record = Record(key, task, "error", config, None, str(error), dict(meta or {}))
        data = (record.to_json() + "\n").encode("utf-8")
        with _interrupts_deferred():
            try:
                _write_all(self._fd, data)
                if self.fsync:
                    os.fsync(self._fd)
            except OSError as exc:
                raise StoreError(f"cannot write to sweep store {self.path}: {exc.strerror}") from None
            self._lines += 1
            self.appended += 1
            stored = Record(record.key, record.task, record.status, record.config, record.result, record.error,
                            record.meta, self._lines)
            self._records[key] = stored
        return stored
