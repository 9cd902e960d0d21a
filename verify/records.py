"""JSON Lines output: one record per line, flushed as it is produced.

An interrupted run (Ctrl-C, a killed job) keeps every record written before the interruption,
because each line is flushed to the operating system as soon as it is complete.  Values that
JSON cannot hold (NaN, infinity, numpy scalars and arrays) are converted by the project's one
converter, :func:`bounds.jsonio.jsonable` (re-exported here): non-finite floats become null,
numpy values become Python ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from bounds.jsonio import dumps as json_dumps
from bounds.jsonio import jsonable

from .errors import VerifyError

__all__ = ["RecordWriter", "dumps", "jsonable", "read_records"]


def dumps(record: dict) -> str:
    """One record as a line of strict JSON (converted by :func:`bounds.jsonio.jsonable`)."""
    return json_dumps(record, indent=None)


class RecordWriter:
    """Writes records to a JSONL file (or nowhere, when path is None), flushing each line."""

    def __init__(self, path: str | Path | None):
        self.path = Path(path) if path is not None else None
        self.count = 0
        self._handle: TextIO | None = None
        if self.path is not None:
            try:
                self._handle = self.path.open("w", encoding="utf-8")
            except OSError as exc:
                raise VerifyError(f"cannot write records to {self.path}: {exc.strerror}") from exc

    def write(self, record: dict) -> None:
        """Append one record and flush it."""
        if self._handle is None:
            return
        self._handle.write(dumps(record) + "\n")
        self._handle.flush()
        self.count += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_records(path: str | Path) -> list[dict]:
    """All records of a JSONL file (a torn last line, from a kill mid-write, is skipped)."""
    records = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records
