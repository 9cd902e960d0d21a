"""Fit the empirical scaling m*(n) ~ C n^alpha, with a confidence interval for alpha.

Each n contributes one minimal width per seed.  The exponent is the least-squares slope of
log m* on log n over all (n, seed) points; its interval is a percentile bootstrap that
resamples seeds within each n (the seeds are the independent repetitions; the n values are
the design, so they are kept).  With a single seed per n the bootstrap has nothing to
resample, and the classical t interval of the slope is used instead; the result says which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Sequence

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
