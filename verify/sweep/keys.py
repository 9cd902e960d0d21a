"""Stable keys for run configurations, and the JSON normal form of configurations and results.

A run is identified by its full configuration, a JSON object.  Its key is a hash of the
configuration's *canonical JSON*: keys sorted, no whitespace, ASCII only, and every number
written in one way, so that configurations that compare equal in Python share a key:

* integral floats become integers (``1.0``, ``1e0`` and ``1`` all write ``1``; ``-0.0`` writes ``0``),
  other floats are written with ``repr`` (the shortest string that reads back to the same double);
* numpy scalars and arrays become Python numbers and lists, tuples become lists;
* booleans stay booleans (``true`` and ``1`` are different configurations, although
  ``True == 1`` in Python);
* NaN and infinities are refused: NaN is not equal to itself, so it cannot identify a run.

:data:`SCHEMA_VERSION` is hashed in, so changing the meaning of a configuration field (and
bumping the version) never lets a stale result be reused.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import ConfigError

SCHEMA_VERSION = 1
KEY_LENGTH = 32  # hex digits of SHA-256 kept: 128 bits

_KEY_PREFIX = "overparam-bounds sweep config v{version}\n"


def canonical(value: Any, path: str = "config") -> Any:
    """`value` in canonical form (see the module docstring); ConfigError names the offending path."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if not math.isfinite(number):
            raise ConfigError(f"{path} is {number}: a configuration holds finite numbers only")
        return int(number) if number.is_integer() else number
    if isinstance(value, Mapping):
        out = {}
        for name, item in value.items():
            if not isinstance(name, str):
                raise ConfigError(f"{path} has the key {name!r}: configuration keys must be strings")
            out[name] = canonical(item, f"{path}[{name!r}]")
        return out
    if isinstance(value, (list, tuple, np.ndarray)):
        items = value.tolist() if isinstance(value, np.ndarray) else value
        return [canonical(item, f"{path}[{i}]") for i, item in enumerate(items)]
    raise ConfigError(f"{path} is a {type(value).__name__}: a configuration holds JSON values only "
                      "(numbers, strings, booleans, null, lists, objects)")


def canonical_json(config: Mapping[str, Any]) -> str:
    """The canonical JSON text of a configuration (a JSON object)."""
    if not isinstance(config, Mapping):
        raise ConfigError(f"a configuration must be a dict, got {type(config).__name__}")
    return json.dumps(canonical(config), sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def config_key(config: Mapping[str, Any]) -> str:
    """A stable key of `config`: 32 hex digits of SHA-256 over the schema version and canonical JSON."""
    text = _KEY_PREFIX.format(version=SCHEMA_VERSION) + canonical_json(config)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:KEY_LENGTH]


def plain_config(config: Mapping[str, Any]) -> dict:
    """`config` as plain JSON values (numpy scalars to Python, tuples to lists), numbers not rewritten.

    This is what a task receives and what the store records, so that a task sees ``1.0`` where
    the caller wrote ``1.0`` even though the key treats it as ``1``.
    """
    canonical_json(config)  # validates, with a message naming the path
    return _plain(config)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {name: _plain(item) for name, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def jsonable_result(value: Any, path: str = "result") -> Any:
    """A task's result as JSON values: :func:`verify.records.jsonable` in its strict form.

    Non-finite floats become ``null``: strict JSON has no NaN, and a result must read back equal
    to what was stored.  Anything else that JSON cannot hold (sets, objects, non-string keys)
    raises TypeError naming the path.
    """
    from ..records import jsonable

    return jsonable(value, strict=True, path=path)
