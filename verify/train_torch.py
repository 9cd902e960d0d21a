"""The PyTorch backend (optional extra ``torch``): CPU or CUDA, float32 or float64, no autograd.

The same hand-written gradients as the numpy path (:mod:`verify.gd`) run on torch tensors
that do not require gradients (no autograd graph is built); weights are initialised in numpy
float64 from the seed and copied over, so both backends start from identical weights.  Import
this module only when torch is wanted: ``import verify`` never imports torch.
"""

from __future__ import annotations

import contextlib

import numpy as np

from .activations import Activation, activation
from .errors import BackendError

SMALL_STEP_FLOPS = 5e7


def _torch():
    try:
        import torch
    except ImportError as exc:
        raise BackendError(
            "the torch backend needs PyTorch: pip install 'overparam-bounds[torch]' "
            "(CPU wheel: pip install torch==2.13.0; for CUDA see the README)"
        ) from exc
    return torch


def cuda_available() -> bool:
    """Whether torch is installed and sees a CUDA device."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


class TorchBackend:
    """torch tensors on `device` ('cpu', 'cuda' or 'cuda:N') in `dtype`."""

    name = "torch"

    def __init__(self, device: str = "cpu", dtype: str = "float32"):
        torch = _torch()
        if dtype not in ("float32", "float64"):
            raise BackendError(f"dtype must be float32 or float64, got {dtype!r}")
        if device.startswith("cuda"):
            if not torch.cuda.is_available():
                built = ("a CPU-only build of torch" if torch.version.cuda is None
                         else f"torch built for CUDA {torch.version.cuda}")
                raise BackendError(f"--device {device}: no CUDA GPU is visible here ({built}); use --device cpu")
            index = int(device.split(":")[1]) if ":" in device else 0
            if index >= torch.cuda.device_count():
                raise BackendError(f"--device {device}: only {torch.cuda.device_count()} CUDA device(s) visible")
        elif device != "cpu":
            raise BackendError(f"unknown device {device!r} (use cpu, cuda or cuda:N)")
        self.torch = torch
        self.device = device
        self.dtype = dtype
        self._dtype = torch.float32 if dtype == "float32" else torch.float64

    def memory_budget(self) -> float | None:
        """Free memory of the CUDA device (None on the CPU, where the RAM budget applies)."""
        if self.device.startswith("cuda"):
            free, _ = self.torch.cuda.mem_get_info(self.torch.device(self.device))
            return 0.8 * float(free)
        return None

    def asarray(self, a: np.ndarray):
        return self.torch.as_tensor(np.asarray(a), dtype=self._dtype, device=self.device).clone()

    def to_numpy(self, a) -> np.ndarray:
        if isinstance(a, np.ndarray):
            return a.astype(np.float64, copy=False)
        return a.detach().to("cpu", dtype=self.torch.float64).numpy()

    def empty(self, shape: tuple[int, ...]):
        return self.torch.empty(shape, dtype=self._dtype, device=self.device)

    def zeros(self, shape: tuple[int, ...]):
        return self.torch.zeros(shape, dtype=self._dtype, device=self.device)

    def copy(self, a):
        return a.clone()

    def matmul_into(self, a, b, out) -> None:
        self.torch.matmul(a, b, out=out)

    def at_b(self, a, b):
        """a^T b, computed as (b^T a)^T: MKL's double GEMM is about twice as fast that way round for a
        tall a (measured 36 ms vs 15 ms for a 1000 x 4096 a and 1000 x 100 b)."""
        return (b.T @ a).T

    def activate(self, act: Activation | str, Z, S):
        """Write act'(Z) into S and return act(Z); for ReLU in place (Z becomes relu(Z))."""
        return activation(act).apply_torch(Z, S)

    def positive(self, Z):
        return Z > 0

    def index(self, positions: np.ndarray):
        """An integer index tensor on this device, for selecting rows or columns."""
        return self.torch.as_tensor(np.asarray(positions, dtype=np.int64), device=self.device)

    def row_norms(self, a):
        return self.torch.linalg.vector_norm(a, dim=1)

    @contextlib.contextmanager
    def scope(self, step_flops: float):
        """Run small problems on one CPU thread: below ~5e7 flops a step, waking a second OpenMP
        thread costs more than it saves (measured: 12 ms vs 0.5 ms a step for n = 12, m = 200)."""
        if self.device != "cpu" or step_flops >= SMALL_STEP_FLOPS or self.torch.get_num_threads() == 1:
            yield
            return
        before = self.torch.get_num_threads()
        self.torch.set_num_threads(1)
        try:
            yield
        finally:
            self.torch.set_num_threads(before)

    def synchronize(self) -> None:
        if self.device.startswith("cuda"):
            self.torch.cuda.synchronize()
