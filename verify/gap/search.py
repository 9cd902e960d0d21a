"""Find the smallest width at which training succeeds: a geometric search, then bisection.

One search runs per (n, seed).  It doubles the width from `start` until a run succeeds (or
the width passes `max_width`), then bisects between the last failure and the first success
until the bracket is narrower than `resolution` (relative).  All searches advance together
in rounds, and each round's runs form one batch handed to `run_batch`, so that independent
searches train in parallel.  The search is deterministic given the results, so a restarted
study replays its decisions from a results store and trains only what is missing.

The k-of-k criterion ("all k seeds succeed") starts from the largest per-seed minimal width,
which is the answer when success is monotone in the width for each seed.  Every seed is run
at that width; if one fails (success near the threshold is noisy under a fixed step budget),
the width grows by the resolution factor until all seeds succeed, at most CHECK_STEPS times.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

CHECK_STEPS = 24
Config = dict
RunBatch = Callable[[list[Config]], list[Mapping]]


@dataclass
class WidthSearch:
    """The state of one minimal-width search (one n, one seed)."""

    n: int
    seed: int
    start: int = 2
    max_width: int = 1 << 16
    resolution: float = 0.03
    lowest_success: int | None = None
    highest_failure: int = 0
    tried: dict[int, bool] = field(default_factory=dict)

    def next_width(self) -> int | None:
        """The width to train next, or None when the search is over."""
        if self.lowest_success is None:
            width = self.start if not self.tried else 2 * max(self.tried)
            return width if width <= self.max_width else None
        low, high = self.highest_failure, self.lowest_success
        if high - low <= max(1, math.floor(self.resolution * high)):
            return None
        return (low + high) // 2

    def record(self, width: int, success: bool) -> None:
        self.tried[width] = success
        if success:
            self.lowest_success = width if self.lowest_success is None else min(self.lowest_success, width)
        else:
            self.highest_failure = max(self.highest_failure, width)

    def rounds_left(self) -> int:
        """About how many more rounds this search needs (for progress reports): at most the bisection steps to
        close its bracket, or, before any success, one more doubling and the bisection after it."""
        if self.next_width() is None:
            return 0
        if self.lowest_success is None:
            width = 2 * max(self.tried) if self.tried else self.start
            return 1 + _bisection_rounds(width // 2, width, self.resolution)
        return _bisection_rounds(self.highest_failure, self.lowest_success, self.resolution)

    @property
    def minimal_width(self) -> int | None:
        """Smallest width seen to succeed (None if none did up to max_width)."""
        return self.lowest_success

    @property
    def monotone(self) -> bool:
        """No failure at a width above a success (what bisection assumes)."""
        successes = [w for w, ok in self.tried.items() if ok]
        failures = [w for w, ok in self.tried.items() if not ok]
        return not successes or not failures or max(failures) < min(successes)


def _bisection_rounds(low: int, high: int, resolution: float) -> int:
    """At most how many bisection steps close the bracket (low, high] to the search resolution.

    Each step leaves at most ceil(gap / 2); the bracket is closed once its gap is within
    max(1, floor(resolution x its upper end)), which is never below its value at low + 1.
    """
    gap, tolerance, rounds = high - low, max(1, math.floor(resolution * (low + 1))), 0
    while gap > tolerance:
        gap, rounds = -(-gap // 2), rounds + 1
    return rounds


@dataclass(frozen=True)
class MinimalWidth:
    """The answer at one n."""

    n: int
    per_seed: dict[int, int | None]  # seed -> minimal width (None: no success up to max_width)
    all_seeds: int | None  # smallest width found at which every seed succeeded (None: none found)
    all_seeds_checked: bool  # every seed was run at `all_seeds` and succeeded
    runs: int  # trained runs behind this answer

    @property
    def found(self) -> list[int]:
        return [w for w in self.per_seed.values() if w is not None]


def search_minimal_widths(
    ns: Sequence[int],
    seeds: Sequence[int],
    make_config: Callable[[int, int, int], Config],
    succeeded: Callable[[Mapping], bool],
    run_batch: RunBatch,
    *,
    start: int | Callable[[Hashable], int] = 2,
    max_width: int = 1 << 16,
    resolution: float = 0.03,
    on_round: Callable[[int, int, int], None] | None = None,
) -> list[MinimalWidth]:
    """Minimal widths for every n in `ns`, each searched per seed; see the module docstring.

    `make_config(n, width, seed)` builds a run's configuration, `run_batch(configs)` trains
    them (in parallel, from a cache, ...) and returns their results in order, and
    `succeeded(result)` applies the success criterion.  ``on_round(number, searches, rounds_left)``
    is called after each round: how many searches it advanced, and about how many rounds the
    slowest search still needs (:meth:`WidthSearch.rounds_left`).  `start` is the first width tried, or a
    function of the design point giving it (the gap study starts at the parameter-count floor).
    """
    first = start if callable(start) else (lambda point: start)
    searches = {(n, s): WidthSearch(n, s, min(first(n), max_width), max_width, resolution) for n in ns for s in seeds}
    runs: dict[Hashable, bool] = {}
    rounds = 0
    while True:
        wanted = {key: search.next_width() for key, search in searches.items()}
        wanted = {key: width for key, width in wanted.items() if width is not None}
        if not wanted:
            break
        rounds += 1
        outcome = _run(wanted.items(), make_config, succeeded, run_batch, runs)
        for key, width in wanted.items():
            searches[key].record(width, outcome[(key[0], width, key[1])])
        if on_round:
            on_round(rounds, len(wanted), max(search.rounds_left() for search in searches.values()))

    answers = []
    for n in ns:
        per_seed = {s: searches[(n, s)].minimal_width for s in seeds}
        candidate = None if any(w is None for w in per_seed.values()) else max(per_seed.values())
        checked = False
        for _ in range(CHECK_STEPS if candidate is not None else 0):
            check = _run((((n, s), candidate) for s in seeds), make_config, succeeded, run_batch, runs)
            if all(check[(n, candidate, s)] for s in seeds):
                checked = True
                break
            candidate = min(max_width, max(candidate + 1, math.ceil(candidate * (1 + max(resolution, 0.01)))))
        answers.append(MinimalWidth(n, per_seed, candidate if checked else None, checked,
                                    sum(1 for (rn, _, _) in runs if rn == n)))
    return answers


def _run(items: Iterable, make_config, succeeded, run_batch: RunBatch, runs: dict) -> dict:
    """Train the (n, seed) -> width items not run yet; return success of every item."""
    items = [((n, s), width) for (n, s), width in items]
    missing = [(n, width, s) for (n, s), width in items if (n, width, s) not in runs]
    if missing:
        results = run_batch([make_config(n, width, s) for n, width, s in missing])
        for key, result in zip(missing, results, strict=True):
            runs[key] = bool(succeeded(result))
    return {(n, width, s): runs[(n, width, s)] for (n, s), width in items}
