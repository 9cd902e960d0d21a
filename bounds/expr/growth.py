"""Asymptotic growth of an expression in one variable, read off the tree.

A growth is ``C * y**power * log(y)**log_power * log(log(y))**loglog_power`` or, when
`exp_inner` is set, ``exp(g)`` with ``g`` of growth `exp_inner`.  For a size variable
(n, L, ...) ``y = x -> oo``; for an accuracy or margin (eps, delta, lambda_0, ...) the
growth is in ``y = 1/x -> oo``, so that "exponent 8 in delta" means delta^-8.

This is what lets the CLI print exponents without importing SymPy; tests hold it to
agreement with SymPy's limits (:func:`bounds.analysis.growth_sympy`).  Cases the rules
cannot decide (leading terms that cancel, decaying exponentials) raise
:class:`GrowthUndetermined` instead of guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from .ir import Add, Call, FreeSymbols, Mul, Node, Num, Pow, Sym, number_value
from .visitor import Visitor

Exponent = Fraction | float


class GrowthUndetermined(ValueError):
    """The rules cannot decide the growth; use SymPy's limits instead."""


@dataclass(frozen=True)
class Growth:
    power: Exponent = Fraction(0)
    log_power: Exponent = Fraction(0)
    loglog_power: Exponent = Fraction(0)
    exp_inner: Growth | None = None
    exp_sign: int = 1  # -1: exp(-g), a decaying exponential

    @property
    def is_constant(self) -> bool:
        return self.exp_inner is None and self.power == 0 and self.log_power == 0 and self.loglog_power == 0

    @property
    def is_exponential(self) -> bool:
        return self.exp_inner is not None

    @property
    def grows(self) -> bool:
        return self.key() > Growth().key()

    def key(self) -> tuple:
        """Totally ordered key: larger key means faster growth."""
        if self.exp_inner is not None:
            if self.exp_sign > 0:
                return (1, self.exp_inner.key())
            return (-1, _negated(self.exp_inner.key()))
        return (0, (self.power, self.log_power, self.loglog_power))

    def __lt__(self, other: Growth) -> bool:
        return self.key() < other.key()

    def __le__(self, other: Growth) -> bool:
        return self.key() <= other.key()

    def times(self, other: Growth) -> Growth:
        exponentials = [g for g in (self, other) if g.exp_inner is not None]
        if len(exponentials) == 1:
            return exponentials[0]
        if len(exponentials) == 2:
            a, b = exponentials
            if a.exp_sign == b.exp_sign:
                return Growth(exp_inner=max(a.exp_inner, b.exp_inner), exp_sign=a.exp_sign)
            if a.exp_inner.key() == b.exp_inner.key():
                raise GrowthUndetermined("growing and decaying exponentials of the same order")
            return a if a.exp_inner.key() > b.exp_inner.key() else b
        return Growth(
            self.power + other.power,
            self.log_power + other.log_power,
            self.loglog_power + other.loglog_power,
        )

    def raised(self, exponent: Exponent) -> Growth:
        if self.exp_inner is not None:
            if exponent == 0:
                return Growth()
            return self if exponent > 0 else Growth(exp_inner=self.exp_inner, exp_sign=-self.exp_sign)
        return Growth(self.power * exponent, self.log_power * exponent, self.loglog_power * exponent)

    def describe(self, var: str = "y") -> str:
        if self.exp_inner is not None:
            return f"exp({'-' if self.exp_sign < 0 else ''}{self.exp_inner.describe(var)})"
        parts = []
        if self.power:
            parts.append(f"{var}^{_fmt(self.power)}")
        if self.log_power:
            parts.append(f"log({var})^{_fmt(self.log_power)}")
        if self.loglog_power:
            parts.append(f"log(log({var}))^{_fmt(self.loglog_power)}")
        return " ".join(parts) or "1"


def _negated(key: tuple) -> tuple:
    return tuple(_negated(k) if isinstance(k, tuple) else -k for k in key)


def _fmt(value: Exponent) -> str:
    if isinstance(value, Fraction) and value.denominator == 1:
        return str(value.numerator)
    return str(value)


def exponent_number(value: Exponent) -> int | float:
    """A JSON-friendly number: int when integral."""
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    return int(value) if float(value).is_integer() else float(value)


def growth(
    node: Node,
    var: str,
    small: bool = False,
    values: Mapping[str, float] | None = None,
    known: Mapping[str, Growth] | None = None,
) -> Growth:
    """Growth of `node` as `var` -> oo (or -> 0+ when `small`), other symbols fixed.

    `values` gives numbers for the other symbols where a sign or an exponent must be
    known (hidden constants in exponents such as 2^(c L)); `known` gives the growth of
    symbols that depend on `var` themselves (the width m inside log m).
    """
    g, sign = _Analyser(var, small, values or {}, known or {}).visit(node)
    if sign < 0:
        raise GrowthUndetermined("expression is negative for large arguments")
    return g


class _Analyser(Visitor["tuple[Growth, int]"]):
    """(growth, sign for large arguments) of each node; sub-trees free of the variable are constants.

    Memoised (the variable, values and known growths are fixed for the analyser's life), and so
    are the free symbols it asks about, so that a shared sub-tree is analysed once.
    """

    memoize = True

    def __init__(self, var: str, small: bool, values: Mapping[str, float], known: Mapping[str, Growth]):
        super().__init__()
        self.var = var
        self.small = small
        self.values = values
        self.known = known
        self._symbols = FreeSymbols(memoize=True)

    def depends(self, node: Node) -> bool:
        names = self._symbols.visit(node)
        return self.var in names or any(name in self.known and not self.known[name].is_constant for name in names)

    def constant_sign(self, node: Node) -> int:
        from .logspace import evaluate_mpmath

        value = number_value(node)
        if value is None:
            names = self._symbols.visit(node)
            if not names <= set(self.values):
                return 1  # symbols are positive by convention; unknown constants assumed so
            import mpmath

            result = evaluate_mpmath(node, {k: self.values[k] for k in names})
            if mpmath.isnan(result):
                raise GrowthUndetermined("constant sub-expression is undefined")
            value = float(mpmath.sign(result))
        if value == 0:
            raise GrowthUndetermined("zero factor")
        return 1 if value > 0 else -1

    def constant_value(self, node: Node) -> float:
        from .logspace import evaluate_mpmath

        value = number_value(node)
        if value is not None:
            return value
        names = self._symbols.visit(node)
        missing = names - set(self.values)
        if missing:
            raise GrowthUndetermined(f"needs a value for {', '.join(sorted(missing))}")
        return float(evaluate_mpmath(node, {k: self.values[k] for k in names}))

    def visit(self, node: Node) -> tuple[Growth, int]:
        """The growth and eventual sign of `node`; a node free of the variable is a constant."""
        if not self.depends(node):
            return Growth(), self.constant_sign(node)
        return super().visit(node)

    def _visit_Num(self, node: Num) -> tuple[Growth, int]:
        return Growth(), self.constant_sign(node)  # a number never depends on the variable

    def _visit_Sym(self, node: Sym) -> tuple[Growth, int]:
        if node.name == self.var:
            return Growth(Fraction(-1) if self.small else Fraction(1)), 1
        return self.known[node.name], 1

    def _visit_Mul(self, node: Mul) -> tuple[Growth, int]:
        total, sign = Growth(), 1
        for factor in node.factors:
            g, s = self.visit(factor)
            total, sign = total.times(g), sign * s
        return total, sign

    def _visit_Add(self, node: Add) -> tuple[Growth, int]:
        analysed = [self.visit(term) for term in node.terms]
        top = max(g for g, _ in analysed)
        signs = {s for g, s in analysed if g.key() == top.key()}
        if len(signs) > 1:
            raise GrowthUndetermined("leading terms of a sum may cancel")
        return top, signs.pop()

    def _visit_Pow(self, node: Pow) -> tuple[Growth, int]:
        base_depends = self.depends(node.base)
        exponent_depends = self.depends(node.exponent)
        if not exponent_depends:
            e = self.constant_value(node.exponent)
            g, s = self.visit(node.base)
            if s < 0:
                raise GrowthUndetermined("power of a negative base")
            nearest = Fraction(e).limit_denominator(10**6)
            e_exact = nearest if abs(e - float(nearest)) < 1e-12 else e
            return g.raised(e_exact), 1
        if not base_depends:
            b = self.constant_value(node.base)
            if b <= 0:
                raise GrowthUndetermined("non-positive base")
            if b == 1:
                return Growth(), 1
            inner, s = self.visit(node.exponent)
            if not inner.grows:
                raise GrowthUndetermined("bounded exponent of a variable power")
            return Growth(exp_inner=inner, exp_sign=1 if (s > 0) == (b > 1) else -1), 1
        # x^x-like forms: exp(exponent * log(base)).
        log_base, s_log = self.log_of(*self.visit(node.base))
        inner, s = self.visit(node.exponent)
        product = inner.times(log_base)
        if not product.grows:
            raise GrowthUndetermined("variable power of a variable base")
        return Growth(exp_inner=product, exp_sign=s * s_log), 1

    def log_of(self, g: Growth, sign: int) -> tuple[Growth, int]:
        if sign < 0:
            raise GrowthUndetermined("log of a negative quantity")
        if g.exp_inner is not None:
            return g.exp_inner, g.exp_sign
        if g.power != 0:
            return Growth(log_power=Fraction(1)), (1 if g.power > 0 else -1)
        if g.log_power != 0:
            return Growth(loglog_power=Fraction(1)), (1 if g.log_power > 0 else -1)
        if g.loglog_power != 0:
            raise GrowthUndetermined("log log log growth")
        raise GrowthUndetermined("log of a bounded quantity that depends on the variable")

    def _visit_Call(self, node: Call) -> tuple[Growth, int]:
        if node.func == "log":
            if len(node.args) == 2 and self.depends(node.args[1]):
                raise GrowthUndetermined("variable log base")
            g, s = self.log_of(*self.visit(node.args[0]))
            if len(node.args) == 2 and self.constant_value(node.args[1]) < 1:
                s = -s
            return g, s
        if node.func == "exp":
            inner, s = self.visit(node.args[0])
            if not inner.grows:
                raise GrowthUndetermined("exp of a bounded quantity that depends on the variable")
            return Growth(exp_inner=inner, exp_sign=s), 1
        analysed = [self.visit(arg) for arg in node.args]
        positive = [g for g, s in analysed if s > 0]
        if node.func == "max":
            if positive:
                return max(positive), 1
            raise GrowthUndetermined("max of negative quantities")
        if node.func == "min":
            if len(positive) == len(analysed):
                return min(positive), 1
            raise GrowthUndetermined("min with a negative argument")
        raise TypeError(f"unknown function {node.func}")


class _LeadingTerm(Visitor[Node]):
    """The node with the terms (and max/min arguments) that do not decide its growth dropped."""

    def __init__(self, analyser: _Analyser):
        super().__init__()
        self.analyser = analyser

    def visit(self, node: Node) -> Node:
        return super().visit(node) if self.analyser.depends(node) else node

    def _visit_Num(self, node: Num) -> Node:
        return node

    def _visit_Sym(self, node: Sym) -> Node:
        return node

    def _kept(self, parts: tuple[Node, ...], pick) -> list[Node]:
        analysed = [(part, self.analyser.visit(part)[0]) for part in parts]
        best = pick(g for _, g in analysed).key()
        return [self.visit(part) for part, g in analysed if g.key() == best]

    def _visit_Add(self, node: Add) -> Node:
        kept = self._kept(node.terms, max)
        return kept[0] if len(kept) == 1 else Add(tuple(kept))

    def _visit_Call(self, node: Call) -> Node:
        if node.func not in ("max", "min"):
            return node
        kept = self._kept(node.args, max if node.func == "max" else min)
        return kept[0] if len(kept) == 1 else Call(node.func, tuple(kept))

    def _visit_Mul(self, node: Mul) -> Node:
        return Mul(tuple([self.visit(f) for f in node.factors]))

    def _visit_Pow(self, node: Pow) -> Node:
        if self.analyser.depends(node.exponent):
            return node
        return Pow(self.visit(node.base), node.exponent)


def leading_term(node: Node, var: str, small: bool = False, values: Mapping[str, float] | None = None) -> Node:
    """Drop the terms (and max/min arguments) that do not decide the growth in `var`."""
    return _LeadingTerm(_Analyser(var, small, values or {}, {})).visit(node)
