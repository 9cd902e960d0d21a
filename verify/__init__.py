"""verify: train networks in each paper's own setting and check the catalogue's guarantees.

The catalogue (:mod:`bounds`) says what theory promises; this package finds out whether real
gradient descent on real networks keeps those promises, and how much smaller a network would
have done.  Quick start::

    import bounds, verify
    data = verify.sphere(n=32, d=10, seed=0)
    verdict = verify.verify_entry(bounds.get("du-zhai-poczos-singh-2019/thm4.1-gd"), data,
                                  widths=[1000])
    [(g.name, g.held, g.measured, g.predicted) for g in verdict.primary.guarantees]
    verify.relu_ntk(data.X, depth=3)      # analytic infinite-width NTK (Arora et al. convention)
    verify.verify_entry(bounds.get("zou-gu-2019/thm-sgd"), data, L=1, widths=[256], batch=8)  # minibatch SGD

numpy (float64) is the reference backend and needs nothing else; ``backend="torch"`` uses the
optional PyTorch extra (CPU or CUDA, float32 or float64).  Importing this package never imports torch.
"""

from __future__ import annotations

from .data import Dataset, digits, holdout, load_arrays, make_dataset, min_separation, sphere
from .errors import BackendError, DataError, MemoryBudgetError, UnsupportedSettingError, VerifyError
from .measure import Guarantee
from .models import NetworkSpec, model_for_entry
from .ntk import du_hinf, relu_ntk, relu_ntk_terms
from .objectives import Objective
from .resnet import resnet_ntk
from .verdict import Verdict, WidthResult, ntk_margin, verify_entry

__all__ = [
    "Dataset", "digits", "load_arrays", "make_dataset", "min_separation", "sphere", "BackendError", "DataError",
    "MemoryBudgetError", "UnsupportedSettingError", "VerifyError", "Guarantee", "NetworkSpec", "model_for_entry",
    "du_hinf", "relu_ntk", "relu_ntk_terms", "Verdict", "WidthResult", "verify_entry", "holdout", "Objective",
    "resnet_ntk", "ntk_margin",
]
