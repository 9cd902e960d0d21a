"""The one JSON converter of the project: strict, so every strict parser reads what it writes.

:func:`jsonable` turns a Python value into JSON values, and is the only such walker: the
`bounds` commands, ``verify``'s record files (:mod:`verify.records`) and the sweep's keys and
stored results (:mod:`verify.sweep.keys`) all call it, with the options they need:

* by default (reports, records) nothing is refused: NaN and infinities become null (the record
  around them is expected to say why), NumPy scalars and arrays Python numbers and lists,
  sets sorted lists, mpmath numbers beyond float range their decimal text, objects with
  ``to_dict`` that dict, anything else its string;
* ``strict=True`` (a stored result must read back equal) accepts JSON values and NumPy ones
  only: anything else, and any key that is not a string, raises :class:`NotJSONError`
  naming its path (``result['s']``);
* ``finite=True`` refuses NaN and infinities instead of writing null, and
  ``integral_floats=True`` writes ``1.0`` as ``1`` (``-0.0`` as ``0``): together with `strict`
  the canonical form that sweep keys hash.

NumPy is recognised by its types' module, so `bounds` needs no NumPy to import this.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any


class NotJSONError(TypeError):
    """A value the strict conversion refuses; `problem` is "key", "type" or "non-finite", `path` where."""

    def __init__(self, message: str, *, path: str, problem: str, value: Any):
        super().__init__(message)
        self.path, self.problem, self.value = path, problem, value


def jsonable(value: Any, *, strict: bool = False, finite: bool = False, integral_floats: bool = False,
             path: str = "value") -> Any:
    """A copy of `value` that ``json.dumps(allow_nan=False)`` accepts (see the module docstring)."""
    options = {"strict": strict, "finite": finite, "integral_floats": integral_floats}
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _number(float(value), path, finite, integral_floats)
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                if strict:
                    raise NotJSONError(f"{path} has the key {key!r}: JSON object keys must be strings",
                                       path=path, problem="key", value=key)
                key = str(key)
            out[key] = jsonable(item, path=f"{path}[{key!r}]", **options)
        return out
    if isinstance(value, (list, tuple)):
        return [jsonable(item, path=f"{path}[{i}]", **options) for i, item in enumerate(value)]
    if type(value).__module__.startswith("numpy") and hasattr(value, "tolist"):
        return jsonable(value.tolist(), path=path, **options)  # scalars to Python numbers, arrays to lists
    if strict:
        raise NotJSONError(f"{path} is a {type(value).__name__}, which JSON cannot hold",
                           path=path, problem="type", value=value)
    return _loose(value, options)


def _number(number: float, path: str, finite: bool, integral_floats: bool) -> float | int | None:
    if not math.isfinite(number):
        if finite:
            raise NotJSONError(f"{path} is {number}, which strict JSON cannot hold", path=path, problem="non-finite",
                               value=number)
        return None
    return int(number) if integral_floats and number.is_integer() else number


def _loose(value: Any, options: Mapping[str, bool]) -> Any:
    """What the lenient conversion makes of a value that is no JSON value: its nearest JSON form, or its text."""
    if isinstance(value, (set, frozenset)):
        return [jsonable(item, **options) for item in sorted(value, key=repr)]
    if type(value).__module__.startswith("mpmath"):
        return _mpmath(value)
    if hasattr(value, "numerator") and hasattr(value, "denominator"):  # Fraction
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict(), **options)
    return str(value)


def _mpmath(value: Any) -> float | str | None:
    try:
        number = float(value)
    except (OverflowError, TypeError, ValueError):
        number = math.inf
    if math.isfinite(number) and ((number == 0 and value == 0) or 1e-300 < abs(number) < 1e300):
        return number
    import mpmath

    if mpmath.isnan(value) or mpmath.isinf(value):
        return None
    return mpmath.nstr(value, 15, strip_zeros=True).replace(".0e", "e")  # decimal text: 1e+400


def dumps(value: Any, indent: int | None = 2, *, sort_keys: bool = False, compact: bool = False,
          **convert: Any) -> str:
    """Strict JSON text of ``jsonable(value, **convert)`` (no NaN, no Infinity; ASCII only).

    `compact` drops the blanks after ``,`` and ``:`` (with ``indent=None``: one line, no spaces).
    """
    separators = (",", ":") if compact else None
    return json.dumps(jsonable(value, **convert), indent=indent, sort_keys=sort_keys, separators=separators,
                      allow_nan=False)


def strict_loads(text: str) -> Any:
    """Parse JSON, refusing NaN and Infinity (what a strict parser in another language does)."""

    def refuse(name: str):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)
