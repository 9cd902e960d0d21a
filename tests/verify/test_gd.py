"""The hand-written gradients and kernels of verify.gd against finite differences, batching, backends."""

from __future__ import annotations

import numpy as np
import pytest

from verify import gd
from verify.data import sphere
from verify.models import allen_zhu2019, du2019, du_lee2019, ntk_network, oymak2020, song2021, zou_gu2019
from verify.train_numpy import NumpyBackend

SPECS = [
    du2019(), oymak2020("softplus"), oymak2020("tanh"), song2021("tanh"), allen_zhu2019(2), zou_gu2019(1),
    ntk_network(3), du_lee2019(2, "softplus"),
]


def _params(net):
    """The trained parameter arrays of a net (views that can be perturbed in place)."""
    if isinstance(net, gd.TwoLayerBatch):
        return [net.W]
    return [W for W, t in zip(net.W, net.spec.trained, strict=True) if t]


def _loss_and_outputs(net):
    R = net.forward()
    return float(net.losses(R)[0]), np.asarray(R[:, 0]) + np.asarray(net.y)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name[:40])
def test_gradient_and_ntk_match_finite_differences(spec):
    data = sphere(5, 3, seed=1)
    eta = 1e-3
    net = gd.build(spec, data.X, data.y, [4], 0, [eta], NumpyBackend())[0]
    before = [p.copy() for p in _params(net)]
    R = net.forward()
    kernel = net.snapshot(0, 0, 0.0).kernel
    net.step(R, [True])
    analytic = [(b - p) / eta for b, p in zip(before, _params(net), strict=True)]
    for b, p in zip(before, _params(net), strict=True):
        p[...] = b
    numeric, jacobian = [], []
    h = 1e-6
    for p in _params(net):
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            lp, fp = _loss_and_outputs(net)
            p[idx] = old - h
            lm, fm = _loss_and_outputs(net)
            p[idx] = old
            g[idx] = (lp - lm) / (2 * h)
            jacobian.append((fp - fm) / (2 * h))
        numeric.append(g)
    for a, b in zip(analytic, numeric, strict=True):
        assert np.allclose(a, b, rtol=1e-5, atol=1e-7)
    J = np.array(jacobian).T
    assert np.allclose(kernel, J @ J.T, rtol=1e-5, atol=1e-8)


def test_batched_widths_equal_separate_runs():
    data = sphere(16, 6, seed=2)
    spec = du2019()
    widths, etas = [30, 300], [0.5, 0.5]
    together = gd.run(gd.build(spec, data.X, data.y, widths, 7, etas, NumpyBackend())[0], 50, 1e-6)
    for traj, m, eta in zip(together, widths, etas, strict=True):
        alone = gd.run(gd.build(spec, data.X, data.y, [m], 7, [eta], NumpyBackend())[0], 50, 1e-6)[0]
        assert np.allclose(traj.losses, alone.losses, rtol=1e-12)
        assert traj.snapshots[-1].max_neuron_distance == pytest.approx(
            alone.snapshots[-1].max_neuron_distance, rel=1e-10
        )



@pytest.mark.parametrize("fused_max, row_block", [(0, 20), (40 * 15, 20), (40 * 20, 40 * 10)],
                         ids=["blocked-throughout", "blocked-then-fused", "blocked-fused-per-run"])
def test_the_blocked_step_in_many_row_blocks_equals_the_fused_step(monkeypatch, fused_max, row_block):
    """The cache-blocked step (numpy, large batches) against the fused one (small batches), on the same runs:
    blocks of one to three rows (20 in the third case), so every sum crosses several blocks.  When its widest
    run stops, the batch leaves the blocked step for the fused one in the second and third cases (n sum(m)
    falls to 40 x 15), and in the third the last run alone takes the per-run step (40 x 6 is below 40 x 20)."""
    data = sphere(40, 5, seed=4)
    spec, widths, seeds, etas, limits = du2019(), [6, 9, 13], [0, 1, 2], [0.4, 0.3, 0.5], [90, 60, 25]

    def trained(fused_max: int, row_block: int) -> list[gd.Trajectory]:
        monkeypatch.setattr(gd.TwoLayerBatch, "FUSED_MAX_ELEMENTS", fused_max)
        monkeypatch.setattr(gd.TwoLayerBatch, "ROW_BLOCK_ELEMENTS", row_block)
        monkeypatch.setattr(gd.TwoLayerBatch, "MIN_BLOCK_ROWS", 1)
        net = gd.TwoLayerBatch(spec, data.X, data.y, widths, seeds, etas, NumpyBackend())
        assert net.blocked == (fused_max < 40 * sum(widths))
        return gd.run(net, limits, 1e-9, checkpoints={0, 10, 24, 59})

    reference, blocked = trained(1 << 30, 1 << 30), trained(fused_max, row_block)
    for a, b in zip(reference, blocked, strict=True):
        assert len(a.losses) == len(b.losses) and np.allclose(a.losses, b.losses, rtol=1e-12, atol=0)
        assert [s.step for s in a.snapshots] == [s.step for s in b.snapshots]
        for sa, sb in zip(a.snapshots, b.snapshots, strict=True):
            assert np.allclose(sa.kernel, sb.kernel, rtol=1e-11, atol=1e-14)
            assert sa.flip_fractions == sb.flip_fractions
            assert sa.param_distance == pytest.approx(sb.param_distance, rel=1e-10)
    assert any(s.flip_fractions[0] > 0 for t in blocked for s in t.snapshots)  # the patterns did move


def test_divergence_and_eps_stop_a_width():
    data = sphere(16, 6, seed=2)
    net = gd.build(du2019(), data.X, data.y, [50, 50], 0, [500.0, 0.5], NumpyBackend())[0]
    bad, good = gd.run(net, 2000, 1e-3)
    assert bad.diverged_at is not None and bad.reached_eps is None
    assert good.reached_eps is not None and good.losses[-1] <= 1e-3
    assert good.steps_run == good.reached_eps


def test_checkpoints_cover_start_and_end():
    steps = gd.checkpoint_steps(1000)
    assert 0 in steps and 1000 in steps and 1 in steps and len(steps) >= 20
    assert gd.checkpoint_steps(0) == {0}
