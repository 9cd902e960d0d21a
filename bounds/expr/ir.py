"""A small immutable expression tree: the one representation every engine path starts from.

Bounds are parsed once into this tree.  From it the engine derives the SymPy form (for
simplification, LaTeX and exact symbolic work), compiled log-space evaluators (for fast,
overflow-free numbers) and asymptotic growth (for exponents).  Keeping our own tree, rather
than SymPy objects, lets the CLI evaluate the whole catalogue without importing SymPy.

Recursive walks over the tree (here: free symbols, rebuilding and substitution, constant
folding, plain text) are :class:`~bounds.expr.visitor.Visitor` subclasses with one method
per node class; walks that keep their own stack (node counts, depth) use :func:`children`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from .visitor import Visitor

Number = Fraction | float

#: Functions an expression may call, with the number of arguments each accepts.
FUNCTIONS: dict[str, tuple[int, int]] = {
    "log": (1, 2),  # natural log; log(x, b) is the log in base b
    "exp": (1, 1),
    "max": (2, 16),
    "min": (2, 16),
}


class Node:
    """Base of the expression tree."""

    __slots__ = ()

    def __add__(self, other: Node) -> Node:
        return add(self, other)

    def __mul__(self, other: Node) -> Node:
        return mul(self, other)

    def __pow__(self, other: Node) -> Node:
        return Pow(self, other)

    def __truediv__(self, other: Node) -> Node:
        return mul(self, Pow(other, Num(Fraction(-1))))

    def __str__(self) -> str:
        return to_text(self)

    def children(self) -> tuple[Node, ...]:
        """The direct sub-expressions, in order (none for a leaf)."""
        return ()


@dataclass(frozen=True, slots=True)
class Num(Node):
    value: Number


@dataclass(frozen=True, slots=True)
class Sym(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Add(Node):
    terms: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.terms


@dataclass(frozen=True, slots=True)
class Mul(Node):
    factors: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.factors


@dataclass(frozen=True, slots=True)
class Pow(Node):
    base: Node
    exponent: Node

    def children(self) -> tuple[Node, ...]:
        return (self.base, self.exponent)


@dataclass(frozen=True, slots=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]

    def children(self) -> tuple[Node, ...]:
        return self.args


def add(*terms: Node) -> Node:
    """Sum of terms, flattening nested sums."""
    flat: list[Node] = []
    for term in terms:
        flat.extend(term.terms if isinstance(term, Add) else (term,))
    return flat[0] if len(flat) == 1 else Add(tuple(flat))


def mul(*factors: Node) -> Node:
    """Product of factors, flattening nested products."""
    flat: list[Node] = []
    for factor in factors:
        flat.extend(factor.factors if isinstance(factor, Mul) else (factor,))
    return flat[0] if len(flat) == 1 else Mul(tuple(flat))


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of a node (for the iterative walks, which need no visitor)."""
    return node.children()


class FreeSymbols(Visitor[frozenset]):
    """The names of the symbols under each node.

    ``FreeSymbols(memoize=True)`` answers for many overlapping sub-trees of one tree in time
    linear in its size.
    """

    def _visit_Num(self, node: Num) -> frozenset[str]:
        return _NO_NAMES

    def _visit_Sym(self, node: Sym) -> frozenset[str]:
        return frozenset((node.name,))

    def _union(self, parts: tuple[Node, ...]) -> frozenset[str]:
        names: set[str] = set()
        for part in parts:
            names |= self.visit(part)
        return frozenset(names)

    def _visit_Add(self, node: Add) -> frozenset[str]:
        return self._union(node.terms)

    def _visit_Mul(self, node: Mul) -> frozenset[str]:
        return self._union(node.factors)

    def _visit_Pow(self, node: Pow) -> frozenset[str]:
        return self.visit(node.base) | self.visit(node.exponent)

    def _visit_Call(self, node: Call) -> frozenset[str]:
        return self._union(node.args)


_NO_NAMES: frozenset[str] = frozenset()


def free_symbols(node: Node) -> frozenset[str]:
    """Names of every symbol the expression mentions."""
    return FreeSymbols().visit(node)


class _Rebuild(Visitor[Node]):
    """Children first, then the node rebuilt from them and passed through `transform`."""

    memoize = True

    def __init__(self, transform: Callable[[Node], Node]):
        super().__init__()
        self.transform = transform

    def _visit_Num(self, node: Num) -> Node:
        return self.transform(node)

    def _visit_Sym(self, node: Sym) -> Node:
        return self.transform(node)

    def _visit_Add(self, node: Add) -> Node:
        return self.transform(add(*[self.visit(t) for t in node.terms]))

    def _visit_Mul(self, node: Mul) -> Node:
        return self.transform(mul(*[self.visit(f) for f in node.factors]))

    def _visit_Pow(self, node: Pow) -> Node:
        return self.transform(Pow(self.visit(node.base), self.visit(node.exponent)))

    def _visit_Call(self, node: Call) -> Node:
        return self.transform(Call(node.func, tuple([self.visit(a) for a in node.args])))


def rebuild(node: Node, transform: Callable[[Node], Node]) -> Node:
    """Apply `transform` bottom-up: children first, then the node rebuilt from them.

    `transform` must be a pure function of its node: a sub-tree shared by several parents is
    rebuilt once.
    """
    return _Rebuild(transform).visit(node)


def substitute(node: Node, mapping: Mapping[str, Node]) -> Node:
    """Replace symbols by expressions (simultaneously, not recursively)."""
    if not mapping:
        return node

    def swap(leaf: Node) -> Node:
        if isinstance(leaf, Sym) and leaf.name in mapping:
            return mapping[leaf.name]
        return leaf

    return rebuild(node, swap)


def node_count(node: Node, limit: int = 10**7) -> int:
    """Number of nodes in the tree (counting stops early past `limit`)."""
    count, stack = 0, [node]
    while stack and count <= limit:
        current = stack.pop()
        count += 1
        stack.extend(children(current))
    return count


def depth(node: Node) -> int:
    """Height of the tree (a leaf has depth 1), computed without recursion."""
    best, stack = 0, [(node, 1)]
    while stack:
        current, level = stack.pop()
        best = max(best, level)
        stack.extend((child, level + 1) for child in children(current))
    return best


class _NumberValue(Visitor["float | None"]):
    """Constant folding in floats: None as soon as a symbol, an undefined or a complex value appears."""

    memoize = True

    def _visit_Num(self, node: Num) -> float | None:
        try:
            return float(node.value)
        except OverflowError:
            return math.inf if node.value > 0 else -math.inf

    def _visit_Sym(self, node: Sym) -> float | None:
        return None

    def _values(self, parts: tuple[Node, ...]) -> list[float] | None:
        values = []
        for part in parts:
            value = self.visit(part)
            if value is None:
                return None
            values.append(value)
        return values

    def _visit_Add(self, node: Add) -> float | None:
        values = self._values(node.terms)
        return None if values is None else _folded(math.fsum, values)

    def _visit_Mul(self, node: Mul) -> float | None:
        values = self._values(node.factors)
        return None if values is None else _folded(math.prod, values)

    def _visit_Pow(self, node: Pow) -> float | None:
        values = self._values((node.base, node.exponent))
        return None if values is None else _folded(_real_power, values)

    def _visit_Call(self, node: Call) -> float | None:
        values = self._values(node.args)
        function = _FOLDED_CALLS.get(node.func)
        return None if values is None or function is None else _folded(function, values)


def _folded(function: Callable[[list[float]], float | None], values: list[float]) -> float | None:
    try:
        return function(values)
    except (ValueError, OverflowError, ZeroDivisionError):
        return None


def _real_power(values: list[float]) -> float | None:
    result = values[0] ** values[1]
    return None if isinstance(result, complex) else float(result)


_FOLDED_CALLS: dict[str, Callable[[list[float]], float]] = {
    "log": lambda v: math.log(v[0]) / (math.log(v[1]) if len(v) == 2 else 1.0),
    "exp": lambda v: math.exp(v[0]),
    "max": max,
    "min": min,
}


def number_value(node: Node) -> float | None:
    """The float value of a constant sub-tree (numbers and functions of numbers), else None."""
    return _NumberValue().visit(node)


def _fmt_number(value: Number) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return repr(value)


_PRECEDENCE = {Add: 1, Mul: 2, Pow: 3}


class _TextPrinter(Visitor[str]):
    """The canonical plain text: children in parentheses where precedence asks for them."""

    def _wrapped(self, child: Node, parent_level: int) -> str:
        text = self.visit(child)
        level = _PRECEDENCE.get(type(child), 4)
        if isinstance(child, Num) and (child.value < 0 or "/" in text):
            level = 0
        return f"({text})" if level <= parent_level else text

    def _visit_Num(self, node: Num) -> str:
        return _fmt_number(node.value)

    def _visit_Sym(self, node: Sym) -> str:
        return node.name

    def _visit_Add(self, node: Add) -> str:
        return " + ".join([self._wrapped(t, 0) for t in node.terms])

    def _visit_Mul(self, node: Mul) -> str:
        return "*".join([self._wrapped(f, 2) for f in node.factors])

    def _visit_Pow(self, node: Pow) -> str:
        return f"{self._wrapped(node.base, 3)}^{self._wrapped(node.exponent, 3)}"

    def _visit_Call(self, node: Call) -> str:
        return f"{node.func}({', '.join([self.visit(a) for a in node.args])})"


def to_text(node: Node) -> str:
    """Canonical plain-text form, parseable back by :func:`bounds.expr.parse.parse`."""
    return _TextPrinter().visit(node)
