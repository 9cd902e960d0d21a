"""The one place the `bounds` library writes JSON: strict, so every strict parser reads it back.

NaN and infinities have no JSON spelling (Python's ``Infinity`` is not JSON); they are
written as null, and the record around them is expected to say why (a warning, a note).
NumPy scalars and arrays become Python numbers and lists, mpmath numbers beyond float range
their decimal text.
"""

from __future__ import annotations

import json
import math
from typing import Any, Mapping


def jsonable(value: Any) -> Any:
    """A copy of `value` that ``json.dumps(allow_nan=False)`` accepts (non-finite numbers -> None)."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [jsonable(item) for item in items]
    module = type(value).__module__
    if module.startswith("numpy"):
        if hasattr(value, "tolist"):
            return jsonable(value.tolist())
    if module.startswith("mpmath"):
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
    if hasattr(value, "numerator") and hasattr(value, "denominator"):  # Fraction
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    return str(value)


def dumps(value: Any, indent: int | None = 2) -> str:
    """Strict JSON text of `value` (no NaN, no Infinity)."""
    return json.dumps(jsonable(value), indent=indent, allow_nan=False)


def strict_loads(text: str) -> Any:
    """Parse JSON, refusing NaN and Infinity (what a strict parser in another language does)."""

    def refuse(name: str):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)
