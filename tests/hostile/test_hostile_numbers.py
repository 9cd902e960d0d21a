"""Beyond float: a finite 10^400 is an ordinary input of a log-space tool; inf and NaN are bad input."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from fractions import Fraction

import mpmath
import pytest
from conftest import strict_json

import bounds
from bounds.errors import ParameterError

DU = "du-zhai-poczos-singh-2019/thm4.1-gd"


def test_compare_at_n_1e400_gives_finite_log10_widths(bounds_cli):
    outcome = bounds_cli("compare", "--n", "1e400", "--L", "10", "--format", "json").succeeded()
    rows = strict_json(outcome.stdout)
    values = [r["width_log10"] for r in rows if r["width_log10"] is not None]
    assert len(values) >= 20 and all(math.isfinite(v) for v in values)
    du = next(r for r in rows if r["id"] == DU)
    # Du et al.: m = n^6 / (lambda_0^4 fail_prob^3), lambda_0 = delta / (100 n^2): n^14 scaling.
    at_1000 = next(r for r in strict_json(bounds_cli("compare", "--n", "1000", "--L", "10", "--format",
                                                     "json").stdout) if r["id"] == DU)
    assert du["width_log10"] - at_1000["width_log10"] == pytest.approx(14 * (400 - 3), rel=1e-9)
    assert not any("lambda_0 = 0 " in a for a in du["assumed"])


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown", "latex"])
def test_every_format_writes_huge_values(bounds_cli, fmt):
    outcome = bounds_cli("compare", "--n", "1e400", "--L", "10", "--format", fmt).succeeded()
    assert not re.search(r"(?<![\^{}-])\b(inf|nan|Infinity|NaN)\b", outcome.stdout), outcome.stdout[:500]


@pytest.mark.parametrize("args, needle", [
    (["compare", "--n", "inf", "--L", "10"], "--n must be a finite number"),
    (["compare", "--n", "-inf", "--L", "10"], "--n must be a finite number"),
    (["compare", "--n", "nan", "--L", "10"], "--n must be a finite number"),
    (["compare", "--n", "1000", "--L", "inf"], "--L must be a finite number"),
    (["compare", "--n", "1000", "--L", "10", "--const", "C_width=inf"], "--const C_width must be a finite number"),
    (["compare", "--n", "1000", "--L", "10", "--const", "C_width=nan"], "--const C_width must be a finite number"),
    (["compare", "--n", "1e99999999999999999999", "--L", "10"], "beyond the engine's range"),
    (["compare", "--n", "abc", "--L", "10"], "--n expects a decimal number"),
    (["compare", "--n", "0x10", "--L", "10"], "--n expects a decimal number"),
    (["compare", "--n", "1000", "--L", "10", "--delta", "1e400"], "--delta 1e400 is outside (0, 2)"),
    (["crossover", DU, "zou-gu-2019/thm-gd", "--to", "inf", "--L", "10"], "--to must be a finite number"),
    (["crossover", DU, "zou-gu-2019/thm-gd", "--from", "0", "--L", "10"], "--from 0 is outside"),
    (["crossover", DU, "zou-gu-2019/thm-gd", "--vary", "delta", "--to", "3", "--n", "100", "--L", "10"],
     "--to 3 is outside (0, 2)"),
    (["crossover", DU, "zou-gu-2019/thm-gd", "--from", "100", "--to", "10", "--L", "10"],
     "--from (100) must be below --to (10)"),
    (["plot", "--from", "10", "--to", "inf", "--L", "10", "-o", "x.png"], "--to must be a finite number"),
])
def test_infinite_nan_and_unreadable_numbers_exit_2_naming_the_flag(bounds_cli, args, needle):
    bounds_cli(*args).refused(needle)


def test_eps_1e_minus_400_is_a_tiny_number_not_zero(bounds_cli):
    outcome = bounds_cli("compare", "--n", "1000", "--L", "10", "--eps", "1e-400", "--id",
                         "allen-zhu-li-song-2019/thm1-gd", "--format", "json").succeeded()
    (row,) = strict_json(outcome.stdout)
    at_1e_4 = strict_json(bounds_cli("compare", "--n", "1000", "--L", "10", "--eps", "1e-4", "--id",
                                     "allen-zhu-li-song-2019/thm1-gd", "--format", "json").stdout)[0]
    # iterations ~ log(1/eps): 400 / 4 times as many at eps = 1e-400 as at 1e-4
    assert row["iterations_log10"] - at_1e_4["iterations_log10"] == pytest.approx(math.log10(100), rel=1e-6)


def test_crossover_with_a_range_beyond_float(bounds_cli, user_catalog):
    outcome = bounds_cli("crossover", "my-2026/thm1", "my-2026/thm2", "--catalog", user_catalog,
                         "--to", "1e400").succeeded()
    assert "n = 1000" in outcome.stdout
    data = strict_json(bounds_cli("crossover", "my-2026/thm1", "my-2026/thm2", "--catalog", user_catalog,
                                  "--to", "1e400", "--format", "json").stdout)
    assert data[0]["at"] == pytest.approx(1000) and data[0]["at_log10"] == pytest.approx(3)


def test_no_crossing_says_which_range_was_searched(bounds_cli, user_catalog):
    outcome = bounds_cli("crossover", "my-2026/thm1", "my-2026/thm2", "--catalog", user_catalog,
                         "--from", "2000", "--to", "1e9").succeeded()
    assert "for n in [2000, 1e+09]" in outcome.stdout


# -- the API ------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [10**400, "1e400", Fraction(10**400), Decimal("1e400"), mpmath.mpf("1e400")])
def test_api_takes_numbers_beyond_float_in_every_spelling(n):
    result = bounds.get(DU).evaluate(n=n)
    assert result.width_log10 == pytest.approx(bounds.get(DU).evaluate(n=1000).width_log10 + 14 * 397, rel=1e-9)


@pytest.mark.parametrize("value, needle", [
    (float("inf"), "n must be a finite number"),
    (float("nan"), "n must be a finite number"),
    (Decimal("Infinity"), "n must be a finite number"),
    (mpmath.inf, "n must be a finite number"),
    ("abc", "n expects a decimal number"),
    ([1, 2], "n must be a number, got list"),
    (True, "n must be a number, got True"),
    (None, "needs n"),
    (object(), "n must be a number, got object"),
])
def test_api_refuses_inf_nan_and_non_numbers_naming_the_argument(value, needle):
    with pytest.raises(ParameterError, match=needle.replace("(", r"\(")):
        bounds.get(DU).evaluate(n=value)


def test_api_messages_name_arguments_not_flags():
    with pytest.raises(ParameterError) as info:
        bounds.get(DU).evaluate(n=0)
    assert "--" not in str(info.value) and "n=0" in str(info.value)
    with pytest.raises(ParameterError) as info:
        bounds.compare(n=1000)
    assert "pass L=..." in str(info.value) and "--L" not in str(info.value)
    with pytest.raises(ParameterError, match="lo=0 is outside"):
        bounds.crossover(DU, "zou-gu-2019/thm-gd", lo=0, L=10)
    with pytest.raises(ParameterError, match="hi must be a finite number"):
        bounds.crossover(DU, "zou-gu-2019/thm-gd", hi=float("inf"), L=10)


def test_values_beyond_float_never_come_back_as_inf_or_zero():
    result = bounds.get(DU).evaluate(n="1e400")
    assert math.isfinite(result.width_log10)
    assert result.values["lambda_0"] != 0 and not (isinstance(result.values["lambda_0"], float)
                                                   and math.isinf(result.values["lambda_0"]))
    assert mpmath.log10(result.width) == pytest.approx(result.width_log10)
    json.dumps([row.to_dict() for row in bounds.compare(n="1e400", L=10)], allow_nan=False)
