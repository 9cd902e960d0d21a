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
from typing import Callable, Mapping

import numpy as np

from .ir import Add, Call, Mul, Node, Num, Pow, Sym

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
    _check_log_bases(node)
    inner = compile_part(node)

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


def _build_num(node: Num) -> Compiled:
    sign, lg = _const(node.value)
    return lambda env: (sign, lg)


def _build_sym(node: Sym) -> Compiled:
    name = node.name
    return lambda env: (np.float64(1.0), env[name])


def _build_mul(node: Mul) -> Compiled:
    parts = [compile_part(f) for f in node.factors]

    def run(env):
        sign, lg = parts[0](env)
        for part in parts[1:]:
            s, l = part(env)
            sign = sign * s
            lg = lg + l
        return sign, np.where(sign == 0, -np.inf, lg)

    return run


def _signed_sum(items: list[SignedLog]) -> SignedLog:
    """Sum of signed-log values without leaving log space for the largest term."""
    top = items[0][1]
    for s, l in items[1:]:
        top = np.maximum(top, np.where(s == 0, -np.inf, l))
    top = np.where(np.isfinite(top), top, 0.0)
    total = 0.0
    for s, l in items:
        total = total + s * np.power(10.0, l - top)
    sign = np.sign(total)
    return sign, np.where(sign == 0, -np.inf, top + np.log10(np.abs(total)))


def _build_add(node: Add) -> Compiled:
    parts = [compile_part(t) for t in node.terms]
    return lambda env: _signed_sum([part(env) for part in parts])


def _to_linear(sign, lg):
    return sign * np.power(10.0, lg)


def _build_pow(node: Pow) -> Compiled:
    base = compile_part(node.base)
    exponent_const = node.exponent.value if isinstance(node.exponent, Num) else None
    if exponent_const is not None:
        e = safe_float(exponent_const)
        integral = math.isfinite(e) and float(e).is_integer()

        def run_const(env):
            s, l = base(env)
            if integral:
                sign = np.where(s < 0, (-1.0) ** (int(e) % 2), s)
            else:
                sign = np.where(s < 0, np.nan, s)
            sign = np.where((s == 0) & (e < 0), np.nan, sign)
            lg = np.where(s == 0, np.where(e > 0, -np.inf, np.nan), e * l)
            return sign, lg

        return run_const

    exponent = compile_part(node.exponent)

    def run_var(env):
        s, l = base(env)
        e = _to_linear(*exponent(env))
        sign = np.where(s > 0, 1.0, np.nan)
        return sign, e * l

    return run_var


def _build_call(node: Call) -> Compiled:
    args = [compile_part(a) for a in node.args]
    if node.func == "log":
        # log_b(x) = log10(x) / log10(b); the natural log is the case b = e.
        divisor = float(args[1]({})[1]) if len(args) == 2 else 1.0 / LN10

        def run_log(env):
            s, l = args[0](env)
            value = np.where(s > 0, l / divisor, np.nan)
            sign = np.sign(value)
            return sign, np.where(sign == 0, -np.inf, np.log10(np.abs(value)))

        return run_log
    if node.func == "exp":

        def run_exp(env):
            value = _to_linear(*args[0](env))
            return np.where(np.isnan(value), np.nan, 1.0), value / LN10

        return run_exp
    if node.func in ("max", "min"):
        want_max = node.func == "max"

        def run_extreme(env):
            best_s, best_l = args[0](env)
            for part in args[1:]:
                s, l = part(env)
                greater = _greater(s, l, best_s, best_l)
                take = greater if want_max else _greater(best_s, best_l, s, l)
                best_s = np.where(take, s, best_s)
                best_l = np.where(take, l, best_l)
            return best_s, best_l

        return run_extreme
    raise ValueError(f"unknown function {node.func}")


def _greater(sa, la, sb, lb):
    """Elementwise a > b for signed-log numbers."""
    return np.where(
        sa != sb,
        sa > sb,
        np.where(sa > 0, la > lb, np.where(sa < 0, la < lb, False)),
    )


_BUILDERS: dict[type, Callable[[Node], Compiled]] = {
    Num: _build_num,
    Sym: _build_sym,
    Mul: _build_mul,
    Add: _build_add,
    Pow: _build_pow,
    Call: _build_call,
}


def compile_part(node: Node) -> Compiled:
    return _BUILDERS[type(node)](node)


def _check_log_bases(node: Node) -> None:
    """Log bases must be constants: the compiled path evaluates them once."""
    from .ir import children, free_symbols

    if isinstance(node, Call) and node.func == "log" and len(node.args) == 2:
        if free_symbols(node.args[1]):
            raise ValueError("the base of log(x, b) must be a constant")
    for child in children(node):
        _check_log_bases(child)


def evaluate_mpmath(node: Node, values: Mapping[str, "object"], dps: int = 30):
    """Evaluate `node` with mpmath at the point `values` (symbol -> number or mpf).

    Returns an ``mpmath.mpf``, or ``mpmath.nan`` where the expression is undefined or where
    a value on the way leaves the engine's range (|log10| > LOG10_LIMIT; see
    :func:`out_of_range`), which bounds the work of every evaluation.
    """
    import mpmath

    with mpmath.workdps(dps):
        try:
            env = {name: _checked(mpmath.mpf(value), mpmath) for name, value in values.items()}
            return _mp(node, env, mpmath)
        except (ValueError, ZeroDivisionError, OutOfRange, OverflowError):
            return mpmath.nan


def out_of_range(node: Node, values: Mapping[str, object], dps: int = 30) -> bool:
    """True when evaluating `node` at `values` leaves the engine's range (so NaN means 'too large')."""
    import mpmath

    with mpmath.workdps(dps):
        try:
            env = {name: _checked(mpmath.mpf(value), mpmath) for name, value in values.items()}
            _mp(node, env, mpmath)
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


def _mp(node: Node, env, mpmath):
    if isinstance(node, Num):
        value = node.value
        if hasattr(value, "numerator"):
            return _checked(mpmath.mpf(value.numerator) / value.denominator, mpmath)
        return _checked(mpmath.mpf(value), mpmath)
    if isinstance(node, Sym):
        return env[node.name]
    if isinstance(node, Add):
        return _checked(mpmath.fsum(_mp(t, env, mpmath) for t in node.terms), mpmath)
    if isinstance(node, Mul):
        result = mpmath.mpf(1)
        for factor in node.factors:
            result = _checked(result * _mp(factor, env, mpmath), mpmath)
        return result
    if isinstance(node, Pow):
        base = _mp(node.base, env, mpmath)
        exponent = _mp(node.exponent, env, mpmath)
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
    if isinstance(node, Call):
        args = [_mp(a, env, mpmath) for a in node.args]
        if node.func == "log":
            if args[0] <= 0:
                return mpmath.nan
            result = mpmath.log(args[0])
            return result / mpmath.log(args[1]) if len(args) == 2 else result
        if node.func == "exp":
            if mpmath.isnan(args[0]):
                return mpmath.nan
            if abs(args[0]) > _LOG2_LIMIT:
                if args[0] > 0:
                    raise OutOfRange("exp too large")
                return mpmath.mpf(0)
            return _checked(mpmath.exp(args[0]), mpmath)
        if any(mpmath.isnan(a) for a in args):
            return mpmath.nan
        if node.func == "max":
            return max(args)
        if node.func == "min":
            return min(args)
    raise TypeError(f"not an expression node: {node!r}")


def log10_mpmath(node: Node, values: Mapping[str, object], dps: int = 30) -> float:
    """log10 of the expression's value via the mpmath path (NaN if not positive)."""
    import mpmath

    value = evaluate_mpmath(node, values, dps)
    if mpmath.isnan(value) or value <= 0:
        return math.nan
    with mpmath.workdps(dps):
        return float(mpmath.log10(value))
