"""The torch backend on SGD, the logistic loss and the ResNet: the same trajectories as numpy (CUDA where lent)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from verify import gd  # noqa: E402
from verify.data import sphere  # noqa: E402
from verify.models import du2019, du_lee_resnet2019, zou_gu2019  # noqa: E402
from verify.objectives import Objective  # noqa: E402
from verify.train_numpy import NumpyBackend  # noqa: E402
from verify.train_torch import TorchBackend  # noqa: E402

CASES = [
    ("sgd two-layer", du2019(), dict(batch=4), [32, 64], 0.3),
    ("sgd deep", zou_gu2019(1), dict(batch=5, sampling="shuffle"), [48], 2e-3),
    ("logistic two-layer", du2019(), dict(loss="logistic"), [32, 64], 2.0),
    ("logistic deep sgd", zou_gu2019(1), dict(loss="logistic", batch=3, sampling="with-replacement"), [48], 2e-2),
    ("resnet", du_lee_resnet2019(2), {}, [48], 0.05),
    ("resnet logistic", du_lee_resnet2019(3), dict(loss="logistic"), [40], 0.5),
]


def _runs(bk, spec, objective, widths, eta):
    data = sphere(10, 4, seed=2)
    y = np.sign(data.y) if objective.get("loss") == "logistic" else data.y
    net = gd.build(spec, data.X, y, widths, 1, [eta] * len(widths), bk)[0]
    obj = Objective(spec, y, seeds=[1] * len(widths), widths=widths, X_test=data.X[:4], y_test=y[:4], **objective) \
        if objective or spec.parametrization == "resnet" else None
    return gd.run(net, 50, 1e-12, objective=obj), obj


@pytest.mark.parametrize("name, spec, objective, widths, eta", CASES, ids=[c[0] for c in CASES])
def test_torch_float64_matches_numpy(name, spec, objective, widths, eta):
    ref, ref_obj = _runs(NumpyBackend(), spec, objective, widths, eta)
    out, out_obj = _runs(TorchBackend("cpu", "float64"), spec, objective, widths, eta)
    for a, b in zip(ref, out, strict=True):
        assert a.losses[-1] != a.losses[0]
        np.testing.assert_allclose(b.losses, a.losses, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(b.snapshots[-1].kernel, a.snapshots[-1].kernel, rtol=1e-8, atol=1e-10)
    if ref_obj is not None:
        for ha, hb in zip(ref_obj.history, out_obj.history, strict=True):
            assert ha.train_error == hb.train_error and ha.test_error == hb.test_error


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("name, spec, objective, widths, eta", CASES, ids=[c[0] for c in CASES])
def test_cuda_matches_numpy(name, spec, objective, widths, eta):  # pragma: no cover - runs only where a GPU is lent
    ref, _ = _runs(NumpyBackend(), spec, objective, widths, eta)
    out, _ = _runs(TorchBackend("cuda", "float64"), spec, objective, widths, eta)
    for a, b in zip(ref, out, strict=True):
        np.testing.assert_allclose(b.losses, a.losses, rtol=1e-8, atol=1e-12)
