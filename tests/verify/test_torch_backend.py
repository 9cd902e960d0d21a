"""The PyTorch backend: agrees with numpy, its manual gradients equal autograd's, CUDA errors are clear."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from verify import gd  # noqa: E402
from verify.data import sphere  # noqa: E402
from verify.errors import BackendError  # noqa: E402
from verify.models import allen_zhu2019, du2019, ntk_network, oymak2020  # noqa: E402
from verify.train_numpy import NumpyBackend  # noqa: E402
from verify.train_torch import TorchBackend  # noqa: E402


@pytest.mark.parametrize("spec", [du2019(), oymak2020("softplus"), allen_zhu2019(1), ntk_network(2)],
                         ids=lambda s: s.name[:30])
def test_numpy_and_torch_agree_on_the_same_seed(spec):
    data = sphere(12, 5, seed=3)
    widths = [40, 160] if spec.two_layer else [64]
    etas = [0.3] * len(widths) if spec.two_layer else [2e-3 if spec.parametrization == "standard" else 0.05]
    ref = gd.run(gd.build(spec, data.X, data.y, widths, 1, etas, NumpyBackend())[0], 60, 1e-9)
    for dtype, tol in (("float64", 1e-10), ("float32", 2e-3)):
        out = gd.run(gd.build(spec, data.X, data.y, widths, 1, etas, TorchBackend("cpu", dtype))[0], 60, 1e-9)
        for a, b in zip(ref, out, strict=True):
            assert np.allclose(a.losses, b.losses, rtol=tol, atol=tol * 1e-3)
            assert np.allclose(a.snapshots[-1].kernel, b.snapshots[-1].kernel, rtol=tol * 10, atol=tol)
            assert b.snapshots[-1].param_distance == pytest.approx(a.snapshots[-1].param_distance, rel=tol * 10)


def test_manual_gradient_equals_autograd():
    data = sphere(10, 4, seed=0)
    for spec in (du2019(), allen_zhu2019(2)):
        bk = TorchBackend("cpu", "float64")
        net = gd.build(spec, data.X, data.y, [32], 0, [1.0], bk)[0]
        params = [net.W] if spec.two_layer else [W for W, t in zip(net.W, spec.trained, strict=True) if t]
        before = [p.clone() for p in params]
        R = net.forward()
        net.step(R, [True])
        manual = [b - p for b, p in zip(before, params, strict=True)]
        leaves = [b.clone().requires_grad_(True) for b in before]
        with torch.enable_grad():
            X, y = torch.as_tensor(data.X), torch.as_tensor(data.y)
            if spec.two_layer:
                coef = net.coef
                f = torch.relu(X @ leaves[0].T) @ coef
            else:
                it = iter(leaves)  # fixed layers are unchanged by the step
                weights = [next(it) if t else w for w, t in zip(net.W, spec.trained, strict=True)]
                h = X
                for W in weights[:-1]:
                    h = torch.relu(h @ W.T)
                f = h @ weights[-1]
            loss = 0.5 * ((f - y) ** 2).sum()
            grads = torch.autograd.grad(loss, leaves)
        for a, b in zip(manual, grads, strict=True):
            assert torch.allclose(a, b, rtol=1e-9, atol=1e-12)


def test_cuda_request_without_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(BackendError, match="no CUDA GPU is visible"):
        TorchBackend("cuda")
    with pytest.raises(BackendError, match="unknown device"):
        TorchBackend("tpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_agrees_with_cpu():  # pragma: no cover - runs only where a GPU is lent
    data = sphere(12, 5, seed=3)
    ref = gd.run(gd.build(du2019(), data.X, data.y, [64], 1, [0.3], NumpyBackend())[0], 40, 1e-9)[0]
    out = gd.run(gd.build(du2019(), data.X, data.y, [64], 1, [0.3], TorchBackend("cuda", "float64"))[0], 40, 1e-9)[0]
    assert np.allclose(ref.losses, out.losses, rtol=1e-9)


def _batched_task_results(device: str) -> list[dict]:
    from verify.sweep.tasks import du2019_config, train_du2019_batch

    configs = [
        du2019_config(24, m, s, d=5, criterion="interpolation", device=device) for m in (5, 9, 30) for s in (0, 1)
    ]
    return train_du2019_batch(configs)


def test_batched_interpolation_runs_agree_between_numpy_and_torch_float64(monkeypatch):
    from verify.sweep import tasks

    numpy_runs = _batched_task_results("cpu")
    monkeypatch.setattr(tasks, "_backend", lambda config: TorchBackend("cpu", "float64"))
    torch_runs = _batched_task_results("cpu")
    for a, b in zip(numpy_runs, torch_runs, strict=True):
        assert a["steps_run"] == b["steps_run"] and a["stop_reason"] == b["stop_reason"]
        assert np.allclose(a["loss_curve"]["loss"], b["loss_curve"]["loss"], rtol=1e-8)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_batched_runs_on_cuda_agree_with_numpy():  # pragma: no cover - runs only where a GPU is lent
    for a, b in zip(_batched_task_results("cpu"), _batched_task_results("cuda"), strict=True):
        assert a["steps_run"] == b["steps_run"]
        assert np.allclose(a["loss_curve"]["loss"], b["loss_curve"]["loss"], rtol=1e-8)
