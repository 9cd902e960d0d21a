"""Parse bound expressions from text with a whitelist: nothing in the text is ever executed.

The grammar is arithmetic over numbers, known symbols and a few functions:
``+ - * / ^ **``, parentheses, ``log(x)`` (natural), ``log(x, b)``, ``log2``, ``log10``,
``ln``, ``exp``, ``sqrt``, ``max``, ``min``.  ``^`` means power, as it does in papers.
Python's :mod:`ast` only tokenises and builds a syntax tree; every node of that tree is
checked against the whitelist below and translated into our own expression tree, so a
catalogue file from an untrusted source can name no attribute, call, import or symbol
outside the table it is given.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections.abc import Collection
from fractions import Fraction

from ..errors import ExpressionError
from .ir import FUNCTIONS, Call, Node, Num, Pow, Sym, add, free_symbols, mul, node_count

MAX_LENGTH = 2000
MAX_DEPTH = 60
#: Largest expression tree (nodes) after a catalogue's substitutions; bounds the work of every evaluation.
MAX_NODES = 20000
#: Exact rational constants (literals and folded arithmetic) are kept up to this many bits in
#: numerator and denominator (about 10^1200); anything larger stays a power node, in log space.
MAX_EXACT_BITS = 4096
#: Decimal exponents of a literal beyond this are written as mantissa * 10^exponent (log space).
MAX_LITERAL_EXPONENT = 400
_LITERAL = re.compile(r"^(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[+-]?\d+))?$")

_ALIASES = {
    "ln": lambda args: Call("log", args),
    "log2": lambda args: Call("log", (args[0], Num(Fraction(2)))),
    "log10": lambda args: Call("log", (args[0], Num(Fraction(10)))),
    "sqrt": lambda args: Pow(args[0], Num(Fraction(1, 2))),
    "Max": lambda args: Call("max", args),
    "Min": lambda args: Call("min", args),
}
_ALIAS_ARITY = {"ln": 1, "log2": 1, "log10": 1, "sqrt": 1, "Max": (2, 16), "Min": (2, 16)}


def allowed_functions() -> list[str]:
    """Every function name an expression may call."""
    return sorted(set(FUNCTIONS) | set(_ALIASES))


def parse(text: str, symbols: Collection[str]) -> Node:
    """Parse `text` into an expression tree, refusing any symbol not in `symbols`.

    Raises :class:`ExpressionError` naming the offending construct and its column.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expression must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    if not text.strip():
        raise ExpressionError("empty expression")
    for column, char in enumerate(text):
        if not char.isascii() or (not char.isprintable() and char not in " \t\r\n"):
            # Python would read 'ｎ' or '𝑛' as 'n' (NFKC); one name must have one meaning.
            name = unicodedata.name(char, "unnamed")
            raise ExpressionError(
                f"character {char!r} (U+{ord(char):04X} {name}) is not allowed in {_shown(text)!r}: "
                "expressions are plain ASCII", text, column)
    source = text.strip().replace("^", "**")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        column = (exc.offset - 1) if exc.offset else None
        raise ExpressionError(f"cannot parse {_shown(text)!r}: {exc.msg}", text, column) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError(f"cannot parse {_shown(text)!r}: too deeply nested") from None
    tree = _Translator(text, source, frozenset(symbols)).visit(tree.body, 0)
    if node_count(tree) > MAX_NODES:
        raise ExpressionError(f"expression {text[:40]!r}... is too large "
                              f"({node_count(tree)} nodes, at most {MAX_NODES})")
    return tree


def _shown(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


class _Translator:
    def __init__(self, text: str, source: str, symbols: frozenset[str]):
        self.text = text
        self.source = source
        self.symbols = symbols

    def fail(self, message: str, node: ast.AST) -> ExpressionError:
        column = getattr(node, "col_offset", None)
        return ExpressionError(f"{message} in {_shown(self.text)!r}", self.text, column)

    def visit(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail("expression nested too deeply", node)
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            if node.id not in self.symbols:
                known = ", ".join(sorted(self.symbols))
                raise self.fail(f"unknown symbol {node.id!r} (known: {known})", node)
            return Sym(node.id)
        if isinstance(node, ast.UnaryOp):
            operand = self.visit(node.operand, depth + 1)
            if isinstance(node.op, ast.UAdd):
                return operand
            if isinstance(node.op, ast.USub):
                if isinstance(operand, Num):
                    return Num(-operand.value)
                return mul(Num(Fraction(-1)), operand)
            raise self.fail(f"operator {type(node.op).__name__} is not allowed", node)
        if isinstance(node, ast.BinOp):
            return self.binary(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        raise self.fail(f"{type(node).__name__} is not allowed", node)

    def constant(self, node: ast.Constant) -> Num:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"constant {value!r} is not a number", node)
        literal = ast.get_source_segment(self.source, node) or ""
        match = _LITERAL.match(literal.replace("_", ""))
        if not match or not (match.group("int") or match.group("frac")):
            raise self.fail(f"cannot read the number {literal!r}", node)
        digits = (match.group("int") or "") + (match.group("frac") or "")
        exponent = int(match.group("exp") or 0) - len(match.group("frac") or "")
        mantissa = int(digits.lstrip("0") or "0")
        if mantissa == 0:
            return Num(Fraction(0))
        # Strip trailing zeros into the exponent, so that 1000...0 stays small and exact.
        stripped = digits.rstrip("0")
        exponent += len(digits) - len(stripped)
        mantissa = int(stripped.lstrip("0"))
        if abs(exponent) <= MAX_LITERAL_EXPONENT and mantissa.bit_length() <= MAX_EXACT_BITS:
            return Num(Fraction(mantissa) * Fraction(10) ** exponent)
        if mantissa.bit_length() > MAX_EXACT_BITS:
            raise self.fail(f"the number {literal[:20]}... has too many digits", node)
        # 1e100000000: kept in log space as mantissa * 10^exponent, never expanded.
        return mul(Num(Fraction(mantissa)), Pow(Num(Fraction(10)), Num(Fraction(exponent))))

    def binary(self, node: ast.BinOp, depth: int) -> Node:
        left = self.visit(node.left, depth + 1)
        right = self.visit(node.right, depth + 1)
        op = node.op
        folded = _fold_exact(op, left, right)
        if folded is not None:
            return folded
        if isinstance(op, ast.Add):
            return add(left, right)
        if isinstance(op, ast.Sub):
            negated = Num(-right.value) if isinstance(right, Num) else mul(Num(Fraction(-1)), right)
            return add(left, negated)
        if isinstance(op, ast.Mult):
            return mul(left, right)
        if isinstance(op, ast.Div):
            if isinstance(right, Num) and right.value == 0:
                raise self.fail("division by zero", node)
            return mul(left, Pow(right, Num(Fraction(-1))))
        if isinstance(op, ast.Pow):
            return Pow(left, right)
        raise self.fail(f"operator {type(op).__name__} is not allowed", node)

    def call(self, node: ast.Call, depth: int) -> Node:
        if not isinstance(node.func, ast.Name):
            raise self.fail("only plain function names may be called", node)
        name = node.func.id
        if node.keywords:
            raise self.fail(f"{name}() takes no keyword arguments", node)
        if name not in FUNCTIONS and name not in _ALIASES:
            allowed = ", ".join(allowed_functions())
            raise self.fail(f"unknown function {name!r} (allowed: {allowed})", node)
        arity = FUNCTIONS.get(name) or _ALIAS_ARITY[name]
        low, high = arity if isinstance(arity, tuple) else (arity, arity)
        if not low <= len(node.args) <= high:
            expected = str(low) if low == high else f"{low} to {high}"
            raise self.fail(f"{name}() takes {expected} argument(s), got {len(node.args)}", node)
        args = tuple(self.visit(arg, depth + 1) for arg in node.args)
        if name == "log" and len(args) == 2 and free_symbols(args[1]):
            raise self.fail("the base of log(x, b) must be a constant", node)
        if name in _ALIASES:
            return _ALIASES[name](args)
        return Call(name, args)


def _fold_exact(op: ast.operator, left: Node, right: Node) -> Num | None:
    """Exact rational arithmetic on two rational constants, so that 3/2 stays 3/2."""
    if not (isinstance(left, Num) and isinstance(right, Num)):
        return None
    a, b = left.value, right.value
    if not (isinstance(a, Fraction) and isinstance(b, Fraction)):
        return None
    if isinstance(op, ast.Pow):
        # Estimate the size before computing: ((2^64)^64)^64 must not be expanded.
        size = max(a.numerator.bit_length(), a.denominator.bit_length())
        if b.denominator == 1 and abs(b) <= 64 and (a != 0 or b >= 0) and size * abs(b) <= MAX_EXACT_BITS:
            return Num(a**b)
        return None
    if isinstance(op, ast.Add):
        result = a + b
    elif isinstance(op, ast.Sub):
        result = a - b
    elif isinstance(op, ast.Mult):
        result = a * b
    elif isinstance(op, ast.Div) and b != 0:
        result = a / b
    else:
        return None
    if max(result.numerator.bit_length(), result.denominator.bit_length()) > MAX_EXACT_BITS:
        return None
    return Num(result)
