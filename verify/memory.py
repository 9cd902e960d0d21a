"""Memory estimates made before anything is allocated, and the budget they are checked against.

A width requirement of 10^40 must be refused with a number, not with a MemoryError halfway
through an allocation.  Estimates are computed in log10 (so that m = 10^400 is fine) from
the arrays each trainer actually holds; they are upper estimates within a small factor.
"""

from __future__ import annotations

import math
import os
import re

from .errors import MemoryBudgetError, VerifyError

__all__ = ["available_bytes", "default_budget", "parse_size", "format_bytes", "check_budget",
           "training_bytes_log10", "training_bytes", "largest_feasible_width", "itemsize"]

_UNITS = {"": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def available_bytes() -> float:
    """Memory available to a new allocation (MemAvailable on Linux), or total RAM as a fallback."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - non-Linux
        pass
    try:  # pragma: no cover - non-Linux
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 4.0 * 2**30


def default_budget() -> float:
    """Half of the memory available now: room for the run and for everything else."""
    return 0.5 * available_bytes()


#: No machine has more memory than this (1 EiB); a larger budget is a typo, and would make the
#: search for the largest feasible width run without end.
MAX_BUDGET = float(2**60)


def parse_size(text: str | float | int) -> float:
    """'4GiB', '500MB', '2e9' -> bytes (positive, finite, at most MAX_BUDGET)."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    else:
        match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)\s*", str(text))
        if not match or match.group(2).lower() not in _UNITS:
            raise VerifyError(f"cannot read memory size {text!r} (examples: 4GiB, 500MB, 2e9)")
        value = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if not value > 0:
        raise VerifyError(f"a memory budget must be positive, got {text!r}")
    if not value <= MAX_BUDGET:
        raise VerifyError(f"a memory budget of {text} is more than any machine has (at most 1EiB)")
    return value


def format_bytes(count: float) -> str:
    """Human-readable size; astronomically large counts are written as powers of ten."""
    if count is None or math.isnan(count):
        return "an undefined amount of memory"
    if math.isinf(count):
        return "more bytes than a float can hold"
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= size:
            if count >= 2**40 * 1e4:
                return f"10^{math.log10(count):.1f} bytes"
            return f"{count / size:.3g} {unit}"
    return f"{count:.0f} bytes"


def check_budget(what: str, needed: float, budget: float | None = None, hint: str = "") -> None:
    """Raise :class:`MemoryBudgetError` if `needed` bytes exceed the budget (default: half of free RAM)."""
    budget = default_budget() if budget is None else budget
    if needed > budget:
        raise MemoryBudgetError(what, needed, budget, hint)


def itemsize(dtype: str) -> int:
    if dtype not in ("float32", "float64"):
        raise VerifyError(f"dtype must be float32 or float64, got {dtype!r}")
    return 4 if dtype == "float32" else 8


def _log10_sum(terms: list[float]) -> float:
    """log10(sum 10^t) without overflow."""
    top = max(terms)
    if math.isinf(top):
        return top
    return top + math.log10(sum(10 ** (t - top) for t in terms))


def training_bytes_log10(spec, n: int, d: int, width_log10: float, dtype: str = "float64", widths: int = 1) -> float:
    """log10 of the bytes a run of `spec` at width 10^width_log10 holds at its peak.

    Counts: weights, their initial copies and gradients (in `dtype`); the float64 copy made at
    initialisation; per hidden layer the pre-activations, derivatives and activation patterns of
    all n samples; and the n x n float64 kernels of the measurements.  ``widths`` batched blocks
    of similar width multiply the per-width part.
    """
    size = itemsize(dtype)
    lm = width_log10
    hidden = spec.depth
    terms = [math.log10(8 * 8.0 * n * n + 8.0 * (2 * hidden + 4) * n * n)]  # kernels and their terms
    per_width = [
        math.log10((3 * size + 16) * d) + lm,  # first layer: W, W0, gradient; float64 init and its concatenation
        math.log10((2 * hidden + 3) * size * n + hidden * n) + lm,  # activations, derivatives, patterns
        math.log10(4 * size + 8.0) + lm,  # output weights and per-neuron step sizes
    ]
    if hidden > 1:
        per_width.append(math.log10((3 * size + 8) * (hidden - 1)) + 2 * lm)
    terms.append(_log10_sum(per_width) + math.log10(widths))
    return _log10_sum(terms)


def training_bytes(spec, n: int, d: int, width: float, dtype: str = "float64", widths: int = 1) -> float:
    """Bytes (float; inf beyond the float range) of :func:`training_bytes_log10`."""
    lg = training_bytes_log10(spec, n, d, math.log10(width), dtype, widths)
    return math.inf if lg > 300 else 10**lg


def largest_feasible_width(spec, n: int, d: int, budget: float, dtype: str = "float64") -> int:
    """The largest width m whose run fits `budget` bytes (0 if none does)."""
    if training_bytes(spec, n, d, 1, dtype) > budget:
        return 0
    low, high = 1, 2
    while training_bytes(spec, n, d, high, dtype) <= budget and high < 2**62:
        low, high = high, high * 2
    while high - low > 1:
        mid = (low + high) // 2
        if training_bytes(spec, n, d, mid, dtype) <= budget:
            low = mid
        else:
            high = mid
    return low
