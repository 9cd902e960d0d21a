"""What a width bound counts, and how to put every bound in one unit.

Papers state their requirement as the width of each hidden layer, as the total number of
hidden neurons, or as the number of (trained) parameters.  Each entry says which
(``counts`` in ``[theorem.width]``); its network's size as a function of the width m comes
from ``[theorem.size]`` or, failing that, from the architecture:

=============  ==========  ============================  =========================================
architecture   neurons     parameters                    trained parameters
=============  ==========  ============================  =========================================
two-layer      m           (d + k) m                     by ``size.trained``: first d m, last k m
deep-fc        L m         d m + (L - 1) m^2 + k m       first d m, last k m, hidden (L - 1) m^2
resnet         L m         d m + (L - 1) m^2 + k m       as deep-fc
cnn, other     (none)      (none)                        (none)
=============  ==========  ============================  =========================================

(L = number of hidden layers, d = input dimension, k = output dimension; biases are not
counted.)  A bound in unit A becomes a bound in unit B through the width: m is the smallest
width whose count in unit A reaches the bound, and the result is that m counted in unit B.
Everything is computed in log10 with mpmath, so 10^400 parameters are ordinary.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from .expr.ir import Node, free_symbols
from .expr.parse import parse
from .model import COUNTS, Entry

UNIT_CHOICES = ("width", "neurons", "parameters", "trained-parameters")
UNIT_SHORT = {"width": "width", "neurons": "neurons", "parameters": "params", "trained-parameters": "trained params"}

_SYMBOLS = {"m", "d", "L", "k"}
_DEEP = {"neurons": "L * m", "parameters": "d * m + (L - 1) * m^2 + k * m"}
DEFAULT_SIZES = {
    "two-layer": {"neurons": "m", "parameters": "(d + k) * m"},
    "deep-fc": _DEEP,
    "resnet": _DEEP,
}
TRAINED_DEFAULTS = {
    "two-layer": {"first": "d * m", "last": "k * m", "first-and-last": "(d + k) * m"},
    "deep-fc": {"first": "d * m", "last": "k * m", "hidden": "(L - 1) * m^2", "first-and-last": "(d + k) * m"},
    "resnet": {"first": "d * m", "last": "k * m", "hidden": "(L - 1) * m^2", "first-and-last": "(d + k) * m"},
}


class NotConvertible(ValueError):
    """A bound that cannot be expressed in the requested unit; the message says why."""


@dataclass(frozen=True)
class SizeFormula:
    """The count of one unit as a function of the width m, with where the formula came from."""

    unit: str
    node: Node | None  # None for "width" itself
    text: str
    origin: str  # "identity", "entry" or "default for <architecture>"


def size_formula(entry: Entry, unit: str) -> SizeFormula:
    """The count in `unit` of the entry's network as a function of m; raises NotConvertible."""
    if unit not in COUNTS:
        raise ValueError(f"unknown unit {unit!r}; choose from {', '.join(COUNTS)}")
    if unit == "width":
        return SizeFormula(unit, None, "m", "identity")
    size = entry.size
    key = unit.replace("-", "_")
    if size is not None and (size.texts or {}).get(unit) == "unknown":
        raise NotConvertible(f"the entry's {unit} count is unknown" + (f": {size.note}" if size.note else ""))
    if size is not None and getattr(size, key) is not None:
        return SizeFormula(unit, getattr(size, key), size.texts[unit], "entry")
    arch = entry.architecture
    if unit == "trained-parameters":
        trained = size.trained if size is not None else ""
        if trained == "all" and size is not None and (size.texts or {}).get("parameters") == "unknown":
            raise NotConvertible("the entry's parameter count is unknown" + (f": {size.note}" if size.note else ""))
        if trained == "all" and (size is not None and size.parameters is not None):
            return SizeFormula(unit, size.parameters, size.texts["parameters"], "entry (all layers trained)")
        if trained == "all" and arch in DEFAULT_SIZES:
            text = DEFAULT_SIZES[arch]["parameters"]
            return SizeFormula(unit, _parse(text), text, f"default for {arch}, all layers trained")
        if not trained or trained == "unknown":
            raise NotConvertible("the entry does not say which layers are trained"
                                 + (" (its sources disagree)" if trained == "unknown" else ""))
        text = TRAINED_DEFAULTS.get(arch, {}).get(trained)
        if text is None:
            raise NotConvertible(f"no trained-parameter count for {trained!r} layers of a {arch!r} network")
        return SizeFormula(unit, _parse(text), text, f"default for {arch}, {trained} layer(s) trained")
    text = DEFAULT_SIZES.get(arch, {}).get(unit)
    if text is None:
        raise NotConvertible(f"no {unit} count for a {arch!r} network (the entry gives no [theorem.size])")
    return SizeFormula(unit, _parse(text), text, f"default for {arch}")


def _parse(text: str) -> Node:
    return parse(text, _SYMBOLS)


def _count_log10(formula: SizeFormula, m_log10: float, values: Mapping[str, float]) -> float:
    import mpmath

    from .expr.logspace import evaluate_mpmath

    if formula.node is None:
        return m_log10
    env = {name: mpmath.mpf(values[name]) for name in free_symbols(formula.node) - {"m"}}
    env["m"] = mpmath.power(10, mpmath.mpf(m_log10))
    value = evaluate_mpmath(formula.node, env)
    return float(mpmath.log10(value)) if value > 0 else -math.inf


def _width_for(formula: SizeFormula, count_log10: float, values: Mapping[str, float]) -> float:
    """log10 of the smallest m whose count in `formula`'s unit reaches 10**count_log10 (bisection)."""
    if formula.node is None:
        return count_log10
    hi = max(count_log10, 1.0)
    if _count_log10(formula, hi, values) < count_log10:
        raise NotConvertible(f"{formula.unit} = {formula.text} does not grow with m at this point")
    lo = min(count_log10, 0.0) - 1.0
    while _count_log10(formula, lo, values) > count_log10:
        lo -= max(1.0, abs(lo))
        if lo < -1e6:
            raise NotConvertible(f"{formula.unit} = {formula.text} cannot be inverted at this point")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _count_log10(formula, mid, values) >= count_log10:
            hi = mid
        else:
            lo = mid
        if hi - lo <= 1e-12 * max(1.0, abs(hi)):
            break
    return hi


@dataclass(frozen=True)
class Conversion:
    log10: float
    note: str  # "" when nothing was converted


def convert(entry: Entry, value_log10: float, unit: str, values: Mapping[str, float]) -> Conversion:
    """The entry's width bound (10**value_log10, in the entry's own unit) counted in `unit`.

    `values` holds d, L, k as needed.  Raises NotConvertible with the reason.
    """
    source = entry.counts
    if unit == source:
        return Conversion(value_log10, "")
    origin = size_formula(entry, source)
    target = size_formula(entry, unit)
    needed = set()
    for formula in (origin, target):
        if formula.node is not None:
            needed |= free_symbols(formula.node) - {"m"}
    missing = sorted(name for name in needed if values.get(name) is None)
    if missing:
        flags = ", ".join(f"--{name}" for name in missing)
        raise NotConvertible(f"converting {source} to {unit} needs {flags}")
    m_log10 = _width_for(origin, value_log10, values)
    result = _count_log10(target, m_log10, values)
    if not math.isfinite(result):
        raise NotConvertible(f"{unit} = {target.text} is not positive at this point")
    point = ", ".join(f"{name} = {values[name]:g}" for name in sorted(needed))
    parts = []
    if origin.node is not None:
        parts.append(f"{source} = {origin.text} [{origin.origin}] solved for m")
    if target.node is not None:
        parts.append(f"{unit} = {target.text} [{target.origin}]")
    note = f"converted from {source} to {unit}: " + "; ".join(parts) + (f" ({point})" if point else "")
    return Conversion(result, note)


def width_in_unit(entry: Entry, stated_log10: float | None, unit: str,
                  params: Mapping[str, float]) -> tuple[float | None, str]:
    """The entry's width bound, 10**stated_log10 in the entry's own unit (``entry.counts``), counted in `unit`,
    and a note on the conversion ("" when there was none) or on why there is none (then None).

    d, L and k come from `params` (the point the bound was evaluated at), else from the shared defaults
    (L has none).  This is what every consumer of a width bound should go through before comparing it
    with a network's width: a theorem that counts parameters (Oymak & Soltanolkotabi's sqrt(#params) >= n)
    or neurons (L m in a deep net) does not ask for that many units of width.
    """
    from .symbols import shared_symbols

    if unit == entry.counts:
        return stated_log10, ""
    if stated_log10 is None:
        return None, ""  # no width stated, or undefined at this point (the evaluation warns)
    table = shared_symbols()
    values = {name: params.get(name, table[name].default if name in table else None) for name in ("d", "L", "k")}
    try:
        done = convert(entry, stated_log10, unit, values)
    except NotConvertible as exc:
        return None, f"not converted from {entry.counts} to {unit}: {exc}"
    return done.log10, done.note
