"""JSON Lines output: one record per line, flushed as it is produced.

An interrupted run (Ctrl-C, a killed job) keeps every record written before the interruption,
because each line is flushed to the operating system as soon as it is complete.  Values that
JSON cannot hold (NaN, infinity, numpy scalars and arrays) are converted: non-finite floats
become null, numpy values become Python ones.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Mapping, TextIO

import numpy as np

from .errors import VerifyError


def jsonable(value: Any, *, strict: bool = False, path: str = "value") -> Any:
    """A copy of `value` that json.dumps(allow_nan=False) accepts: numpy to Python, tuples to
    lists, NaN and infinities to None.

    What JSON cannot hold otherwise (sets, objects, non-string keys) is written as its string,
    or with `strict` raises TypeError naming its `path`: a stored result must read back equal.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, Mapping):
        out = {}
        for name, item in value.items():
            if not isinstance(name, str):
                if strict:
                    raise TypeError(f"{path} has the key {name!r}: result keys must be strings")
                name = str(name)
            out[name] = jsonable(item, strict=strict, path=f"{path}[{name!r}]")
        return out
    if isinstance(value, (list, tuple, np.ndarray)):
        items = value.tolist() if isinstance(value, np.ndarray) else value
        return [jsonable(item, strict=strict, path=f"{path}[{i}]") for i, item in enumerate(items)]
    if strict:
        raise TypeError(f"{path} is a {type(value).__name__}, which JSON cannot hold")
    return str(value)


def dumps(record: dict) -> str:
    return json.dumps(jsonable(record), allow_nan=False)


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

    def __enter__(self) -> "RecordWriter":
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
