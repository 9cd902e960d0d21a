"""The numpy backend: float64 reference, complete on its own (no optional dependency).

Every array operation of :mod:`verify.gd` lands in BLAS (``matmul`` with ``out=``) or in one
elementwise ufunc pass written into a preallocated buffer.
"""

from __future__ import annotations

import numpy as np

from .activations import Activation, activation
from .errors import BackendError


class NumpyBackend:
    """float64 (or float32) numpy arrays on the CPU."""

    name = "numpy"
    device = "cpu"

    def __init__(self, dtype: str = "float64"):
        if dtype not in ("float32", "float64"):
            raise BackendError(f"dtype must be float32 or float64, got {dtype!r}")
        self.dtype = dtype
        self._np_dtype = np.dtype(dtype)

    def asarray(self, a: np.ndarray) -> np.ndarray:
        return np.array(a, dtype=self._np_dtype, copy=True)

    def to_numpy(self, a) -> np.ndarray:
        return np.asarray(a, dtype=np.float64)

    def empty(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.empty(shape, dtype=self._np_dtype)

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape, dtype=self._np_dtype)

    def copy(self, a: np.ndarray) -> np.ndarray:
        return a.copy()

    def matmul_into(self, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
        np.matmul(a, b, out=out)

    def at_b(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a^T b (OpenBLAS takes the transposed operand directly)."""
        return a.T @ b

    def activate(self, act: Activation | str, Z: np.ndarray, S: np.ndarray) -> np.ndarray:
        """Write act'(Z) into S and return act(Z); for ReLU in place (Z becomes relu(Z))."""
        return activation(act).apply(Z, S)

    def positive(self, Z: np.ndarray) -> np.ndarray:
        return Z > 0

    def index(self, positions: np.ndarray) -> np.ndarray:
        """An integer index array for selecting rows or columns."""
        return np.asarray(positions, dtype=np.intp)

    def row_norms(self, a: np.ndarray) -> np.ndarray:
        return np.sqrt(np.einsum("ij,ij->i", a, a))
