"""The gap study sets each theorem's width requirement against a network width: a bound stated in
parameters or neurons is first counted as a width (bounds.units.width_in_unit), as `bounds compare` does."""

from __future__ import annotations

import math

import pytest

import bounds
from verify.gap.spec import StudySpec
from verify.gap.summary import _predict


@pytest.mark.parametrize("entry_id, width", [
    ("oymak-soltanolkotabi-2020/sgd-relu-layer1", 100**2 / 10),  # n^2 first-layer parameters, d m of them
    ("du-zhai-poczos-singh-2019/thm4.1-gd", None),  # counts the width itself: nothing converted
])
def test_a_bound_in_parameters_becomes_the_width_with_that_many(entry_id, width):
    entry = bounds.get(entry_id)
    prediction = _predict(entry, 100, None, StudySpec(setting="two-layer", d=10), {"lambda_0": 0.05, "delta": 0.3})
    notes = [a for a in prediction["assumed"] if a.startswith("converted from")]
    stated = entry.evaluate(n=100, d=10, eps=1e-3, lambda_0=0.05, delta=0.3).width_log10
    if width is None:
        assert prediction["width_log10"] == stated and notes == []
    else:
        assert prediction["width_log10"] == pytest.approx(math.log10(width), abs=1e-9)
        assert stated == pytest.approx(math.log10(100**2), abs=1e-9) and len(notes) == 1
