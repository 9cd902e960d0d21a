"""The one JSON converter (bounds.jsonio.jsonable): its options, and that every caller goes through it.

The records of `verify`, the sweep's result normal form and its canonical configuration form
(whose hash is a stored run's key) are all this converter with options; these tests pin each
option against the strict parser, so a second converter drifting from it could not pass.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds.jsonio import NotJSONError, dumps, jsonable, strict_loads

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                    st.text(max_size=8))
numpy_scalars = st.one_of(st.integers(-2**31, 2**31).map(np.int64), st.floats(width=32).map(np.float32),
                          st.booleans().map(np.bool_))
values = st.recursive(st.one_of(scalars, numpy_scalars),
                      lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                                              st.dictionaries(st.text(max_size=5), inner, max_size=4)),
                      max_leaves=20)


def _finite(value) -> bool:
    if isinstance(value, (float, np.floating)):
        return math.isfinite(float(value))
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    return True


@given(values)
@settings(max_examples=200, deadline=None)
def test_strict_output_reads_back_equal_under_a_strict_parser(value):
    converted = jsonable(value, strict=True)
    assert strict_loads(dumps(converted)) == converted
    assert jsonable(converted, strict=True) == converted  # already JSON values: a fixed point
    assert jsonable(value) == converted  # on JSON and NumPy values the lenient form is the same


@given(values.filter(_finite))
@settings(max_examples=200, deadline=None)
def test_integral_floats_become_integers_and_nothing_else_changes(value):
    canonical = jsonable(value, strict=True, finite=True, integral_floats=True)
    plain = jsonable(value, strict=True)
    assert canonical == plain  # 1.0 == 1 in Python: the same value ...
    assert not any(isinstance(x, float) and x.is_integer() for x in _leaves(canonical))  # ... written one way


def _leaves(value):
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def test_integral_floats_and_negative_zero():
    assert dumps(jsonable([1.0, -0.0, 1e20, 0.5, np.float32(2.0)], integral_floats=True), indent=None) == \
        "[1, 0, 100000000000000000000, 0.5, 2]"
    assert jsonable([1.0, -0.0]) == [1.0, -0.0] and isinstance(jsonable(1.0), float)


def test_non_finite_numbers_are_null_or_refused():
    assert jsonable({"a": math.nan, "b": np.float32("inf")}) == {"a": None, "b": None}
    with pytest.raises(NotJSONError, match=r"^value\['b'\]\[1\] is -inf") as caught:
        jsonable({"b": [1, -math.inf]}, finite=True)
    assert caught.value.problem == "non-finite" and caught.value.path == "value['b'][1]"


@pytest.mark.parametrize("value, problem, where", [
    ({"s": {1, 2}}, "type", "result['s']"),
    ({"x": [object()]}, "type", "result['x'][0]"),
    ({1: "one"}, "key", "result"),
    ({"f": Fraction(1, 3)}, "type", "result['f']"),
])
def test_strict_refuses_what_would_not_read_back_equal(value, problem, where):
    with pytest.raises(TypeError) as caught:
        jsonable(value, strict=True, path="result")
    assert isinstance(caught.value, NotJSONError)
    assert caught.value.problem == problem and caught.value.path == where
    assert str(caught.value).startswith(where + " ")


def test_lenient_form_writes_everything_somehow():
    class Thing:
        def to_dict(self):
            return {"n": np.int64(3)}

    assert jsonable({"s": {3, 1, 2}, 1: Thing(), "f": Fraction(1, 4), "o": range(2)}) == \
        {"s": [1, 2, 3], "1": {"n": 3}, "f": 0.25, "o": "range(0, 2)"}
    assert jsonable(np.arange(4).reshape(2, 2)) == [[0, 1], [2, 3]]


def test_every_json_normal_form_is_this_converter():
    import verify.records
    from verify.sweep import keys
    from verify.sweep.errors import ConfigError

    assert verify.records.jsonable is jsonable
    record = {"a": (1, np.float64(2.5)), "b": math.nan, "c": {2}}
    assert verify.records.dumps(record) == dumps(record, indent=None)
    assert keys.jsonable_result({"a": np.arange(2)}) == jsonable({"a": np.arange(2)}, strict=True)
    with pytest.raises(TypeError, match=r"^result\['s'\] is a set"):
        keys.jsonable_result({"s": {1}})
    config = {"b": [1.0, np.int32(2)], "a": -0.0, "c": {"x": np.float32(0.5)}}
    assert keys.canonical_json(config) == dumps(jsonable(config, strict=True, finite=True, integral_floats=True),
                                                indent=None, sort_keys=True, compact=True)
    assert keys.canonical_json(config) == '{"a":0,"b":[1,2],"c":{"x":0.5}}'
    assert keys.plain_config(config) == {"b": [1.0, 2], "a": -0.0, "c": {"x": 0.5}}
    for bad, message in (({"x": math.inf}, r"config\['x'\] is inf: a configuration holds finite numbers only"),
                         ({"x": {1: 2}}, r"config\['x'\] has the key 1: configuration keys must be strings"),
                         ({"x": {1}}, r"config\['x'\] is a set: a configuration holds JSON values only")):
        with pytest.raises(ConfigError, match="^" + message):
            keys.canonical_json(bad)
