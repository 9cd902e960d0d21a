"""What defines a gap study: its setting, design points, seeds, data and criteria (:class:`StudySpec`).

Everything here is checked before any training (:meth:`StudySpec.check`, and
:meth:`StudySpec.check_memory` before training at a design point), and everything here is part
of the keys of the study's runs.  The settings a study can measure are :data:`SETTINGS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bounds.errors import ParameterError

from ..criteria import RATE, Criterion, CriterionError

SETTINGS = {
    "two-layer": {
        "task": "du2019",
        "architecture": "two-layer",
        "activation": "relu",
        "model": "Du, Zhai, Poczos & Singh 2019: two-layer ReLU, first layer trained, output signs fixed, "
                 "1/sqrt(m) scaling, loss 1/2 sum_i (f(x_i) - y_i)^2",
        "deep": False,
    },
    "deep": {
        "task": "zou-gu2019",
        "architecture": "deep-fc",
        "activation": "relu",
        "model": "Zou & Gu 2019: deep fully connected ReLU, an input layer and L hidden m x m layers with N(0, 2/m) "
                 "entries, all trained, output layer N(0, 1) fixed, loss 1/(2n) sum_i (f(x_i) - y_i)^2",
        "deep": True,
    },
}
DEFAULT_DEPTHS = (2,)


@dataclass(frozen=True)
class StudySpec:
    """Everything that defines a study (and so the keys of its runs)."""

    setting: str = "two-layer"
    ns: tuple[int, ...] = (16, 32, 64, 128)
    Ls: tuple[int, ...] = ()  # deep settings: hidden m x m layers (empty: DEFAULT_DEPTHS)
    seeds: tuple[int, ...] = (0, 1, 2)
    d: int = 10
    criteria: tuple[str, ...] = ("interpolation",)  # labels of verify.criteria.Criterion; the first is the headline
    steps: int | None = None  # the budget criterion's step budget (no other criterion uses it)
    eps: float = 1e-3
    eta: float | str = "auto"
    labels: str = "random"
    data_seed: int = 0
    start_width: int | None = None  # None: the parameter-count floor of each design point
    max_width: int = 1 << 15
    resolution: float = 0.03
    entries: tuple[str, ...] | None = None  # None: every catalogue entry of the setting's architecture
    device: str = "cpu"  # cpu: numpy float64; cuda[:N]: torch float64 on that GPU
    max_n: tuple[tuple[str, int], ...] = ()  # (criterion name, largest n searched under it), e.g. (("kernel", 256),)
    stability: bool = True  # repeat the search at the largest n with the criterion doubled

    def check(self) -> StudySpec:
        """This spec, once its design and its criteria are valid; otherwise the ParameterError naming the flag."""
        self._check_design()
        self._check_criteria()
        return self

    def _check_design(self) -> None:
        """The design points: a known setting, depths only where deep, two or more n, seeds, d, widths, eps."""
        if self.setting not in SETTINGS:
            raise ParameterError(f"--setting {self.setting!r} is not supported (known: {', '.join(SETTINGS)})")
        if self.Ls and not self.deep:
            raise ParameterError(
                f"--L applies to deep settings only; --setting {self.setting} has no hidden m x m layers"
            )
        if len(set(self.Ls)) != len(self.Ls) or any(L < 1 for L in self.Ls):
            raise ParameterError("--L expects distinct depths, each >= 1 (e.g. --L 1,2,4)")
        if len(set(self.ns)) < 2 or min(self.ns) < 2:
            raise ParameterError("--n needs at least two distinct sample sizes, each >= 2 (e.g. --n 16,32,64)")
        if not self.seeds:
            raise ParameterError("--seeds must be at least 1")
        for name, value, low in (("--d", self.d, 1), ("--max-width", self.max_width, 2)):
            if value < low:
                raise ParameterError(f"{name} must be at least {low}, got {value}")
        if not 0 < self.eps < 1:
            raise ParameterError(f"--eps {self.eps:g} is outside (0, 1)")

    def _check_criteria(self) -> None:
        """The criteria: distinct and parseable, --steps only with the budget one, --criterion-max-n only for a
        criterion after the headline and at an n that the study has."""
        if not self.criteria or len(set(self.criteria)) != len(self.criteria):
            raise ParameterError("--criterion expects one or more distinct criteria (e.g. interpolation,kernel)")
        try:
            rules = self.rules
        except CriterionError as exc:
            raise ParameterError(f"--criterion: {exc}") from None
        if self.steps is not None and not any(r.name == "budget" for r in rules):
            raise ParameterError("--steps sets the budget criterion's step budget; the interpolation, kernel and "
                                 "rate criteria do not use one (add --criterion budget to compare)")
        if self.deep and any(r.name == RATE for r in rules):
            raise ParameterError("--criterion rate: its rate is Du et al.'s two-layer Theorem 4.1, which the deep "
                                 "setting's theorems do not state in that form (use interpolation or kernel)")
        if len({r.name for r in rules}) != len(rules):
            raise ParameterError("--criterion names each criterion once")
        for name, limit in self.max_n:
            if name not in {r.name for r in rules[1:]}:
                raise ParameterError(f"--criterion-max-n {name}={limit}: only a criterion after the headline "
                                     f"({rules[0].name}) may stop at a smaller n")
            if not [n for n in self.ns if n <= limit]:
                raise ParameterError(f"--criterion-max-n {name}={limit}: no sample size of --n is that small")

    def points_for(self, rule: Criterion) -> list:
        """The design points searched under `rule` (all, unless --criterion-max-n limits it)."""
        limit = dict(self.max_n).get(rule.name)
        points = self.points()
        return points if limit is None else [p for p in points if (p[0] if self.deep else p) <= limit]

    @property
    def rules(self) -> tuple[Criterion, ...]:
        """The criteria as objects (the budget criterion takes `steps`)."""
        return tuple(Criterion.parse(c, self.steps) for c in self.criteria)

    def floor_width(self, point) -> int:
        """The smallest width with at least n trained parameters at a design point (n, or (n, L))."""
        n, L = point if self.deep else (point, None)
        spec = network(self.setting, L)
        width = 1
        while spec.trained_parameter_count(self.d, width) < n:
            width += 1 if width < 64 else max(1, width // 64)
        while width > 1 and spec.trained_parameter_count(self.d, width - 1) >= n:
            width -= 1
        return max(2, width)

    def check_memory(self, point, workers: int = 1, budget: float | None = None) -> None:
        """Refuse to train at a design point (n, or (n, L)) whose runs cannot fit in memory.

        The estimate (:func:`verify.memory.training_bytes`) is that of the smallest run there, the
        parameter floor's, times the `workers` that hold one each; its n x n kernels and their
        eigendecomposition grow as n^2 in memory and n^3 in time, so this bounds both.  `budget`
        defaults to half of the memory free now.
        """
        from verify.memory import check_budget, training_bytes

        n, L = point if self.deep else (point, None)
        needed = workers * training_bytes(network(self.setting, L), n, self.d, self.floor_width(point))
        where = f"n = {n}" + (f", L = {L}" if self.deep else "")
        each = f" ({workers} workers, one run each)" if workers > 1 else ""
        fewer = " or fewer --workers" if each else ""
        check_budget(f"training at {where}{each}", needed, budget,
                     hint=f"use smaller --n (a run's n x n kernels grow as n^2){fewer}")

    @property
    def deep(self) -> bool:
        return bool(SETTINGS.get(self.setting, {}).get("deep"))

    @property
    def depths(self) -> tuple[int, ...]:
        """The depths studied (deep settings), else empty."""
        return (self.Ls or DEFAULT_DEPTHS) if self.deep else ()

    def points(self) -> list:
        """The design points searched: n (two-layer) or (n, L) (deep)."""
        return [(n, L) for L in self.depths for n in self.ns] if self.deep else list(self.ns)

    def to_dict(self) -> dict:
        out = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}
        return {**out, "Ls": list(self.depths)}


def network(setting: str, L: int | None):
    from verify.models import du2019, zou_gu2019

    return zou_gu2019(int(L)) if setting == "deep" else du2019()


def planned_runs(spec: StudySpec) -> int:
    """A rough count of the runs a study trains (for progress bars): doubling from the floor, then bisection."""
    per_search = 2 + math.ceil(math.log2(1.0 / spec.resolution)) + 2
    searches = len(spec.points()) * len(spec.seeds)
    main = len(spec.rules) * searches * per_search
    return main + (len(spec.rules) * len(spec.seeds) * per_search if spec.stability else 0)
