"""Shared assertion for the per-paper exponent pins.

Each catalogued theorem has a test that states, next to the paper's own words, the exponents
of n and L its bounds must have (and of every other variable it depends on, with the powers of
their logarithms: tests/catalog/test_pins_complete.py checks that none is left out).  A change
to a catalogue formula that moves an exponent fails that test, which is the point: the formula
is a claim about the paper.
"""

from __future__ import annotations

from collections.abc import Mapping

import bounds
from bounds.asymptotics import exponent


def expect(entry_id: str, quantity: str, *, quote: str, n=None, L=None, polylog_n=None,
           polylog: Mapping[str, int | float] | None = None, effective=False, **others):
    """Assert the leading exponents of one bound.

    `n`, `L` and any keyword naming a shared symbol give the expected power (a number, "exp" for
    exponential growth, "-exp" for exponential decay); for accuracies (eps, delta, lambda_0,
    fail_prob, gamma) the power is of 1/x.  `polylog` maps a symbol to the expected power of its
    logarithm multiplying that (``polylog={"eps": 1}`` for a log(1/eps), ``{"fail_prob": 3}`` for
    log^3(1/delta)); `polylog_n` is the same for n alone (``polylog_n=1`` is ``polylog={"n": 1}``).
    `quote` must hold the paper's words that the numbers come from.
    """
    assert quote.strip(), "cite the paper's words"
    logs = dict(polylog or {})
    if polylog_n is not None:
        assert logs.get("n", polylog_n) == polylog_n, "polylog_n and polylog['n'] disagree"
        logs["n"] = polylog_n
    entry = bounds.get(entry_id)
    expected = {"n": n, "L": L, **others}
    for var, power in expected.items():
        if power is None:
            continue
        got = exponent(entry, quantity, var, effective=effective)
        assert got is not None, f"{entry_id} has no {quantity} bound"
        assert got.power == power, f"{entry_id} {quantity}: exponent of {var} is {got.power}, expected {power}"
    for var, power in logs.items():
        got = exponent(entry, quantity, var, effective=effective)
        assert got is not None, f"{entry_id} has no {quantity} bound"
        assert got.polylog == power, f"{entry_id} {quantity}: log power of {var} is {got.polylog}, expected {power}"
