"""A small immutable expression tree: the one representation every engine path starts from.

Bounds are parsed once into this tree.  From it the engine derives the SymPy form (for
simplification, LaTeX and exact symbolic work), compiled log-space evaluators (for fast,
overflow-free numbers) and asymptotic growth (for exponents).  Keeping our own tree, rather
than SymPy objects, lets the CLI evaluate the whole catalogue without importing SymPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Mapping, Union

Number = Union[Fraction, float]

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

    def __add__(self, other: "Node") -> "Node":
        return add(self, other)

    def __mul__(self, other: "Node") -> "Node":
        return mul(self, other)

    def __pow__(self, other: "Node") -> "Node":
        return Pow(self, other)

    def __truediv__(self, other: "Node") -> "Node":
        return mul(self, Pow(other, Num(Fraction(-1))))

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True)
class Num(Node):
    value: Number


@dataclass(frozen=True, slots=True)
class Sym(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Add(Node):
    terms: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Mul(Node):
    factors: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Pow(Node):
    base: Node
    exponent: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]


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
    """The direct sub-expressions of a node."""
    if isinstance(node, Add):
        return node.terms
    if isinstance(node, Mul):
        return node.factors
    if isinstance(node, Pow):
        return (node.base, node.exponent)
    if isinstance(node, Call):
        return node.args
    return ()


def free_symbols(node: Node) -> frozenset[str]:
    """Names of every symbol the expression mentions."""
    if isinstance(node, Sym):
        return frozenset((node.name,))
    names: set[str] = set()
    for child in children(node):
        names |= free_symbols(child)
    return frozenset(names)


def rebuild(node: Node, transform: Callable[[Node], Node]) -> Node:
    """Apply `transform` bottom-up: children first, then the node rebuilt from them."""
    if isinstance(node, Add):
        return transform(add(*(rebuild(t, transform) for t in node.terms)))
    if isinstance(node, Mul):
        return transform(mul(*(rebuild(f, transform) for f in node.factors)))
    if isinstance(node, Pow):
        return transform(Pow(rebuild(node.base, transform), rebuild(node.exponent, transform)))
    if isinstance(node, Call):
        return transform(Call(node.func, tuple(rebuild(a, transform) for a in node.args)))
    return transform(node)


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


def number_value(node: Node) -> float | None:
    """The float value of a constant sub-tree (numbers and functions of numbers), else None."""
    import math

    if isinstance(node, Num):
        try:
            return float(node.value)
        except OverflowError:
            return math.inf if node.value > 0 else -math.inf
    if isinstance(node, Sym):
        return None
    values = [number_value(child) for child in children(node)]
    if any(v is None for v in values):
        return None
    try:
        if isinstance(node, Add):
            return math.fsum(values)  # type: ignore[arg-type]
        if isinstance(node, Mul):
            return math.prod(values)  # type: ignore[arg-type]
        if isinstance(node, Pow):
            result = values[0] ** values[1]  # type: ignore[operator]
            return None if isinstance(result, complex) else float(result)
        if isinstance(node, Call):
            if node.func == "log":
                return math.log(values[0]) / (math.log(values[1]) if len(values) == 2 else 1.0)  # type: ignore[arg-type]
            if node.func == "exp":
                return math.exp(values[0])  # type: ignore[arg-type]
            if node.func == "max":
                return max(values)  # type: ignore[type-var]
            if node.func == "min":
                return min(values)  # type: ignore[type-var]
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    return None


def _fmt_number(value: Number) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return repr(value)


_PRECEDENCE = {Add: 1, Mul: 2, Pow: 3}


def to_text(node: Node) -> str:
    """Canonical plain-text form, parseable back by :func:`bounds.expr.parse.parse`."""

    def wrap(child: Node, parent_level: int) -> str:
        text = to_text(child)
        level = _PRECEDENCE.get(type(child), 4)
        if isinstance(child, Num) and (child.value < 0 or "/" in text):
            level = 0
        return f"({text})" if level <= parent_level else text

    if isinstance(node, Num):
        return _fmt_number(node.value)
    if isinstance(node, Sym):
        return node.name
    if isinstance(node, Add):
        return " + ".join(wrap(t, 0) for t in node.terms)
    if isinstance(node, Mul):
        return "*".join(wrap(f, 2) for f in node.factors)
    if isinstance(node, Pow):
        return f"{wrap(node.base, 3)}^{wrap(node.exponent, 3)}"
    if isinstance(node, Call):
        return f"{node.func}({', '.join(to_text(a) for a in node.args)})"
    raise TypeError(f"not an expression node: {node!r}")
