"""Overflow-free numeric evaluation of expression trees.

Widths like 10^80 and accuracies like 10^-30 are ordinary values here, so nothing is ever
computed in plain float64.  Two independent paths exist and tests hold them to agreement:

* :func:`evaluate_mpmath` (here) evaluates a tree directly with mpmath, whose exponent range
  is unbounded, for single points and as the reference;
* :func:`bounds.expr.compiled.compile_log10` turns a tree into a vectorised NumPy function
  that works on signed logarithms (value = sign * 10**log10), for grids of millions of points.

This module does not import NumPy: a single-point evaluation (``bounds compare``, ``show``,
``verify``) never needs it, and NumPy's import is a fifth of the command's cold start.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .ir import Add, Call, Mul, Node, Num, Pow, Sym
from .visitor import Visitor

LN10 = math.log(10.0)
#: The engine's range: values with |log10| above this are "out of range" (NaN on the grid path,
#: :data:`OUT_OF_RANGE` on the mpmath path), so that n^n^n^n or exp(exp(exp(n))) cost no more
#: than any other expression and never expand into numbers with astronomically many digits.
LOG10_LIMIT = 1e15
_LOG2_LIMIT = LOG10_LIMIT * math.log2(10.0)


class OutOfRange(ArithmeticError):
    """An intermediate value left the engine's range (|log10| > LOG10_LIMIT)."""


def exact_log10(value) -> float:
    """log10 |value| of an int, Fraction or float without converting to float first (10^400 is fine)."""
    if hasattr(value, "numerator") and not isinstance(value, float):
        if value == 0:
            return -math.inf
        return math.log10(abs(value.numerator)) - math.log10(value.denominator)
    return math.log10(abs(value)) if value != 0 else -math.inf


def safe_float(value) -> float:
    """float(value), or +-inf where the value is beyond float range."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def evaluate_mpmath(node: Node, values: Mapping[str, object], dps: int = 30):
    """Evaluate `node` with mpmath at the point `values` (symbol -> number or mpf).

    Returns an ``mpmath.mpf``, or ``mpmath.nan`` where the expression is undefined or where
    a value on the way leaves the engine's range (|log10| > LOG10_LIMIT; see
    :func:`out_of_range`), which bounds the work of every evaluation.
    """
    import mpmath

    with mpmath.workdps(dps):
        try:
            env = {name: _checked(mpmath.mpf(value), mpmath) for name, value in values.items()}
            return _MpmathEvaluator(env, mpmath).visit(node)
        except (ValueError, ZeroDivisionError, OutOfRange, OverflowError):
            return mpmath.nan


def out_of_range(node: Node, values: Mapping[str, object], dps: int = 30) -> bool:
    """True when evaluating `node` at `values` leaves the engine's range (so NaN means 'too large')."""
    import mpmath

    with mpmath.workdps(dps):
        try:
            env = {name: _checked(mpmath.mpf(value), mpmath) for name, value in values.items()}
            _MpmathEvaluator(env, mpmath).visit(node)
        except (OutOfRange, OverflowError):
            return True
        except (ValueError, ZeroDivisionError):
            return False
    return False


def _checked(value, mpmath):
    """`value` if its magnitude is inside the engine's range; tiny values become 0."""
    if mpmath.isnan(value):
        return value
    if mpmath.isinf(value):
        raise OutOfRange("infinite value")
    if value != 0:
        magnitude = mpmath.mag(value)
        if magnitude > _LOG2_LIMIT:
            raise OutOfRange("value too large")
        if magnitude < -_LOG2_LIMIT:
            return mpmath.mpf(0)
    return value


class _MpmathEvaluator(Visitor):
    """The value of each node at one point, in mpmath, every intermediate checked against the range."""

    def __init__(self, env: Mapping[str, object], mpmath):
        super().__init__()
        self.env = env
        self.mpmath = mpmath

    def _visit_Num(self, node: Num):
        value, mpmath = node.value, self.mpmath
        if hasattr(value, "numerator"):
            return _checked(mpmath.mpf(value.numerator) / value.denominator, mpmath)
        return _checked(mpmath.mpf(value), mpmath)

    def _visit_Sym(self, node: Sym):
        return self.env[node.name]

    def _visit_Add(self, node: Add):
        return _checked(self.mpmath.fsum([self.visit(t) for t in node.terms]), self.mpmath)

    def _visit_Mul(self, node: Mul):
        result = self.mpmath.mpf(1)
        for factor in node.factors:
            result = _checked(result * self.visit(factor), self.mpmath)
        return result

    def _visit_Pow(self, node: Pow):
        mpmath = self.mpmath
        base = self.visit(node.base)
        exponent = self.visit(node.exponent)
        if mpmath.isnan(base) or mpmath.isnan(exponent):
            return mpmath.nan
        if base < 0 and not mpmath.isint(exponent):
            return mpmath.nan
        if base == 0 and exponent < 0:
            return mpmath.nan
        if base != 0 and exponent != 0 and abs(exponent) * (abs(mpmath.mag(base)) + 2) > _LOG2_LIMIT:
            # log2 |result| estimated before computing: 1000^(10^400) is never expanded.  (The
            # cheap bound |log2 |base|| <= |mag(base)| + 2 spares the logarithm of every ordinary power.)
            estimate = abs(exponent) * abs(mpmath.log(abs(base), 2))
            if estimate > _LOG2_LIMIT:
                if (abs(base) > 1) == (exponent > 0):
                    raise OutOfRange("power too large")
                return mpmath.mpf(0)
        return _checked(mpmath.power(base, exponent), mpmath)

    def _visit_Call(self, node: Call):
        function = self._CALLS.get(node.func)
        if function is None:
            raise TypeError(f"unknown function {node.func!r} in {node!r}")
        return function(self, [self.visit(a) for a in node.args])

    def _call_log(self, args):
        mpmath = self.mpmath
        if args[0] <= 0:
            return mpmath.nan
        result = mpmath.log(args[0])
        return result / mpmath.log(args[1]) if len(args) == 2 else result

    def _call_exp(self, args):
        mpmath = self.mpmath
        if mpmath.isnan(args[0]):
            return mpmath.nan
        if abs(args[0]) > _LOG2_LIMIT:
            if args[0] > 0:
                raise OutOfRange("exp too large")
            return mpmath.mpf(0)
        return _checked(mpmath.exp(args[0]), mpmath)

    def _call_max(self, args):
        return self.mpmath.nan if any(self.mpmath.isnan(a) for a in args) else max(args)

    def _call_min(self, args):
        return self.mpmath.nan if any(self.mpmath.isnan(a) for a in args) else min(args)

    _CALLS = {"log": _call_log, "exp": _call_exp, "max": _call_max, "min": _call_min}


def log10_mpmath(node: Node, values: Mapping[str, object], dps: int = 30) -> float:
    """log10 of the expression's value via the mpmath path (NaN if not positive)."""
    import mpmath

    value = evaluate_mpmath(node, values, dps)
    if mpmath.isnan(value) or value <= 0:
        return math.nan
    with mpmath.workdps(dps):
        return float(mpmath.log10(value))
