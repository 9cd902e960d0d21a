"""The gap study's budget-free criteria: exact kernel-GD step counts, the plateau rule, batched runs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify import gd
from verify.criteria import Criterion, CriterionError
from verify.data import sphere
from verify.kernel_gd import KernelSpectrum, kernel_steps_to_eps, simulate_kernel_gd
from verify.models import du2019
from verify.plateau import PLATEAU, TOO_SLOW, PlateauRule
from verify.sweep.tasks import du2019_config, train_du2019, train_du2019_batch
from verify.train_numpy import NumpyBackend

# -- T_kernel ------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.integers(2, 12), st.integers(0, 10_000), st.floats(0.05, 1.0), st.floats(1e-6, 1e-1))
def test_t_kernel_is_the_first_step_of_a_direct_simulation_below_eps(n, seed, step_fraction, eps):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    K = A @ A.T + 0.05 * np.eye(n)
    r0 = rng.standard_normal(n)
    rate = step_fraction / np.linalg.eigvalsh(K)[-1]
    t = kernel_steps_to_eps(K, r0, rate, 0.5, eps)
    assert t is not None
    losses = simulate_kernel_gd(K, r0, rate, 0.5, t)
    assert losses[t] <= eps * (1 + 1e-9)
    assert t == 0 or losses[t - 1] > eps * (1 - 1e-9)


def test_kernel_loss_formula_matches_iteration_and_divergence_is_none():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 6))
    K, r0 = A @ A.T + np.eye(6), rng.standard_normal(6)
    rate = 1.0 / np.linalg.eigvalsh(K)[-1]
    dyn = KernelSpectrum(K).dynamics(r0, rate, 0.5)
    assert np.allclose(dyn.loss(np.arange(30)), simulate_kernel_gd(K, r0, rate, 0.5, 29), rtol=1e-9, atol=1e-300)
    assert KernelSpectrum(K).dynamics(r0, 3.0 / np.linalg.eigvalsh(K)[-1], 0.5).steps_to(1e-3) is None
    singular = np.diag([1.0, 0.0])  # a null direction keeps its share of the loss for ever
    assert kernel_steps_to_eps(singular, np.array([1.0, 1.0]), 0.5, 0.5, 1e-3) is None
    assert kernel_steps_to_eps(singular, np.array([1.0, 0.01]), 0.5, 0.5, 1e-3) is not None


# -- the plateau rule ----------------------------------------------------------------------------

def _first_stop(rule: PlateauRule, losses) -> tuple[int | None, str | None]:
    for step, loss in enumerate(losses):
        why = rule.observe(step, loss)
        if why is not None:
            return step, why
    return None, None


def test_plateau_rule_stops_a_flat_loss():
    losses = 0.35 + 1e-9 * np.exp(-np.arange(20_000) / 50.0)
    step, why = _first_stop(PlateauRule(1e-3, 1_000_000, min_steps=100), losses)
    assert why == PLATEAU and step < 400


def test_plateau_rule_stops_a_decay_that_cannot_arrive_within_the_cap():
    losses = 1.0 / (1.0 + np.arange(50_000)) ** 0.05  # reaches 1e-3 after ~1e60 steps
    step, why = _first_stop(PlateauRule(1e-3, 100_000, min_steps=100), losses)
    assert why == TOO_SLOW and step < 5_000


@pytest.mark.parametrize("losses", [
    np.exp(-np.arange(200_000) * 4e-5),  # slow linear rate: eps at ~173k of a 200k cap
    np.concatenate([np.full(3_000, 1.0) * np.linspace(1, 0.9, 3_000), 0.9 * np.exp(-np.arange(60_000) * 2e-4)]),
])
def test_plateau_rule_does_not_cut_a_slow_but_converging_run(losses):
    eps = 1e-3
    arrival = int(np.argmax(losses <= eps))
    assert losses[arrival] <= eps
    step, why = _first_stop(PlateauRule(eps, 200_000, min_steps=100), losses[:arrival + 1])
    assert why is None


def test_plateau_rule_on_real_gd_stops_below_the_floor_and_spares_a_slow_run():
    """Below the parameter floor (m d < n) GD cannot fit n labels; width 15 at n = 64 fits, slowly (86 T_kernel)."""
    spec, data = du2019(), sphere(64, 10, labels="random", seed=0)
    spectrum = KernelSpectrum(spec.analytic_kernel(data.X))
    eta = 1.0 / (spec.rate_step(1.0, 64) * spectrum.eigenvalues[-1])
    out = {}
    for width, seed in ((4, 0), (15, 1)):
        net = gd.TwoLayerBatch(spec, data.X, data.y, [width], seed, [eta], NumpyBackend())
        r0 = net.bk.to_numpy(net.forward())[:, 0]
        t_kernel = spectrum.dynamics(r0, spec.rate_step(eta, 64), 0.5).steps_to(1e-3)
        cap = Criterion("interpolation").step_limit(t_kernel)
        out[width] = (gd.run(net, cap, 1e-3, checkpoints=set(), stall=[PlateauRule(1e-3, cap, min_steps=t_kernel)])[0],
                      t_kernel, cap)
    narrow, t4, cap4 = out[4]
    assert narrow.stop_reason in (PLATEAU, TOO_SLOW) and narrow.steps_run < cap4 / 5
    slow, t15, cap15 = out[15]
    assert slow.stop_reason == "eps" and slow.reached_eps > 20 * t15


# -- criteria ------------------------------------------------------------------------------------

def test_criterion_texts_and_doubling():
    assert Criterion.parse("interpolation").label == "interpolation:300"
    assert Criterion.parse("kernel:3").doubled() == Criterion("kernel", 6.0)
    assert Criterion.parse("budget", 500).doubled().steps == 1000
    assert Criterion.parse("kernel:2").step_limit(100) == 200
    for bad in ("nope", "kernel:abc", "kernel:0", "kernel:inf"):
        with pytest.raises(CriterionError):
            Criterion.parse(bad)
    with pytest.raises(CriterionError):
        Criterion("interpolation", steps=100)


def test_nothing_in_the_interpolation_criterion_depends_on_steps():
    a = du2019_config(16, 8, 0, d=5, criterion="interpolation", steps=10)
    b = du2019_config(16, 8, 0, d=5, criterion="interpolation", steps=100_000)
    assert a == b and a["steps"] is None
    assert train_du2019(a) == train_du2019(b)


def test_kernel_criterion_succeeds_at_a_very_large_width():
    result = train_du2019(du2019_config(16, 20_000, 0, d=5, criterion="kernel", factor=1.1))
    assert result["succeeded"] and result["steps_to_eps"] <= 1.1 * result["t_kernel"]
    assert abs(result["steps_to_eps"] - result["t_kernel"]) <= 0.05 * result["t_kernel"]  # it trains like its kernel


# -- batching ------------------------------------------------------------------------------------

def test_batched_runs_of_several_widths_and_seeds_equal_single_runs():
    configs = [du2019_config(32, m, s, d=5, criterion="interpolation") for m in (5, 7, 12, 40) for s in (0, 1, 2)]
    together = train_du2019_batch(configs)
    assert len({r["steps_run"] for r in together}) > 3  # the runs stopped at different steps
    for config, result in zip(configs, together, strict=True):
        alone = train_du2019(config)
        assert result["steps_run"] == alone["steps_run"] and result["stop_reason"] == alone["stop_reason"]
        assert np.allclose(result["loss_curve"]["loss"], alone["loss_curve"]["loss"], rtol=1e-10, atol=0)
        assert result["final_loss"] == pytest.approx(alone["final_loss"], rel=1e-10)


def test_batched_trajectories_equal_single_ones_step_by_step():
    data = sphere(24, 6, seed=3)
    spec, widths, seeds = du2019(), [10, 30, 30, 80], [0, 0, 1, 2]
    etas, limits = [0.3, 0.3, 0.5, 0.2], [40, 200, 120, 200]
    together = gd.run(gd.TwoLayerBatch(spec, data.X, data.y, widths, seeds, etas, NumpyBackend()), limits, 1e-4)
    for k, traj in enumerate(together):
        alone = gd.run(gd.TwoLayerBatch(spec, data.X, data.y, [widths[k]], seeds[k], [etas[k]], NumpyBackend()),
                       limits[k], 1e-4)[0]
        assert len(traj.losses) == len(alone.losses)
        assert np.allclose(traj.losses, alone.losses, rtol=1e-12, atol=0)
        assert math.isclose(traj.snapshots[-1].param_distance, alone.snapshots[-1].param_distance, rel_tol=1e-10)


@pytest.mark.parametrize("spec_name", ["zou_gu", "allen_zhu", "ntk"])
def test_deep_seeds_batched_equal_single_runs(spec_name):
    from verify.models import allen_zhu2019, ntk_network, zou_gu2019

    spec = {"zou_gu": zou_gu2019(2), "allen_zhu": allen_zhu2019(1), "ntk": ntk_network(2)}[spec_name]
    data = sphere(12, 4, seed=5)
    seeds, width = [0, 3, 4], 24
    eta = 2e-3 if spec.parametrization == "standard" else 0.05
    limits = [30, 60, 45]
    together = gd.run(gd.DeepBatch(spec, data.X, data.y, width, seeds, [eta] * 3, NumpyBackend()), limits, 1e-12)
    for traj, seed, limit in zip(together, seeds, limits, strict=True):
        alone = gd.run(gd.DeepNet(spec, data.X, data.y, width, seed, eta, NumpyBackend()), limit, 1e-12)[0]
        assert len(traj.losses) == len(alone.losses) == limit + 1
        assert np.allclose(traj.losses, alone.losses, rtol=1e-10, atol=0)
        a, b = traj.snapshots[-1], alone.snapshots[-1]
        assert np.allclose(a.kernel, b.kernel, rtol=1e-9) and a.layer_distances == pytest.approx(
            b.layer_distances, rel=1e-9
        )
        assert a.flip_fractions == b.flip_fractions


@given(st.sampled_from(["interpolation", "kernel"]), st.floats(1, 1e4), st.floats(1, 1e4))
def test_success_is_inherited_by_larger_caps_of_the_same_rule(name, a, b):
    small, large = Criterion(name, min(a, b)), Criterion(name, max(a, b))
    assert large.inherits_success_from(small)
    assert small.inherits_success_from(large) == (min(a, b) == max(a, b))
    assert large.doubled().inherits_success_from(large) and not large.inherits_success_from(large.doubled())
    other = "kernel" if name == "interpolation" else "interpolation"
    assert not Criterion(other, max(a, b)).inherits_success_from(small)


@given(st.integers(1, 10**6), st.integers(1, 10**6))
def test_budgets_inherit_success_from_smaller_budgets(a, b):
    assert Criterion("budget", steps=max(a, b)).inherits_success_from(Criterion("budget", steps=min(a, b)))
    assert not Criterion("budget", steps=a).inherits_success_from(Criterion("budget", steps=a + b))
    assert not Criterion("budget", steps=a).inherits_success_from(Criterion("kernel", 2.0))


@given(st.sampled_from(["interpolation", "kernel", "budget"]), st.integers(1, 1000), st.integers(1, 1000),
       st.sampled_from(["eps", "plateau", "diverged", "too slow", "limit", None]))
def test_only_cap_free_endings_carry_over_to_a_larger_cap(name, a, b, reason):
    make = (lambda x: Criterion(name, steps=x)) if name == "budget" else (lambda x: Criterion(name, float(x)))
    small, large = make(min(a, b)), make(max(a, b))
    assert large.inherits_outcome_from(small, reason) == (reason in ("eps", "plateau", "diverged"))
    if a != b:
        assert not small.inherits_outcome_from(large, reason)


# -- the rate criterion ---------------------------------------------------------------------------

def test_rate_criterion_allows_the_steps_of_du_et_al_s_proved_rate():
    """rate:F allows ceil(F T_rate) steps, T_rate the real k with (1 - s eta lambda_0 / 2)^k loss_0 = eps."""
    from verify.criteria import rate_steps

    assert Criterion.parse("rate").label == "rate:1" and Criterion.parse("rate:1.5").doubled() == Criterion("rate", 3.0)
    assert rate_steps(1e-4, 1e-3, 0.5, 0.1) == 0.0 and Criterion("rate").step_limit(None, 0.0) == 1
    assert rate_steps(1.0, 1e-3, 10.0, 0.5) is None  # s eta lambda_0 / 2 >= 1: no contraction, no T_rate
    for bad in ("rate:0.5", "rate:nan"):
        with pytest.raises(CriterionError):
            Criterion.parse(bad)
    assert "Thm 4.1" in Criterion("rate").describe(1e-3, 3)


@settings(max_examples=200, deadline=None)
@given(loss0=st.floats(1e-2, 1e4), s_eta=st.floats(1e-3, 1.0), lam0=st.floats(1e-3, 1.0),
       eps=st.floats(1e-6, 1e-1), factor=st.floats(1.0, 8.0))
def test_the_rate_step_limit_is_the_first_step_the_proved_rate_reaches_eps(loss0, s_eta, lam0, eps, factor):
    """rate:1's limit is the first k with loss0 (1 - s eta lambda_0 / 2)^k <= eps; rate:F's is ceil(F T_rate)."""
    from verify.criteria import rate_steps

    t_rate = rate_steps(loss0, eps, s_eta, lam0)
    limit = Criterion("rate").step_limit(None, t_rate)
    rate = 1 - s_eta * lam0 / 2
    if loss0 <= eps:
        assert t_rate == 0.0 and limit == 1
        return
    assert loss0 * rate ** limit <= eps * (1 + 1e-9)
    assert limit == 1 or loss0 * rate ** (limit - 1) > eps * (1 - 1e-9)
    assert Criterion("rate", factor).step_limit(None, t_rate) == max(1, math.ceil(factor * t_rate - 1e-9))


def test_a_rate_run_records_its_t_rate_and_succeeds_exactly_by_it():
    """A trained run's step limit is ceil(T_rate) from its own initial loss, and it succeeds iff it got there."""
    from verify.criteria import rate_steps

    for width in (8, 20_000):
        result = train_du2019(du2019_config(16, width, 0, d=5, criterion="rate"))
        t_rate = rate_steps(result["initial_loss"], 1e-3, result["eta"], result["lambda_0"])
        assert result["t_rate"] == t_rate and result["step_limit"] == math.ceil(t_rate - 1e-9)
        reached = result["steps_to_eps"]
        assert result["succeeded"] == (reached is not None and reached <= math.ceil(t_rate))
    assert result["succeeded"] and result["steps_to_eps"] < result["t_rate"] / 2  # very wide: near its kernel's speed


def test_the_rate_criterion_is_two_layer_only():
    from bounds.errors import ParameterError
    from verify.gap.spec import StudySpec

    with pytest.raises(ParameterError, match="two-layer"):
        StudySpec(setting="deep", ns=(16, 32), criteria=("rate",)).check()
    StudySpec(setting="two-layer", ns=(16, 32), criteria=("interpolation", "rate")).check()


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=30),
                      st.builds(lambda name, sep, factor: f"{name}{sep}{factor}",
                                st.sampled_from(["interpolation", "kernel", "rate", "budget", "Rate", ""]),
                                st.sampled_from([":", "", "::", " : "]),
                                st.one_of(st.text(max_size=8), st.floats(allow_nan=True), st.integers(-5, 10**6)))))
def test_fuzzed_criterion_text_parses_or_is_refused_in_words(text):
    """Whatever --criterion text a user types, parsing gives a valid criterion or a CriterionError (the CLI's one
    line), never another exception; a parsed one's label parses back to itself."""
    try:
        rule = Criterion.parse(text, steps=100)
    except CriterionError as exc:
        assert str(exc)
        return
    assert Criterion.parse(rule.label, steps=rule.steps) == rule
    assert rule.name != "budget" and math.isfinite(rule.factor) and rule.factor >= 1 or rule.steps == 100
