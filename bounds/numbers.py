"""User-given numbers: decimal text, ints, floats, Fractions, Decimals or mpmath values, never inf or NaN.

This is a log-space tool, so a finite 10^400 is an ordinary input: a value beyond float
range is kept as an ``mpmath.mpf`` (only its log10 is ever needed), while values inside float
range stay plain floats.  Infinity, NaN, booleans and anything that is not a number are bad
input and raise :class:`~bounds.errors.ParameterError` naming the argument.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

from .errors import ParameterError

#: |log10| of the largest and smallest magnitudes accepted (the engine's range).
LOG10_LIMIT = 1e15
#: Values beyond this |log10| are kept as mpmath numbers instead of floats.
FLOAT_LOG10 = 300
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_MAX_TEXT = 100


def _mpf(value):
    import mpmath

    return mpmath.mpf(value)


def number(value, name: str):
    """`value` as a float, or as an mpmath number where it is beyond float range.

    `name` is how the argument is called in messages (``--n`` on the command line, ``n`` in
    the API).  Refuses booleans, non-numbers, infinity, NaN and magnitudes outside
    10^(+-LOG10_LIMIT).
    """
    import mpmath

    if isinstance(value, bool) or value is None:
        raise ParameterError(f"{name} must be a number, got {value!r}")
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        if len(text) > _MAX_TEXT or not _DECIMAL.match(text):
            shown = value if len(value) <= 40 else value[:40] + "..."
            lowered = text.lower().lstrip("+-")
            if lowered in ("inf", "infinity", "nan"):
                raise ParameterError(f"{name} must be a finite number, got {shown!r}")
            raise ParameterError(f"{name} expects a decimal number such as 1000 or 1e400, got {shown!r}")
        mantissa, _, exponent = text.lower().partition("e")
        if exponent and abs(int(exponent)) > LOG10_LIMIT:
            raise ParameterError(f"{name} {value} is beyond the engine's range (|log10| at most {LOG10_LIMIT:g})")
        with mpmath.workdps(40):
            exact = mpmath.mpf(text)
        return _narrow(exact, name, value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ParameterError(f"{name} must be a finite number, got {value!r}")
        return value
    if isinstance(value, int):
        try:
            return float(value) if abs(value) < 10**FLOAT_LOG10 else _narrow(_mpf(value), name, value)
        except OverflowError:
            return _narrow(_mpf(value), name, value)
    if isinstance(value, (Fraction, Decimal)):
        if isinstance(value, Decimal) and not value.is_finite():
            raise ParameterError(f"{name} must be a finite number, got {value!r}")
        with mpmath.workdps(40):
            exact = (mpmath.mpf(value.numerator) / value.denominator if isinstance(value, Fraction)
                     else mpmath.mpf(str(value)))
        return _narrow(exact, name, value)
    if isinstance(value, mpmath.mpf):
        return _narrow(value, name, value)
    try:  # NumPy scalars and other real numbers
        import numbers as _numbers

        if isinstance(value, _numbers.Real):
            return number(float(value), name)
    except (TypeError, ValueError, OverflowError):
        pass
    raise ParameterError(f"{name} must be a number, got {type(value).__name__} {_short(value)}")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "..."


def _narrow(value, name: str, original):
    import mpmath

    if mpmath.isnan(value) or mpmath.isinf(value):
        raise ParameterError(f"{name} must be a finite number, got {_short(original)}")
    if value == 0:
        return 0.0
    lg = float(mpmath.log10(abs(value)))
    if abs(lg) > LOG10_LIMIT:
        raise ParameterError(f"{name} {fmt(value)} is beyond the engine's range (|log10| at most {LOG10_LIMIT:g})")
    if abs(lg) < FLOAT_LOG10:
        return float(value)
    return value


def log10_of(value) -> float:
    """log10 of a positive float or mpmath number."""
    if isinstance(value, (float, int)):
        return math.log10(value)
    import mpmath

    return float(mpmath.log10(value))


def fmt(value, digits: int = 6) -> str:
    """`value` like ``format(value, 'g')``, also for mpmath numbers beyond float range."""
    if value is None:
        return "none"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.{digits}g}"
    import mpmath

    if isinstance(value, mpmath.mpf):
        try:
            as_float = float(value)
        except OverflowError:
            as_float = math.inf
        if math.isfinite(as_float) and ((as_float == 0 and value == 0) or 1e-300 < abs(as_float) < 1e300):
            return f"{as_float:.{digits}g}"
        text = mpmath.nstr(value, digits).replace("e+", "e")
        mantissa, sep, exponent = text.partition("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return mantissa + sep + exponent
    return str(value)


def as_float(value) -> float:
    """float(value), +-inf beyond float range (for display and comparisons only)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf
