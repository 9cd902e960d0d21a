"""Fit the empirical scaling m*(n) ~ C n^alpha, with a confidence interval for alpha.

Each n contributes one minimal width per seed.  The exponent is the least-squares slope of
log m* on log n over all (n, seed) points; its interval is a percentile bootstrap that
resamples seeds within each n (the seeds are the independent repetitions; the n values are
the design, so they are kept).  With a single seed per n the bootstrap has nothing to
resample, and the classical t interval of the slope is used instead; the result says which.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

BOOTSTRAP_SAMPLES = 4000


@dataclass(frozen=True)
class ExponentFit:
    """alpha and log10 C of m* ~ C n^alpha, with a (1 - level) interval for alpha."""

    exponent: float
    exponent_ci: tuple[float, float]
    log10_constant: float
    level: float
    method: str  # "bootstrap over seeds" or "t interval of the OLS slope"
    points: int

    def to_dict(self) -> dict:
        return {"exponent": self.exponent, "exponent_ci": list(self.exponent_ci), "log10_constant": self.log10_constant,
                "confidence_level": 1 - self.level, "ci_method": self.method, "points": self.points}


def _slope(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    xm, ym = x.mean(), y.mean()
    sxx = ((x - xm) ** 2).sum()
    slope = ((x - xm) * (y - ym)).sum() / sxx
    return float(slope), float(ym - slope * xm)


def fit_exponent(widths: Mapping[float, Sequence[float]], level: float = 0.05, seed: int = 0) -> ExponentFit:
    """Fit alpha from {n: [minimal width of each seed]}; needs at least two distinct n."""
    ns = sorted(n for n, values in widths.items() if len(values))
    if len(ns) < 2:
        raise ValueError("fitting an exponent needs minimal widths at two or more values of n")
    values = {n: np.asarray(widths[n], dtype=float) for n in ns}
    if any(not (np.all(np.isfinite(v)) and np.all(v > 0)) for v in values.values()):
        raise ValueError("minimal widths must be positive and finite")
    logs = {n: np.log10(v) for n, v in values.items()}
    x = np.concatenate([np.full(len(logs[n]), math.log10(n)) for n in ns])
    y = np.concatenate([logs[n] for n in ns])
    slope, intercept = _slope(x, y)
    replicated = any(len(logs[n]) > 1 for n in ns)
    if replicated:
        rng = np.random.default_rng(seed)
        # All resamples at once: row b holds one bootstrap data set (seeds resampled within each n).
        ys = np.concatenate([logs[n][rng.integers(0, len(logs[n]), size=(BOOTSTRAP_SAMPLES, len(logs[n])))]
                             for n in ns], axis=1)
        xc = x - x.mean()
        draws = (ys - ys.mean(axis=1, keepdims=True)) @ xc / (xc @ xc)
        low, high = np.quantile(draws, [level / 2, 1 - level / 2])
        method = "bootstrap over seeds"
    else:
        low, high = _t_interval(x, y, slope, intercept, level)
        method = "t interval of the OLS slope"
    return ExponentFit(slope, (float(low), float(high)), intercept, level, method, len(x))


@lru_cache(maxsize=64)
def t_quantile(probability: float, dof: int) -> float:
    """Quantile of Student's t distribution (mpmath, so SciPy is not needed)."""
    import mpmath

    if not 0.5 < probability < 1:
        raise ValueError("probability must lie in (0.5, 1)")

    def upper_tail(t):  # P(T > t) for t > 0
        return mpmath.betainc(dof / 2, 0.5, 0, dof / (dof + t * t), regularized=True) / 2

    low, high = 0.0, 1e7  # the upper tail decreases in t: bisect
    for _ in range(200):
        middle = (low + high) / 2
        if upper_tail(middle) > 1 - probability:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _t_interval(x, y, slope, intercept, level) -> tuple[float, float]:
    dof = len(x) - 2
    if dof < 1:
        return (-math.inf, math.inf)
    residual = y - (slope * x + intercept)
    se = math.sqrt((residual ** 2).sum() / dof / ((x - x.mean()) ** 2).sum())
    half = t_quantile(1 - level / 2, dof) * se
    return slope - half, slope + half


@dataclass(frozen=True)
class PowerLawFit:
    """m* ~ C prod_v v^alpha_v over several variables (n and L), each alpha with a (1 - level) interval."""

    exponents: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    log10_constant: float
    level: float
    method: str
    points: int

    def exponent_fit(self, name: str) -> ExponentFit:
        """The fit's view along one variable, in the one-variable form."""
        return ExponentFit(self.exponents[name], self.intervals[name], self.log10_constant, self.level, self.method,
                           self.points)


def fit_power_law(widths: Mapping[tuple[float, ...], Sequence[float]], names: Sequence[str], level: float = 0.05,
                  seed: int = 0) -> PowerLawFit:
    """Fit log m* = c + sum_v alpha_v log v by least squares over {(v_1, ..., v_k): [width of each seed]}.

    Intervals as for :func:`fit_exponent`: a percentile bootstrap resampling seeds within each
    design point, or t intervals when no point has two seeds.  Every variable needs at least
    two distinct values, and the design must determine every exponent.
    """
    cells = sorted(point for point, values in widths.items() if len(values))
    k = len(names)
    if any(len(point) != k for point in cells):
        raise ValueError(f"every design point needs {k} coordinates ({', '.join(names)})")
    for i, name in enumerate(names):
        if len({point[i] for point in cells}) < 2:
            raise ValueError(f"fitting an exponent of {name} needs minimal widths at two or more values of {name}")
    values = {point: np.asarray(widths[point], dtype=float) for point in cells}
    if any(not (np.all(np.isfinite(v)) and np.all(v > 0)) for v in values.values()):
        raise ValueError("minimal widths must be positive and finite")
    if any(not all(c > 0 for c in point) for point in cells):
        raise ValueError("design points must be positive")
    logs = {point: np.log10(v) for point, v in values.items()}
    design = np.concatenate([np.tile([1.0, *np.log10(point)], (len(logs[point]), 1)) for point in cells])
    y = np.concatenate([logs[point] for point in cells])
    if np.linalg.matrix_rank(design) < k + 1:
        raise ValueError(f"the design points do not determine the exponents of {', '.join(names)} separately")
    projector = np.linalg.pinv(design)  # (k + 1) x N: coefficients = projector @ y
    coefficients = projector @ y
    if any(len(logs[point]) > 1 for point in cells):
        rng = np.random.default_rng(seed)
        ys = np.concatenate([logs[p][rng.integers(0, len(logs[p]), size=(BOOTSTRAP_SAMPLES, len(logs[p])))]
                             for p in cells], axis=1)
        draws = ys @ projector.T
        bounds_ = np.quantile(draws[:, 1:], [level / 2, 1 - level / 2], axis=0)
        intervals = {name: (float(bounds_[0, i]), float(bounds_[1, i])) for i, name in enumerate(names)}
        method = "bootstrap over seeds"
    else:
        dof = len(y) - k - 1
        if dof < 1:
            intervals = {name: (-math.inf, math.inf) for name in names}
        else:
            residual = y - design @ coefficients
            covariance = (residual @ residual / dof) * np.linalg.inv(design.T @ design)
            half = t_quantile(1 - level / 2, dof) * np.sqrt(np.diag(covariance))
            intervals = {name: (float(coefficients[i + 1] - half[i + 1]), float(coefficients[i + 1] + half[i + 1]))
                         for i, name in enumerate(names)}
        method = "t interval of the OLS slope"
    return PowerLawFit({name: float(coefficients[i + 1]) for i, name in enumerate(names)}, intervals,
                       float(coefficients[0]), level, method, len(y))
