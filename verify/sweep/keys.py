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

The walk is :func:`bounds.jsonio.jsonable` with ``strict``, ``finite`` and ``integral_floats``.

:data:`SCHEMA_VERSION` is hashed in, so changing the meaning of a configuration field (and
bumping the version) never lets a stale result be reused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from bounds.jsonio import NotJSONError, dumps, jsonable

from .errors import ConfigError

SCHEMA_VERSION = 1
KEY_LENGTH = 32  # hex digits of SHA-256 kept: 128 bits

_KEY_PREFIX = "overparam-bounds sweep config v{version}\n"


def canonical(value: Any, path: str = "config") -> Any:
    """`value` in canonical form (see the module docstring); ConfigError names the offending path."""
    try:
        return jsonable(value, strict=True, finite=True, integral_floats=True, path=path)
    except NotJSONError as exc:
        raise ConfigError(_config_problem(exc)) from None


def _config_problem(exc: NotJSONError) -> str:
    if exc.problem == "non-finite":
        return f"{exc.path} is {exc.value}: a configuration holds finite numbers only"
    if exc.problem == "key":
        return f"{exc.path} has the key {exc.value!r}: configuration keys must be strings"
    return (f"{exc.path} is a {type(exc.value).__name__}: a configuration holds JSON values only "
            "(numbers, strings, booleans, null, lists, objects)")


def canonical_json(config: Mapping[str, Any]) -> str:
    """The canonical JSON text of a configuration (a JSON object)."""
    if not isinstance(config, Mapping):
        raise ConfigError(f"a configuration must be a dict, got {type(config).__name__}")
    return dumps(canonical(config), indent=None, sort_keys=True, compact=True)


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
    return jsonable(config, strict=True, path="config")


def jsonable_result(value: Any, path: str = "result") -> Any:
    """A task's result as JSON values: :func:`bounds.jsonio.jsonable` in its strict form.

    Non-finite floats become ``null``: strict JSON has no NaN, and a result must read back equal
    to what was stored.  Anything else that JSON cannot hold (sets, objects, non-string keys)
    raises TypeError naming the path (a plain TypeError: its name is what a failed run records).
    """
    try:
        return jsonable(value, strict=True, path=path)
    except NotJSONError as exc:
        raise TypeError(str(exc)) from None
