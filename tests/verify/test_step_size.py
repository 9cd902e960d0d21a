"""One automatic step-size rule: verify_entry's 'auto' and the sweep tasks' eta = "auto" are the same number."""

from __future__ import annotations

import numpy as np
import pytest
from verify_helpers import DU_ID

import bounds
from verify.data import sphere
from verify.models import du2019, zou_gu2019
from verify.step_size import auto_step_size
from verify.sweep.tasks import _prepare, du2019_config, train_du2019, zou_gu2019_config
from verify.verdict import verify_entry


def test_rule_is_one_over_s_lambda_max_and_minibatch_keeps_one_sample_stable():
    spec = du2019()
    X = sphere(12, 5, seed=0).X
    K = spec.analytic_kernel(X)
    lam_max = np.linalg.eigvalsh(K)[-1]
    eta = auto_step_size(spec, K)
    assert eta == pytest.approx(1.0 / (spec.rate_step(1.0, 12) * lam_max), rel=1e-12)
    assert eta * spec.rate_step(1.0, 12) * lam_max == pytest.approx(1.0)  # the top mode contracts to 0 in one step
    small = auto_step_size(spec, K, batch=2)  # (n / B) max H_ii = 6 * 0.5 = 3 > lambda_max for these points
    assert small == pytest.approx(1.0 / (spec.rate_step(1.0, 12) * max(lam_max, 6 * np.max(np.diag(K)))))
    assert small < eta and auto_step_size(spec, K, batch=12) == eta


def test_verify_entry_and_sweep_task_get_the_same_auto_step():
    """The same points (sphere(n, d, seed)), the same model: the same eta from both callers."""
    n, d, width = 16, 10, 64
    config = du2019_config(n=n, width=width, seed=0, d=d, steps=3, eta="auto")
    swept = train_du2019(config)["eta"]
    data = sphere(n, d, labels="random", seed=0)
    verdict = verify_entry(bounds.get(DU_ID), data, widths=[width], steps=3, step_size="auto")
    assert verdict.results[0].eta == swept
    assert verdict.results[0].eta_source.startswith("auto")


def test_deep_sweep_auto_step_is_the_rule_on_the_width_dependent_kernel():
    config = zou_gu2019_config(n=10, L=1, width=32, seed=0, steps=2, eta="auto")
    spec = zou_gu2019(1)
    data, eta, _ = _prepare(config, spec, 32)
    assert eta == auto_step_size(spec, spec.analytic_kernel(data.X, 32))
    # the standard parametrisation's K grows with m
    assert eta != auto_step_size(spec, spec.analytic_kernel(data.X, 64))
