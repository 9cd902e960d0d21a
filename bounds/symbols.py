"""The shared symbol table (``bounds/symbols.toml``): meaning, domain and default of each symbol."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ._toml import load_toml
from .errors import ParameterError, argument

SYMBOLS_FILE = Path(__file__).with_name("symbols.toml")


@dataclass(frozen=True)
class SymbolInfo:
    """One shared symbol: what it means, where it lives, and how a user sets it."""

    name: str
    meaning: str
    regime: str  # "large", "small" or "solved"
    flag: str
    low: float
    high: float
    open: bool = False
    integer: bool = False
    default: float | None = None
    latex: str = ""

    @property
    def small(self) -> bool:
        """True when the interesting limit is x -> 0 (exponents are reported in 1/x)."""
        return self.regime == "small"

    def check(self, value, label: str | None = None):
        """Return `value` if it lies in the symbol's domain, else raise a ParameterError.

        `value` may be decimal text, an int, float, Fraction or mpmath number; values beyond
        float range come back as mpmath numbers (see :mod:`bounds.numbers`), infinity and NaN
        are refused.  `label` names the setting in messages (default: the flag on the command
        line, the symbol's name in the API).
        """
        from .numbers import fmt, number

        label = label or argument(self.flag, self.name)
        value = number(value, label)
        inside = (self.low < value < self.high) if self.open else (self.low <= value <= self.high)
        if not inside:
            left, right = ("(", ")") if self.open else ("[", "]")
            high = "inf" if math.isinf(self.high) else f"{self.high:g}"
            given = f"{label}{' ' if label.startswith('-') else '='}{fmt(value)}"
            raise ParameterError(f"{given} is outside {left}{self.low:g}, {high}{right} ({self.meaning})")
        if self.integer and value < 1e15 and not float(value).is_integer():
            raise ParameterError(f"{label} must be a whole number ({self.meaning}), got {fmt(value)}")
        return value


@lru_cache(maxsize=1)
def shared_symbols() -> dict[str, SymbolInfo]:
    """The shared symbol table, keyed by symbol name."""
    table = load_toml(SYMBOLS_FILE)
    symbols = {}
    for name, spec in table.items():
        low, high = spec.get("domain", [-math.inf, math.inf])
        symbols[name] = SymbolInfo(
            name=name,
            meaning=spec["meaning"],
            regime=spec["regime"],
            flag=spec.get("flag", f"--{name}"),
            low=float(low),
            high=float(high),
            open=bool(spec.get("open", False)),
            integer=bool(spec.get("integer", False)),
            default=spec.get("default"),
            latex=spec.get("latex", name),
        )
    return symbols
