"""The exponent fit recovers a known exponent, and its interval covers it at about the stated rate."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.gap.scaling import fit_exponent, fit_power_law, t_quantile

NS = (16, 32, 64, 128, 256)


def synthetic(alpha: float, constant: float, noise: float, seeds: int, rng) -> dict[int, list[float]]:
    return {n: list(constant * n ** alpha * np.exp(rng.normal(0, noise, seeds))) for n in NS}


@settings(max_examples=40, deadline=None)
@given(alpha=st.floats(0.3, 3.0), constant=st.floats(0.5, 50), seed=st.integers(0, 10**6))
def test_recovers_a_known_exponent(alpha, constant, seed):
    rng = np.random.default_rng(seed)
    fit = fit_exponent(synthetic(alpha, constant, 0.05, 5, rng), seed=seed)
    assert fit.exponent == pytest.approx(alpha, abs=0.1)
    assert fit.exponent_ci[0] <= fit.exponent <= fit.exponent_ci[1]
    assert fit.method == "bootstrap over seeds" and fit.points == 25


def test_noise_free_data_gives_the_exact_exponent_and_a_tight_interval():
    fit = fit_exponent({n: [3.0 * n ** 1.5] * 3 for n in NS})
    assert fit.exponent == pytest.approx(1.5, abs=1e-12)
    assert fit.exponent_ci[1] - fit.exponent_ci[0] < 1e-9
    assert 10 ** fit.log10_constant == pytest.approx(3.0)


def test_interval_covers_the_truth_about_95_percent_of_the_time():
    rng = np.random.default_rng(1)
    covered = sum(
        fit.exponent_ci[0] <= 2.0 <= fit.exponent_ci[1]
        for fit in (fit_exponent(synthetic(2.0, 1.0, 0.3, 3, rng), seed=i) for i in range(200))
    )
    # The percentile bootstrap with 3 seeds per n is somewhat liberal; it must not be wildly off.
    assert 0.80 * 200 <= covered <= 0.995 * 200


def test_single_seed_uses_the_t_interval_and_it_covers():
    rng = np.random.default_rng(2)
    covered = 0
    for _ in range(300):
        fit = fit_exponent(synthetic(1.0, 2.0, 0.2, 1, rng))
        covered += fit.exponent_ci[0] <= 1.0 <= fit.exponent_ci[1]
    assert fit.method == "t interval of the OLS slope"
    assert 0.90 * 300 <= covered <= 0.99 * 300  # exact coverage 95% under the model


def test_t_quantile_known_values():
    assert t_quantile(0.975, 1) == pytest.approx(12.7062047, rel=1e-7)
    assert t_quantile(0.975, 10) == pytest.approx(2.2281389, rel=1e-7)


@pytest.mark.parametrize("widths, message", [({16: [10.0]}, "two or more"), ({16: [1.0], 32: [0.0]}, "positive")])
def test_bad_input(widths, message):
    with pytest.raises(ValueError, match=message):
        fit_exponent(widths)


LS = (1, 2, 4, 8)


@settings(max_examples=30, deadline=None)
@given(alpha=st.floats(0.3, 3.0), beta=st.floats(0.0, 2.0), constant=st.floats(0.5, 50), seed=st.integers(0, 10**6))
def test_joint_fit_recovers_known_exponents_of_n_and_L(alpha, beta, constant, seed):
    rng = np.random.default_rng(seed)
    widths = {(n, L): list(constant * n ** alpha * L ** beta * np.exp(rng.normal(0, 0.05, 3))) for n in NS for L in LS}
    fit = fit_power_law(widths, ("n", "L"), seed=seed)
    assert fit.exponents["n"] == pytest.approx(alpha, abs=0.1)
    assert fit.exponents["L"] == pytest.approx(beta, abs=0.1)
    for name in ("n", "L"):
        low, high = fit.intervals[name]
        assert low <= fit.exponents[name] <= high
    assert fit.points == len(NS) * len(LS) * 3


@settings(max_examples=30, deadline=None)
@given(alpha=st.floats(0.3, 3.0), seeds=st.integers(1, 4), seed=st.integers(0, 10**6))
def test_one_variable_power_law_agrees_with_fit_exponent(alpha, seeds, seed):
    rng = np.random.default_rng(seed)
    data = synthetic(alpha, 2.0, 0.2, seeds, rng)
    single = fit_exponent(data, seed=seed)
    joint = fit_power_law({(n,): v for n, v in data.items()}, ("n",), seed=seed)
    assert joint.exponents["n"] == pytest.approx(single.exponent, abs=1e-9)
    assert joint.log10_constant == pytest.approx(single.log10_constant, abs=1e-9)
    assert joint.method == single.method
    assert joint.intervals["n"] == pytest.approx(single.exponent_ci, abs=1e-9)


def test_joint_fit_refuses_a_design_that_cannot_separate_the_exponents():
    with pytest.raises(ValueError, match="two or more values of L"):
        fit_power_law({(n, 2): [float(n)] for n in NS}, ("n", "L"))
    with pytest.raises(ValueError, match="separately"):
        fit_power_law({(n, n): [float(n)] for n in NS}, ("n", "L"))  # L = n: collinear
