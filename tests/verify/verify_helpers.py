"""Helpers of the verify tests (imported as `verify_helpers`: pytest puts this directory on sys.path)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).with_name("fixtures")
SHALLOW_TOML = FIXTURES / "shallow_fixture.toml"
DU_ID = "du-zhai-poczos-singh-2019/thm4.1-gd"


def assert_gradient_matches_finite_differences(params, analytic, loss, entries: int, h: float = 1e-6) -> None:
    """Central differences of `loss()` in the first `entries` entries of every parameter array
    (perturbed in place and restored) equal the `analytic` gradients."""
    import numpy as np
    import pytest

    for p, g in zip(params, analytic, strict=True):
        for index in list(np.ndindex(p.shape))[:entries]:
            old = p[index]
            p[index] = old + h
            up = loss()
            p[index] = old - h
            down = loss()
            p[index] = old
            assert g[index] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-9)

def entry_from_text(setting: str, key: str = "verify-test-paper", width: str = "n^2") -> object:
    """An Entry built from a TOML snippet: `setting` is the body of [theorem.setting]."""
    from bounds.loader import load_text

    if "algorithm" not in setting:
        setting += '\nalgorithm = "GD"'

    text = f"""
[paper]
key = "{key}"
authors = ["A. Author"]
title = "Fixture"
year = 2020
arxiv = "0000.00000"
arxiv_version = "v1"

[[theorem]]
slug = "fixture"
label = "Fixture"
summary = "fixture"
confidence = "unverified"
quote = "fixture"

[theorem.setting]
{setting}

[theorem.width]
expr = "{width}"
bound = "Omega"
"""
    entries, _ = load_text(text)
    return entries[0]
