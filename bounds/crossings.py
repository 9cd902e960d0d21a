"""Where one bound falls below another as one parameter varies, the others fixed.

The difference of the two log10 bounds is scanned on a dense logarithmic grid (compiled,
vectorised), every sign change is bracketed, and each bracket is refined by bisection.
Only genuine sign changes are reported: two bounds that touch without crossing, or that
coincide, produce none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .comparison import split_constants
from .errors import ParameterError, argument
from .evaluate import compile_entry, validate_params
from .numbers import fmt, log10_of
from .registry import Catalog, load_catalog
from .symbols import shared_symbols

GRID_POINTS = 4001
BISECTION_STEPS = 200
DEFAULT_RANGES = {"n": (1.0, 1e12), "L": (1.0, 1e4), "d": (1.0, 1e9), "B": (1.0, 1e9), "k": (1.0, 1e6)}


@dataclass(frozen=True)
class Crossover:
    """One sign change of log10 A - log10 B in the varied parameter."""

    variable: str
    at: float  # the real-valued crossing point
    first_integer: int | None  # first whole value past the crossing, for integer parameters
    smaller_before: str  # id of the smaller bound just below `at`
    smaller_after: str  # id of the smaller bound just above `at`
    quantity: str
    log10_value: float  # log10 of both bounds at the crossing
    at_log10: float | None = None  # log10 of `at` (`at` itself is inf beyond float range)

    def to_dict(self) -> dict:
        out = asdict(self)
        if not math.isfinite(self.at):
            out["at"] = None  # beyond float range: see at_log10
        return out

    def sentence(self) -> str:
        where = (f"{self.variable} = {self.at:.6g}" if math.isfinite(self.at) or self.at_log10 is None
                 else f"{self.variable} = 10^{self.at_log10:.4f}")
        if self.first_integer is not None:
            where += f" (from {self.variable} = {self.first_integer} on)"
        return (f"{self.quantity}: {self.smaller_after} falls below {self.smaller_before} at {where}; "
                f"both ~ 10^{self.log10_value:.2f} there")


def default_range(variable: str) -> tuple[float, float]:
    """Sizes from 1 to a large value; accuracies and margins from 1e-30 to the top of their domain."""
    if variable in DEFAULT_RANGES:
        return DEFAULT_RANGES[variable]
    info = shared_symbols()[variable]
    high = info.high if math.isfinite(info.high) else 1e12
    return (max(info.low, 1e-30), high * (1 - 1e-9) if info.open else high)


def searched_range(vary: str, lo=None, hi=None) -> tuple:
    """The range [lo, hi] a crossover search covers (defaults filled in, both checked).

    `lo` and `hi` may be numbers or decimal text; infinity and NaN are refused, naming
    --from/--to on the command line and lo/hi in the API.
    """
    shared = shared_symbols()
    if not isinstance(vary, str) or vary not in shared or shared[vary].regime == "solved":
        raise ParameterError(f"cannot vary {vary!r}; choose a shared symbol such as n or L")
    default_lo, default_hi = default_range(vary)
    info = shared[vary]
    lo = default_lo if lo is None else info.check(lo, argument("--from", "lo"))
    hi = default_hi if hi is None else info.check(hi, argument("--to", "hi"))
    if not lo < hi:
        raise ParameterError(
            f"{argument('--from', 'lo')} ({fmt(lo)}) must be below {argument('--to', 'hi')} ({fmt(hi)})"
        )
    return lo, hi


def crossover(
    a: str,
    b: str,
    *,
    vary: str = "n",
    quantity: str = "width",
    lo: float | None = None,
    hi: float | None = None,
    constants: Mapping[str, float] | None = None,
    catalog_paths: Iterable[Path | str] = (),
    catalog: Catalog | None = None,
    **params: float | None,
) -> list[Crossover]:
    """Every crossing of bounds `a` and `b` for `vary` in [lo, hi], other parameters fixed.

    Without `lo`/`hi` the search covers :func:`default_range`; :func:`searched_range` says
    which range that is.  The grid is logarithmic, so hi = 1e400 is as cheap as hi = 1e4.
    """
    from .comparison import _catalog_argument, _id_argument

    catalog = catalog or load_catalog(_catalog_argument(catalog_paths))
    entry_a, entry_b = catalog.get(_id_argument(a, "a")), catalog.get(_id_argument(b, "b"))
    lo, hi = searched_range(vary, lo, hi)
    info = shared_symbols()[vary]
    if quantity not in ("width", "iterations", "step_size"):
        raise ParameterError(f"quantity must be width, iterations or step_size, got {quantity!r}")
    for entry in (entry_a, entry_b):
        if quantity not in entry.bounds:
            raise ParameterError(f"{entry.id} states no {quantity.replace('_', ' ')} bound")
    params = {k: v for k, v in params.items() if v is not None and k != vary}
    params = validate_params(params)
    fa = compile_entry(entry_a, [vary], params, split_constants(constants, entry_a), catalog.relations)
    fb = compile_entry(entry_b, [vary], params, split_constants(constants, entry_b), catalog.relations)

    def gap(log_x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        va = fa(**{vary: log_x})[quantity]
        vb = fb(**{vary: log_x})[quantity]
        return np.broadcast_to(va - vb, log_x.shape), np.broadcast_to(va, log_x.shape)

    grid = np.linspace(log10_of(lo), log10_of(hi), GRID_POINTS)
    diff, _ = gap(grid)
    sign = np.sign(diff)
    crossings = []
    valid = np.isfinite(diff)
    index = np.flatnonzero(valid[:-1] & valid[1:] & (sign[:-1] * sign[1:] < 0))
    exact = np.flatnonzero(valid & (sign == 0))
    brackets = [(grid[i], grid[i + 1]) for i in index]
    for i in exact:  # an exact zero on the grid: bracket it with its neighbours if they differ in sign
        if 0 < i < len(grid) - 1 and sign[i - 1] * sign[i + 1] < 0:
            brackets.append((grid[i - 1], grid[i + 1]))
    for left, right in sorted(set(brackets)):
        root = _bisect(gap, left, right)
        x = 10.0 ** root if root < 308 else math.inf
        _, value = gap(np.array([root]))
        before, after = (a, b) if _sign_at(gap, left) < 0 else (b, a)
        first_integer = None
        if info.integer and math.isfinite(x) and x < 1e15:
            first_integer = _first_integer_after(gap, x, _sign_at(gap, right))
        crossings.append(Crossover(vary, float(x), first_integer, before, after, quantity, float(value[0]),
                                   float(root)))
    return crossings


def _sign_at(gap, log_x: float) -> float:
    diff, _ = gap(np.array([log_x]))
    return float(np.sign(diff[0]))


def _bisect(gap, left: float, right: float) -> float:
    """Root of the gap in log10 x, to about 1e-13 relative."""
    sign_left = _sign_at(gap, left)
    for _ in range(BISECTION_STEPS):
        middle = 0.5 * (left + right)
        if middle in (left, right):
            break
        s = _sign_at(gap, middle)
        if s == 0:
            return middle
        if s == sign_left:
            left = middle
        else:
            right = middle
    return 0.5 * (left + right)


def _first_integer_after(gap, x: float, sign_after: float) -> int | None:
    """The first whole number at or past `x` where the new ordering holds."""
    candidate = math.ceil(x)
    for step in range(4):
        if _sign_at(gap, math.log10(candidate + step)) == sign_after:
            return candidate + step
    return None
