"""The grid path of the log-space engine: a tree compiled into a vectorised NumPy function.

:func:`compile_log10` turns a tree into ``f(env) -> (sign, log10|value|)`` on arrays of signed
logarithms, for grids of millions of points; :mod:`bounds.expr.logspace` holds the engine's
range and the mpmath path that tests hold this one to.  Kept apart so that single-point
evaluation never imports NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from .ir import Add, Call, Mul, Node, Num, Pow, Sym, free_symbols
from .logspace import LN10, LOG10_LIMIT, exact_log10, safe_float
from .visitor import Visitor

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
