"""Overflow-free numeric evaluation of expression trees.

Widths like 10^80 and accuracies like 10^-30 are ordinary values here, so nothing is ever
computed in plain float64.  Two independent paths exist and tests hold them to agreement:

* :func:`compile_log10` turns a tree into a vectorised NumPy function that works on
  signed logarithms (value = sign * 10**log10), for grids of millions of points;
* :func:`evaluate_mpmath` evaluates a tree directly with mpmath, whose exponent range is
  unbounded, for single points and as the reference.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from .ir import Add, Call, Mul, Node, Num, Pow, Sym, free_symbols
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

SignedLog = tuple[np.ndarray, np.ndarray]
Compiled = Callable[[Mapping[str, np.ndarray]], SignedLog]


def compile_log10(node: Node) -> Compiled:
    """Compile `node` into ``f(env) -> (sign, log10|value|)``.

    `env` maps each symbol to the base-10 logarithm of its (positive) value; arrays
    broadcast.  Undefined results (log of a negative number, say) come out as NaN.
    """
    inner = _LogCompiler().visit(node)

    def run(env: Mapping[str, np.ndarray]) -> SignedLog:
        with np.errstate(all="ignore"):
            sign, lg = inner(env)
            sign, lg = np.asarray(sign, dtype=float), np.asarray(lg, dtype=float)
            # Beyond the engine's range (or infinite): undefined here, as on the mpmath path.
            outside = ~(np.abs(lg) <= LOG10_LIMIT) & (sign != 0)
            return np.where(outside, np.nan, sign), np.where(outside, np.nan, lg)

    return run


def _const(value) -> SignedLog:
    sign = 1.0 if value > 0 else (-1.0 if value < 0 else 0.0)
    return np.float64(sign), np.float64(exact_log10(value))


class _LogCompiler(Visitor[Compiled]):
    """Builds the signed-log closure of each node from its children's closures.

    Memoised: a sub-tree shared by several parents (as substitution produces) is compiled once.
    """

    memoize = True

    def _visit_Num(self, node: Num) -> Compiled:
        sign, lg = _const(node.value)
        return lambda env: (sign, lg)

    def _visit_Sym(self, node: Sym) -> Compiled:
        name = node.name
        return lambda env: (np.float64(1.0), env[name])

    def _visit_Mul(self, node: Mul) -> Compiled:
        parts = [self.visit(f) for f in node.factors]

        def run(env):
            sign, lg = parts[0](env)
            for part in parts[1:]:
                s, lg_part = part(env)
                sign = sign * s
                lg = lg + lg_part
            return sign, np.where(sign == 0, -np.inf, lg)

        return run

    def _visit_Add(self, node: Add) -> Compiled:
        parts = [self.visit(t) for t in node.terms]
        return lambda env: _signed_sum([part(env) for part in parts])

    def _visit_Pow(self, node: Pow) -> Compiled:
        base = self.visit(node.base)
        if isinstance(node.exponent, Num):
            return _constant_power(base, node.exponent.value)
        exponent = self.visit(node.exponent)

        def run_var(env):
            s, lg_part = base(env)
            e = _to_linear(*exponent(env))
            sign = np.where(s > 0, 1.0, np.nan)
            return sign, e * lg_part

        return run_var

    def _visit_Call(self, node: Call) -> Compiled:
        if node.func not in _CALLS:
            raise ValueError(f"unknown function {node.func}")
        if node.func == "log" and len(node.args) == 2 and free_symbols(node.args[1]):
            # The compiled path evaluates the base once, so it must be a constant.
            raise ValueError("the base of log(x, b) must be a constant")
        return _CALLS[node.func]([self.visit(a) for a in node.args])


def _signed_sum(items: list[SignedLog]) -> SignedLog:
    """Sum of signed-log values without leaving log space for the largest term."""
    top = items[0][1]
    for s, lg_part in items[1:]:
        top = np.maximum(top, np.where(s == 0, -np.inf, lg_part))
    top = np.where(np.isfinite(top), top, 0.0)
    total = 0.0
    for s, lg_part in items:
        total = total + s * np.power(10.0, lg_part - top)
    sign = np.sign(total)
    return sign, np.where(sign == 0, -np.inf, top + np.log10(np.abs(total)))


def _to_linear(sign, lg):
    return sign * np.power(10.0, lg)


def _constant_power(base: Compiled, exponent) -> Compiled:
    e = safe_float(exponent)
    integral = math.isfinite(e) and float(e).is_integer()

    def run_const(env):
        s, lg_part = base(env)
        sign = np.where(s < 0, (-1.0) ** (int(e) % 2), s) if integral else np.where(s < 0, np.nan, s)
        sign = np.where((s == 0) & (e < 0), np.nan, sign)
        lg = np.where(s == 0, np.where(e > 0, -np.inf, np.nan), e * lg_part)
        return sign, lg

    return run_const


def _compile_log(args: list[Compiled]) -> Compiled:
    # log_b(x) = log10(x) / log10(b); the natural log is the case b = e.
    divisor = float(args[1]({})[1]) if len(args) == 2 else 1.0 / LN10

    def run_log(env):
        s, lg_part = args[0](env)
        value = np.where(s > 0, lg_part / divisor, np.nan)
        sign = np.sign(value)
        return sign, np.where(sign == 0, -np.inf, np.log10(np.abs(value)))

    return run_log


def _compile_exp(args: list[Compiled]) -> Compiled:
    def run_exp(env):
        value = _to_linear(*args[0](env))
        return np.where(np.isnan(value), np.nan, 1.0), value / LN10

    return run_exp


def _compile_extreme(args: list[Compiled], want_max: bool) -> Compiled:
    def run_extreme(env):
        best_s, best_l = args[0](env)
        for part in args[1:]:
            s, lg_part = part(env)
            greater = _greater(s, lg_part, best_s, best_l)
            take = greater if want_max else _greater(best_s, best_l, s, lg_part)
            best_s = np.where(take, s, best_s)
            best_l = np.where(take, lg_part, best_l)
        return best_s, best_l

    return run_extreme


def _greater(sa, la, sb, lb):
    """Elementwise a > b for signed-log numbers."""
    return np.where(
        sa != sb,
        sa > sb,
        np.where(sa > 0, la > lb, np.where(sa < 0, la < lb, False)),
    )


_CALLS: dict[str, Callable[[list[Compiled]], Compiled]] = {
    "log": _compile_log,
    "exp": _compile_exp,
    "max": lambda args: _compile_extreme(args, True),
    "min": lambda args: _compile_extreme(args, False),
}


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
        if base != 0 and exponent != 0:
            # log2 |result| estimated before computing: 1000^(10^400) is never expanded.
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
