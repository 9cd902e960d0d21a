"""The SymPy side of the engine: exact symbolic forms, simplification, LaTeX, limits.

Imported only when symbolic work is asked for (``bounds show``, ``entry.width``), since
importing SymPy costs more than evaluating the whole catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from functools import cache

import sympy

from .expr.growth import Growth
from .expr.ir import Add, Call, Mul, Node, Num, Pow, Sym
from .expr.visitor import Visitor
from .symbols import shared_symbols


@cache
def sympy_symbol(name: str) -> sympy.Symbol:
    """The SymPy symbol for a shared (or paper) symbol, with its assumptions."""
    info = shared_symbols().get(name)
    integer = bool(info and info.integer)
    return sympy.Symbol(name, positive=True, integer=integer) if integer else sympy.Symbol(name, positive=True)


class SympyPrinter(Visitor["sympy.Expr"]):
    """Each node as a SymPy expression: exact rationals kept exact, huge number powers unevaluated."""

    def _visit_Num(self, node: Num) -> sympy.Expr:
        value = node.value
        if isinstance(value, Fraction):
            return sympy.Rational(value.numerator, value.denominator)
        return sympy.Float(value)

    def _visit_Sym(self, node: Sym) -> sympy.Expr:
        return sympy_symbol(node.name)

    def _visit_Add(self, node: Add) -> sympy.Expr:
        return sympy.Add(*[self.visit(t) for t in node.terms])

    def _visit_Mul(self, node: Mul) -> sympy.Expr:
        return sympy.Mul(*[self.visit(f) for f in node.factors])

    def _visit_Pow(self, node: Pow) -> sympy.Expr:
        base, exponent = self.visit(node.base), self.visit(node.exponent)
        if _huge_number_power(base, exponent):
            # 10^100000000 or 2^(64^64): SymPy would expand it into an integer of astronomically
            # many digits (the catalogue keeps such constants in log space); keep it a power.
            return sympy.UnevaluatedExpr(sympy.Pow(base, exponent, evaluate=False))
        return sympy.Pow(base, exponent)

    def _visit_Call(self, node: Call) -> sympy.Expr:
        function = _SYMPY_CALLS.get(node.func)
        if function is None:
            raise TypeError(f"unknown function {node.func!r} in {node!r}")
        return function(*[self.visit(a) for a in node.args])


_SYMPY_CALLS = {"log": sympy.log, "exp": sympy.exp, "max": sympy.Max, "min": sympy.Min}


def to_sympy(node: Node) -> sympy.Expr:
    """Translate an expression tree into SymPy (exact rationals kept exact)."""
    return SympyPrinter().visit(node)


def _huge_number_power(base, exponent) -> bool:
    """True when base^exponent of two numbers would have more than MAX_EXACT_BITS bits."""
    import math

    from .expr.parse import MAX_EXACT_BITS

    if not (base.is_Number and exponent.is_Number) or base == 0:
        return False
    try:
        size = abs(float(exponent)) * abs(math.log2(abs(float(base)))) if abs(base) != 1 else 0.0
    except (OverflowError, ValueError):
        return True
    return size > MAX_EXACT_BITS


def latex_names() -> dict[sympy.Symbol, str]:
    return {sympy_symbol(name): info.latex for name, info in shared_symbols().items()}


def to_latex(node: Node, extra_names: Mapping[str, str] | None = None) -> str:
    """LaTeX of an expression, shared symbols printed as papers print them."""
    names = latex_names()
    for name, tex in (extra_names or {}).items():
        names[sympy_symbol(name)] = tex
    return sympy.latex(to_sympy(node), symbol_names=names)


def simplify(node: Node) -> sympy.Expr:
    """A readable SymPy form: powers collected and common factors pulled out.

    Full ``sympy.simplify`` is avoided on purpose: it folds n^2 log(x) into log(x^(n^2)).
    """
    return sympy.factor_terms(sympy.powsimp(to_sympy(node)))


def growth_sympy(node: Node, var: str, small: bool = False, values: Mapping[str, float] | None = None) -> Growth:
    """Reference growth in `var` from SymPy limits (slower; used to check the fast rules).

    Other symbols are replaced by the numbers in `values`, so the limit is univariate.  The
    variable is written as exp(t) (or exp(-t) for accuracies) and log f is expanded, so
    power = lim log f / t and log power = lim (log f - power t) / log t.  max and min become a
    sum and a harmonic sum, which have the same growth (they agree up to a factor of the
    argument count) and which the Gruntz algorithm can handle.
    """
    t = sympy.Symbol("t", positive=True)
    expr = to_sympy(node).replace(sympy.Max, lambda *args: sympy.Add(*args))
    expr = expr.replace(sympy.Min, lambda *args: 1 / sympy.Add(*(1 / a for a in args)))
    substitutions = {sympy_symbol(var): sympy.exp(-t) if small else sympy.exp(t)}
    for name, value in (values or {}).items():
        if name != var:
            substitutions[sympy_symbol(name)] = sympy.nsimplify(value)
    log_f = sympy.expand_log(sympy.log(expr.subs(substitutions)), force=True)
    power = sympy.limit(log_f / t, t, sympy.oo)
    if power in (sympy.oo, -sympy.oo):
        sign = 1 if power == sympy.oo else -1
        inner = sympy.limit(sympy.log(sign * log_f) / t, t, sympy.oo)
        return Growth(exp_inner=Growth(Fraction(str(inner))), exp_sign=sign)
    log_power = sympy.limit((log_f - power * t) / sympy.log(t), t, sympy.oo)
    return Growth(Fraction(str(power)), Fraction(str(log_power)))
