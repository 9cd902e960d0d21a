"""Read catalogue TOML files into :class:`~bounds.model.Entry` records, strictly.

Every problem is reported as a :class:`~bounds.errors.CatalogError` naming the file, the
line and the field, because catalogue files are written by hand (ours and users').  Keys
the schema does not know are refused too: a misspelt ``confidense`` would otherwise be a
silently missing field.  The format is documented in ``docs/catalog-format.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ._toml import TOMLDecodeError, loads_toml
from .errors import CatalogError, ExpressionError
from .expr.ir import Add, Call, Mul, Node, Num, Pow, Sym, free_symbols, node_count, substitute
from .expr.parse import MAX_NODES, parse
from .expr.visitor import Visitor
from .model import (
    ALGORITHMS,
    ARCHITECTURES,
    BOUND_KINDS,
    CONFIDENCE_LEVELS,
    COUNTS,
    GUARANTEES,
    QUANTITIES,
    TRAINED_LAYERS,
    Bound,
    Condition,
    Constant,
    Entry,
    Paper,
    Parameter,
    Relation,
    Size,
)
from .symbols import shared_symbols

PAPER_KEYS = {"key": True, "authors": True, "title": True, "year": True, "arxiv": True,
              "arxiv_version": True, "venue": False, "sources": False}
THEOREM_KEYS = {"slug": True, "label": True, "summary": True, "confidence": True,
                "confidence_source": False, "quote": True, "setting": True, "parameters": False,
                "constants": False, "width": True, "iterations": False, "step_size": False,
                "probability": False, "hides": False, "notes": False, "disagreements": False,
                "conditions": False, "guarantee": False, "guarantee_note": False, "disputed": False,
                "version": False, "venue": False, "size": False}
SETTING_KEYS = {"architecture": True, "activation": True, "algorithm": True, "depth": False,
                "trained": False, "init": False, "parametrization": False, "loss": False,
                "batch": False, "data": False, "output": False}
BOUND_KEYS = {"expr": False, "bound": True, "note": False, "confidence": False, "unknown_in": False,
              "counts": False}
SIZE_KEYS = {"neurons": False, "parameters": False, "trained_parameters": False, "trained": False, "note": False}
VERSION = re.compile(r"^v\d+$")
PARAMETER_KEYS = {"meaning": True, "maps_to": False, "relation": False, "kernel": False}
CONSTANT_KEYS = {"default": True, "meaning": True}
RELATION_KEYS = {"slug": True, "label": True, "symbol": True, "expr": True, "quote": True,
                 "confidence": True, "confidence_source": False, "notes": False, "kernel": False}
SLUG = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
#: A catalogue file is text written by hand: one megabyte is far more than any paper needs.
MAX_FILE_BYTES = 1_000_000
#: Brackets nested deeper than this are refused before the TOML parser recurses into them.
MAX_TOML_NESTING = 100
ARXIV = re.compile(r"^\d{4}\.\d{4,5}$")


class LineLocator:
    """Maps a dotted TOML key path to the line where it is written (best effort)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")

    def __init__(self, text: str):
        self.lines: dict[tuple, int] = {}
        counters: dict[str, int] = {}
        current: tuple = ()
        in_multiline: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_multiline:
                if in_multiline in line:
                    in_multiline = None
                continue
            header = self._HEADER.match(line)
            if header:
                brackets, dotted = header.groups()
                parts = dotted.split(".")
                if brackets == "[[":
                    index = counters.get(dotted, -1) + 1
                    counters[dotted] = index
                    current = (*self._resolve(parts[:-1], counters), parts[-1], index)
                else:
                    current = tuple(self._resolve(parts, counters))
                self.lines.setdefault(current, number)
                continue
            key = self._KEY.match(line)
            if key:
                self.lines.setdefault((*current, key.group(1)), number)
                rest = line[key.end():]
                for quote in ('"""', "'''"):
                    if rest.count(quote) == 1:
                        in_multiline = quote

    @staticmethod
    def _resolve(parts: list[str], counters: dict[str, int]) -> list:
        resolved: list = []
        for i, part in enumerate(parts):
            resolved.append(part)
            prefix = ".".join(parts[: i + 1])
            if prefix in counters:
                resolved.append(counters[prefix])
        return resolved

    def find(self, path: tuple) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


def dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class _Context:
    path: str
    locator: LineLocator

    def fail(self, where: tuple, message: str) -> CatalogError:
        return CatalogError(self.path, self.locator.find(where), dotted(where), message)

    def table(self, value: Any, where: tuple, keys: Mapping[str, bool]) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a table")
        for key in value:
            if key not in keys:
                known = ", ".join(sorted(keys))
                raise self.fail((*where, key), f"unknown field {key!r} (allowed: {known})")
        for key, required in keys.items():
            if required and key not in value:
                raise self.fail(where, f"missing required field {key!r}")
        return value

    def string(self, value: Any, where: tuple, choices: Iterable[str] | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "must be a non-empty string")
        if choices is not None and value not in choices:
            raise self.fail(where, f"{value!r} is not one of {', '.join(choices)}")
        return value.strip()

    def expression(self, text: Any, where: tuple, symbols: Iterable[str]) -> Node:
        text = self.string(text, where)
        try:
            return parse(text, set(symbols))
        except ExpressionError as exc:
            raise self.fail(where, str(exc)) from None


def load_file(path: Path | str) -> tuple[list[Entry], list[Relation]]:
    """Parse one catalogue file into its theorems and relations."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CatalogError(str(path), None, None,
                               f"file is {size} bytes; a catalogue file may have at most {MAX_FILE_BYTES}")
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CatalogError(str(path), line, None, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})") from None
    except OSError as exc:
        raise CatalogError(str(path), None, None, f"cannot read file: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise CatalogError(str(path), None, None, f"a catalogue file may have at most {MAX_FILE_BYTES} bytes")
    return load_text(text, str(path))


def load_text(text: str, name: str = "<string>") -> tuple[list[Entry], list[Relation]]:
    """Parse catalogue TOML given as text; `name` is used in error messages.

    The entries come bound to the file's own relations (see ``Entry.catalog_relations``);
    read files through :func:`bounds.load_catalog` to evaluate them with the built-in ones too.
    """
    if not isinstance(text, str):
        raise CatalogError(name, None, None, f"catalogue text must be a string, got {type(text).__name__}")
    text = text.removeprefix("\ufeff")  # a byte-order mark some editors write
    deep = _too_deep(text)
    if deep is not None:
        raise CatalogError(name, deep, None, f"invalid TOML: brackets nested more than {MAX_TOML_NESTING} deep")
    try:
        data = loads_toml(text)
    except RecursionError:
        raise CatalogError(name, None, None, "invalid TOML: nested too deeply") from None
    except TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc), text)
        message = getattr(exc, "msg", None) or str(exc)
        raise CatalogError(name, line, None, f"invalid TOML: {message}") from None
    ctx = _Context(name, LineLocator(text))
    ctx.table(data, (), {"paper": True, "theorem": False, "relation": False})
    paper = _paper(ctx, data["paper"])
    theorems = data.get("theorem", [])
    relations = data.get("relation", [])
    if not isinstance(theorems, list) or not isinstance(relations, list):
        raise ctx.fail(("theorem",), "use [[theorem]] and [[relation]] array tables")
    if not theorems and not relations:
        raise ctx.fail(("paper",), "file defines no [[theorem]] and no [[relation]]")
    entries = [_theorem(ctx, paper, raw, i) for i, raw in enumerate(theorems)]
    rels = [_relation(ctx, paper, raw, i) for i, raw in enumerate(relations)]
    # A file read alone is its own catalogue: its entries resolve parameters through its relations
    # (a Catalog rebinds them to all the relations it holds).
    own = tuple(rels)
    return [replace(entry, catalog_relations=own) for entry in entries], rels


# What the nesting scan skips (strings and comments, whose brackets do not nest) and what it counts.
_NESTING_TOKENS = re.compile(
    r'"""(?:\\[\s\S]?|[^\\])*?(?:"""|\Z)'  # multi-line basic string (backslash escapes; one may end the text)
    r"|'''[\s\S]*?(?:'''|\Z)"  # multi-line literal string
    r'|"(?:\\[\s\S]?|[^"\\\n])*(?:"|(?=\n)|\Z)'  # basic string, ends at its quote or the line's end
    r"|'[^'\n]*(?:'|(?=\n)|\Z)"  # literal string
    r"|#[^\n]*"  # comment
    r"|[\[\]{}\n]"
)


def _too_deep(text: str) -> int | None:
    """The line where arrays or inline tables nest deeper than MAX_TOML_NESTING, if any.

    A cheap scan (one regular expression; the loop sees only brackets, newlines, strings and
    comments) that skips strings and comments; table headers ([x], [[x]]) do not nest.
    """
    depth, line = 0, 1
    for match in _NESTING_TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_TOML_NESTING:
                return line
        elif token in ("]", "}"):
            depth = max(0, depth - 1)
        elif token == "\n":
            line += 1
        else:
            line += token.count("\n")
    return None


def _line_from_message(message: str, text: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    if match:
        return int(match.group(1))
    if "end of document" in message:
        return max(1, len(text.splitlines()))
    return None


def _paper(ctx: _Context, raw: Any) -> Paper:
    where = ("paper",)
    ctx.table(raw, where, PAPER_KEYS)
    key = ctx.string(raw["key"], (*where, "key"))
    if not SLUG.match(key):
        raise ctx.fail((*where, "key"), f"{key!r} must be lower-case letters, digits, '-' and '.'")
    authors = raw["authors"]
    if not isinstance(authors, list) or not authors or not all(isinstance(a, str) for a in authors):
        raise ctx.fail((*where, "authors"), "must be a non-empty list of names")
    year = raw["year"]
    if not isinstance(year, int) or not 1950 <= year <= 2100:
        raise ctx.fail((*where, "year"), "must be a year")
    arxiv = ctx.string(raw["arxiv"], (*where, "arxiv"))
    if not ARXIV.match(arxiv):
        raise ctx.fail((*where, "arxiv"), f"{arxiv!r} is not an arXiv id like 1811.03962")
    version = ctx.string(raw["arxiv_version"], (*where, "arxiv_version"))
    if not re.match(r"^v\d+$", version):
        raise ctx.fail((*where, "arxiv_version"), f"{version!r} must look like v2")
    sources = raw.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise ctx.fail((*where, "sources"), "must be a list of strings")
    return Paper(
        key=key,
        authors=tuple(authors),
        title=ctx.string(raw["title"], (*where, "title")),
        year=year,
        arxiv=arxiv,
        arxiv_version=version,
        venue=raw.get("venue", ""),
        sources=tuple(sources),
        path=ctx.path,
    )


def _confidence(ctx: _Context, raw: dict, where: tuple) -> tuple[str, str]:
    level = ctx.string(raw["confidence"], (*where, "confidence"), CONFIDENCE_LEVELS)
    source = raw.get("confidence_source", "")
    if level == "secondary" and not (isinstance(source, str) and source.strip()):
        raise ctx.fail((*where, "confidence"), "a 'secondary' entry must name the restating paper in confidence_source")
    return level, source.strip() if isinstance(source, str) else ""


def _theorem(ctx: _Context, paper: Paper, raw: Any, index: int) -> Entry:
    where = ("theorem", index)
    ctx.table(raw, where, THEOREM_KEYS)
    slug = ctx.string(raw["slug"], (*where, "slug"))
    if not SLUG.match(slug):
        raise ctx.fail((*where, "slug"), f"{slug!r} must be lower-case letters, digits, '-' and '.'")
    confidence, confidence_source = _confidence(ctx, raw, where)
    setting = _setting(ctx, raw, where)

    shared = shared_symbols()
    constants = _constants(ctx, raw.get("constants", {}), (*where, "constants"))
    parameters = _parameters(ctx, raw.get("parameters", {}), (*where, "parameters"), constants)
    paper_symbols = set(shared) | set(parameters) | set(constants)
    mapping = {name: p.maps_to for name, p in parameters.items() if p.maps_to is not None}

    bounds, unstated, counts = _bounds(ctx, raw, where, paper_symbols, mapping, constants)

    conditions = tuple(
        _condition(ctx, text, (*where, "conditions"), paper_symbols, mapping)
        for text in _string_list(ctx, raw.get("conditions", []), (*where, "conditions"))
    )
    extra_text = {key: raw.get(key, "") for key in ("probability", "hides", "notes", "disagreements",
                                                    "guarantee_note", "disputed", "venue")}
    for key, value in extra_text.items():
        if not isinstance(value, str):
            raise ctx.fail((*where, key), "must be a string")
    return Entry(
        id=f"{paper.key}/{slug}",
        paper=paper,
        label=ctx.string(raw["label"], (*where, "label")),
        summary=ctx.string(raw["summary"], (*where, "summary")),
        confidence=confidence,
        confidence_source=confidence_source,
        quote=ctx.string(raw["quote"], (*where, "quote")),
        setting=dict(setting),
        parameters=parameters,
        constants=constants,
        bounds=bounds,
        conditions=conditions,
        unstated=tuple(unstated),
        line=ctx.locator.find(where),
        guarantee=(ctx.string(raw["guarantee"], (*where, "guarantee"), GUARANTEES)
                   if "guarantee" in raw else "squared-loss"),
        version=_version(ctx, raw, where),
        size=_size(ctx, raw.get("size"), (*where, "size"), set(shared) | set(constants)),
        counts=counts,
        **{key: value.strip() for key, value in extra_text.items()},
    )


def _setting(ctx: _Context, raw: dict, where: tuple) -> dict:
    """The theorem's [setting] table: every value a string, architecture and algorithm from the known lists."""
    setting = ctx.table(raw["setting"], (*where, "setting"), SETTING_KEYS)
    for key, value in setting.items():
        ctx.string(value, (*where, "setting", key))
    ctx.string(setting["architecture"], (*where, "setting", "architecture"), ARCHITECTURES)
    ctx.string(setting["algorithm"], (*where, "setting", "algorithm"), ALGORITHMS)
    return setting


def _bounds(ctx: _Context, raw: dict, where: tuple, paper_symbols: set[str], mapping: dict,
            constants: dict) -> tuple[dict[str, Bound], list[str], str]:
    """The theorem's bound tables in QUANTITIES order: the stated bounds, the quantities marked unstated, and what
    the width bound counts ("width" unless its table says `counts`)."""
    bounds: dict[str, Bound] = {}
    unstated: list[str] = []
    counts = "width"
    for quantity in QUANTITIES:
        if quantity not in raw:
            continue
        bwhere = (*where, quantity)
        spec = ctx.table(raw[quantity], bwhere, BOUND_KEYS)
        kind = ctx.string(spec["bound"], (*bwhere, "bound"), BOUND_KINDS)
        note = spec.get("note", "")
        if not isinstance(note, str):
            raise ctx.fail((*bwhere, "note"), "must be a string")
        if "counts" in spec:
            if quantity != "width":
                raise ctx.fail((*bwhere, "counts"), "only a width bound counts neurons or parameters")
            counts = ctx.string(spec["counts"], (*bwhere, "counts"), COUNTS)
        if kind == "unstated":
            if "expr" in spec:
                raise ctx.fail((*bwhere, "expr"), "an 'unstated' bound has no expression; explain in note")
            unstated.append(quantity)
            continue
        bounds[quantity] = _bound(ctx, quantity, spec, bwhere, paper_symbols, mapping, constants,
                                  has_width="width" in bounds, kind=kind, note=note,
                                  counts=counts if quantity == "width" else "width")
    return bounds, unstated, counts


def _bound(ctx: _Context, quantity: str, spec: dict, bwhere: tuple, paper_symbols: set[str], mapping: dict,
           constants: dict, *, has_width: bool, kind: str, note: str, counts: str) -> Bound:
    """One stated bound: its expression parsed in the paper's symbols, rewritten through the parameters' maps_to,
    and refused where it is too large, depends on m wrongly, or can never be a positive requirement."""
    if "expr" not in spec:
        raise ctx.fail(
            bwhere, "missing required field 'expr' (use bound = \"unstated\" if the paper gives no formula)"
        )
    paper_expr = ctx.expression(spec["expr"], (*bwhere, "expr"), paper_symbols)
    bound_confidence = (ctx.string(spec["confidence"], (*bwhere, "confidence"), CONFIDENCE_LEVELS)
                        if "confidence" in spec else "")
    expr = substitute(paper_expr, mapping)
    if node_count(expr, MAX_NODES) > MAX_NODES:
        raise ctx.fail((*bwhere, "expr"), f"too large after substituting the parameters' maps_to "
                                          f"(more than {MAX_NODES} nodes)")
    if quantity == "width" and "m" in free_symbols(expr) and not _m_only_in_logs(expr):
        raise ctx.fail((*bwhere, "expr"), "the width may depend on m only through log(...) factors")
    if quantity != "width" and "m" in free_symbols(expr) and not has_width:
        raise ctx.fail((*bwhere, "expr"), "depends on the width m, but the theorem states no width")
    unknown_in = tuple(_string_list(ctx, spec.get("unknown_in", []), (*bwhere, "unknown_in")))
    shared = shared_symbols()
    for name in unknown_in:
        if name not in shared or name in free_symbols(expr):
            raise ctx.fail((*bwhere, "unknown_in"),
                           f"{name!r} must be a shared symbol that the expression does not contain")
    reason = _never_positive(expr, constants)
    if reason:
        raise ctx.fail(
            (*bwhere, "expr"), f"{spec['expr'].strip()!r} {reason}: a requirement must be a positive number"
        )
    return Bound(quantity, spec["expr"].strip(), paper_expr, expr, kind, note, bound_confidence,
                 unknown_in, counts)


def _version(ctx: _Context, raw: dict, where: tuple) -> str:
    if "version" not in raw:
        return ""
    version = ctx.string(raw["version"], (*where, "version"))
    if not VERSION.match(version):
        raise ctx.fail((*where, "version"), f"{version!r} must be an arXiv version like 'v1'")
    return version


def _size(ctx: _Context, raw: Any, where: tuple, symbols: set[str]) -> Size | None:
    """The optional [theorem.size] table: neurons / parameters / trained parameters as functions of m."""
    if raw is None:
        return None
    ctx.table(raw, where, SIZE_KEYS)
    nodes: dict[str, Node] = {}
    texts: dict[str, str] = {}
    for key in ("neurons", "parameters", "trained_parameters"):
        if key in raw:
            text = ctx.string(raw[key], (*where, key))
            if text == "unknown":  # the network's shape is not known well enough to count it
                texts[key.replace("_", "-")] = text
                continue
            node = ctx.expression(text, (*where, key), symbols | {"m"})
            if "m" not in free_symbols(node):
                raise ctx.fail((*where, key), "must be an expression in the width m (and d, L, k)")
            nodes[key], texts[key.replace("_", "-")] = node, text
    trained = ctx.string(raw["trained"], (*where, "trained"), TRAINED_LAYERS) if "trained" in raw else ""
    note = ctx.string(raw["note"], (*where, "note")) if "note" in raw else ""
    return Size(nodes.get("neurons"), nodes.get("parameters"), nodes.get("trained_parameters"), texts, trained, note)


def _string_list(ctx: _Context, value: Any, where: tuple) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ctx.fail(where, "must be a list of strings")
    return value


def _constants(ctx: _Context, raw: Any, where: tuple) -> dict[str, Constant]:
    ctx.table(raw, where, {name: False for name in raw} if isinstance(raw, dict) else {})
    shared = shared_symbols()
    constants = {}
    for name, spec in raw.items():
        cwhere = (*where, name)
        if name in shared or name.startswith("C_") or not (name.isascii() and name.isidentifier()):
            raise ctx.fail(
                cwhere, f"{name!r} cannot name a constant (shared symbol, reserved C_ prefix or not an identifier)"
            )
        ctx.table(spec, cwhere, CONSTANT_KEYS)
        default = spec["default"]
        if isinstance(default, bool) or not isinstance(default, (int, float)) or not default > 0:
            raise ctx.fail((*cwhere, "default"), "must be a positive number")
        constants[name] = Constant(name, float(default), ctx.string(spec["meaning"], (*cwhere, "meaning")))
    return constants


def _parameters(ctx: _Context, raw: Any, where: tuple, constants: Mapping[str, Constant]) -> dict[str, Parameter]:
    ctx.table(raw, where, {name: False for name in raw} if isinstance(raw, dict) else {})
    shared = shared_symbols()
    parameters = {}
    for name, spec in raw.items():
        pwhere = (*where, name)
        if not (name.isascii() and name.isidentifier()) or name in constants:
            raise ctx.fail(pwhere, f"{name!r} is not a valid parameter name (ASCII letters, digits and _, "
                                   "not a constant's name)")
        ctx.table(spec, pwhere, PARAMETER_KEYS)
        meaning = ctx.string(spec["meaning"], (*pwhere, "meaning"))
        maps_to = None
        text = ""
        if "maps_to" in spec:
            text = ctx.string(spec["maps_to"], (*pwhere, "maps_to"))
            maps_to = ctx.expression(text, (*pwhere, "maps_to"), set(shared) | set(constants))
        elif name not in shared:
            raise ctx.fail(
                pwhere, f"{name!r} is not a shared symbol, so it needs maps_to (an expression in {', '.join(shared)})"
            )
        relation = spec.get("relation", "")
        if relation and not isinstance(relation, str):
            raise ctx.fail((*pwhere, "relation"), "must be a relation id")
        kernel = ctx.string(spec["kernel"], (*pwhere, "kernel")) if "kernel" in spec else ""
        parameters[name] = Parameter(name, meaning, maps_to, text, relation, kernel)
    return parameters


def _condition(ctx: _Context, text: str, where: tuple, symbols: set[str], mapping: Mapping[str, Node]) -> Condition:
    parts = re.split(r"(<=|>=|<|>)", text)
    if len(parts) != 3:
        raise ctx.fail(where, f"condition {text!r} must be one comparison like 'delta <= 1/L'")
    lhs = substitute(ctx.expression(parts[0], where, symbols), mapping)
    rhs = substitute(ctx.expression(parts[2], where, symbols), mapping)
    return Condition(text, lhs, parts[1], rhs)


def _relation(ctx: _Context, paper: Paper, raw: Any, index: int) -> Relation:
    where = ("relation", index)
    ctx.table(raw, where, RELATION_KEYS)
    shared = shared_symbols()
    symbol = ctx.string(raw["symbol"], (*where, "symbol"), list(shared))
    if shared[symbol].regime in ("large", "solved"):
        raise ctx.fail((*where, "symbol"), f"a relation cannot define {symbol}: sizes ({symbol} = "
                                           f"{shared[symbol].meaning}) are given, never derived")
    text = ctx.string(raw["expr"], (*where, "expr"))
    expr = ctx.expression(text, (*where, "expr"), set(shared) - {symbol, "m"})
    confidence, source = _confidence(ctx, raw, where)
    if symbol == "lambda_0" and "kernel" not in raw:
        raise ctx.fail(where, "a relation for lambda_0 must name its kernel (kernel = \"relu-H-inf\", ...): "
                              "it applies only to entries whose lambda_0 is that kernel's eigenvalue")
    return Relation(
        id=f"{paper.key}/{ctx.string(raw['slug'], (*where, 'slug'))}",
        symbol=symbol,
        expr=expr,
        text=text,
        label=ctx.string(raw["label"], (*where, "label")),
        quote=ctx.string(raw["quote"], (*where, "quote")),
        confidence=confidence,
        source=source,
        paper=paper,
        notes=raw.get("notes", "") if isinstance(raw.get("notes", ""), str) else "",
        kernel=ctx.string(raw["kernel"], (*where, "kernel")) if "kernel" in raw else "",
        line=ctx.locator.find(where),
    )


class _MOnlyInLogs(Visitor[bool]):
    """Whether every occurrence of the width m under a node sits inside a log(...)."""

    def _visit_Num(self, node: Num) -> bool:
        return True

    def _visit_Sym(self, node: Sym) -> bool:
        return node.name != "m"

    def _all(self, parts: tuple[Node, ...]) -> bool:
        return all(self.visit(part) for part in parts)

    def _visit_Add(self, node: Add) -> bool:
        return self._all(node.terms)

    def _visit_Mul(self, node: Mul) -> bool:
        return self._all(node.factors)

    def _visit_Pow(self, node: Pow) -> bool:
        return self.visit(node.base) and self.visit(node.exponent)

    def _visit_Call(self, node: Call) -> bool:
        return node.func == "log" or self._all(node.args)


def _m_only_in_logs(node: Node) -> bool:
    """True when every occurrence of m sits inside a log(...)."""
    return _MOnlyInLogs().visit(node)


#: Points at which a bound must be positive at least once (defaults for everything else).
_REFERENCE_POINTS = (
    {"n": 1000.0, "L": 10.0, "lambda_0": 1e-3, "m": 1e6},
    {"n": 1e6, "L": 2.0, "lambda_0": 1e-6, "m": 1e12, "eps": 1e-6, "delta": 1e-3},
    {"n": 10.0, "L": 1.0, "lambda_0": 0.1, "m": 100.0, "eps": 0.1, "delta": 0.5, "gamma": 0.5},
)


def _never_positive(expr: Node, constants: Mapping[str, Constant]) -> str:
    """Why `expr` is no requirement ("is zero", "is undefined or not positive"), or ''.

    A bound like 0, -n^2, sqrt(-n), 1/(n-n) or n*log(0) has no positive value at any of a few
    reference points; the catalogue refuses it rather than print a table of blanks.
    """
    import mpmath

    from .expr.logspace import evaluate_mpmath, out_of_range

    shared = shared_symbols()
    names = free_symbols(expr)
    for point in _REFERENCE_POINTS:
        values: dict[str, float] = {}
        for name in names:
            if name in point:
                values[name] = point[name]
            elif name in constants:
                values[name] = constants[name].default
            elif name in shared and shared[name].default is not None:
                values[name] = float(shared[name].default)
            else:
                values[name] = 1.0
        value = evaluate_mpmath(expr, values)
        if (not mpmath.isnan(value) and value > 0) or out_of_range(expr, values):
            return ""
    if not names and not mpmath.isnan(value):
        return "is the constant " + mpmath.nstr(value, 6, strip_zeros=True).removesuffix(".0")
    return "is undefined or not positive at every reference point (n = 10, 1000, 10^6)"
