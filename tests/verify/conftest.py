"""Shared fixtures of the verify tests: catalogue entries that do not change."""

from __future__ import annotations

import pytest
from verify_helpers import DU_ID, SHALLOW_TOML


@pytest.fixture(scope="session")
def shallow_entry():
    """A two-layer smooth entry with width n^2 / d (feasible at n = 32..64).

    Mapped to Oymak & Soltanolkotabi's model.
    """
    from bounds.loader import load_file

    entries, _ = load_file(SHALLOW_TOML)
    return entries[0]


@pytest.fixture(scope="session")
def du_entry():
    import bounds

    return bounds.get(DU_ID)
