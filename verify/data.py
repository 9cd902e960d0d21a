"""Training sets in the papers' format: unit-norm inputs, bounded labels, a known separation.

Every theorem in the catalogue assumes ||x_i|| = 1 and |y_i| <= C, and its width depends on
the data through the separation delta = min_{i != j} ||x_i - x_j|| or through lambda_0.  The
generators here return a :class:`Dataset` that carries its measured separation and a record of
every choice made (normalisation, label rule, seed), so that a verdict can say what it ran on.

Sources: points on the unit sphere with a guaranteed minimum separation (random labels or a
teacher network), scikit-learn's bundled ``digits`` (offline; optional extra ``data``), and the
user's own ``.npy`` / ``.npz`` / ``.csv`` arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import DataError

__all__ = ["Dataset", "sphere", "digits", "load_arrays", "min_separation", "normalise_rows", "make_dataset"]

LABEL_RULES = ("random", "teacher")
_DUPLICATE_TOL = 1e-9


@dataclass
class Dataset:
    """Inputs X (n x d, unit-norm rows, float64), labels y (n,), and how they were made."""

    name: str
    X: np.ndarray
    y: np.ndarray
    delta: float
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])

    def describe(self) -> dict:
        """JSON-ready summary (no arrays)."""
        return {
            "name": self.name, "n": self.n, "d": self.d, "delta": self.delta,
            "label_range": [float(self.y.min()), float(self.y.max())], "notes": list(self.notes),
        }


def min_separation(X: np.ndarray, block: int = 2048) -> float:
    """min_{i != j} ||x_i - x_j||, computed blockwise in O(block * n) memory."""
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    if n < 2:
        return math.inf
    sq = np.einsum("ij,ij->i", X, X)
    best = math.inf
    for start in range(0, n, block):
        stop = min(n, start + block)
        d2 = sq[start:stop, None] + sq[None, :] - 2.0 * (X[start:stop] @ X.T)
        idx = np.arange(start, stop)
        d2[idx - start, idx] = np.inf
        best = min(best, float(np.min(d2)))
    return math.sqrt(max(best, 0.0))


def _closest_pair(X: np.ndarray) -> tuple[int, int]:
    d2 = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1) if X.shape[0] <= 2048 else None
    if d2 is None:  # pragma: no cover - only for very large user arrays with duplicates
        return -1, -1
    np.fill_diagonal(d2, np.inf)
    i, j = np.unravel_index(int(np.argmin(d2)), d2.shape)
    return int(min(i, j)), int(max(i, j))


def normalise_rows(X: np.ndarray) -> np.ndarray:
    """Rows scaled to unit Euclidean norm; a zero row is refused (it has no direction)."""
    X = np.asarray(X, dtype=np.float64)
    norms = np.linalg.norm(X, axis=1)
    if np.any(norms == 0):
        raise DataError(
            f"row {int(np.argmin(norms))} of the inputs is zero and cannot be normalised to the unit sphere"
        )
    return X / norms[:, None]


def _check_n_d(n: int, d: int) -> None:
    for name, value in (("n", n), ("d", d)):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise DataError(f"{name} must be a positive integer, got {value!r}")
    if n < 2:
        raise DataError("n must be at least 2 (a separation needs two points)")


def _labels(rule: str, X: np.ndarray, rng: np.random.Generator, notes: list[str]) -> np.ndarray:
    n, d = X.shape
    if rule == "random":
        notes.append("labels: independent uniform signs y_i in {-1, +1} (|y_i| <= C = 1)")
        return rng.choice(np.array([-1.0, 1.0]), size=n)
    if rule == "teacher":
        width = 16
        W = rng.standard_normal((width, d))
        a = rng.choice(np.array([-1.0, 1.0]), size=width)
        y = np.maximum(X @ W.T, 0.0) @ a / math.sqrt(width)
        y = y - y.mean()
        scale = float(np.max(np.abs(y)))
        y = y / scale if scale > 0 else y
        notes.append(
            f"labels: teacher network y = m^-1/2 sum_r a_r relu(w_r . x), m = {width}, w_r ~ N(0, I), "
            "a_r = +-1, centred and scaled so that max |y_i| = 1"
        )
        return y
    raise DataError(f"unknown label rule {rule!r} (known: {', '.join(LABEL_RULES)})")


def sphere(
    n: int, d: int = 10, delta: float | None = None, labels: str = "random", seed: int = 0, max_tries: int = 200
) -> Dataset:
    """n points uniform on the unit sphere S^(d-1), pairwise at least `delta` apart.

    With `delta` given, points are drawn one by one and a candidate closer than delta to an
    accepted point is redrawn (at most ``max_tries * n`` candidates, then a DataError says so);
    the returned ``Dataset.delta`` is the separation actually achieved (>= the requested one).
    """
    _check_n_d(n, d)
    if delta is not None and not (0 < delta <= 2):
        raise DataError(f"delta must lie in (0, 2] for points on the unit sphere, got {delta!r}")
    rng = np.random.default_rng(seed)
    notes = [f"inputs: uniform on the unit sphere S^{d - 1} (Gaussian draws normalised), seed {seed}"]
    if delta is None:
        X = normalise_rows(rng.standard_normal((n, d)))
    else:
        X = np.empty((n, d))
        count, drawn, budget = 0, 0, max_tries * n
        while count < n:
            batch = normalise_rows(rng.standard_normal((256, d)))
            for candidate in batch:
                drawn += 1
                if count == 0 or np.min(np.sum((X[:count] - candidate) ** 2, axis=1)) >= delta * delta:
                    X[count] = candidate
                    count += 1
                    if count == n:
                        break
            if count < n and drawn >= budget:
                raise DataError(
                    f"could not place {n} points on S^{d - 1} at separation {delta:g} ({count} placed after "
                    f"{drawn} candidates); lower --delta or raise --d"
                )
        notes.append(f"minimum separation delta >= {delta:g} enforced by rejection of close candidates")
    y = _labels(labels, X, rng, notes)
    return Dataset(name=f"sphere(n={n}, d={d})", X=X, y=y, delta=min_separation(X), notes=notes)


def _dedupe(X: np.ndarray, y: np.ndarray, notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    keep: list[int] = []
    for i in range(X.shape[0]):
        if keep and np.min(np.sum((X[keep] - X[i]) ** 2, axis=1)) < _DUPLICATE_TOL**2:
            continue
        keep.append(i)
    dropped = X.shape[0] - len(keep)
    if dropped:
        notes.append(
            f"dropped {dropped} rows that coincide with an earlier row after normalisation (lambda_0 would be 0)"
        )
    return X[keep], y[keep]


def digits(n: int | None = None, seed: int = 0) -> Dataset:
    """scikit-learn's bundled 8x8 digits (1797 images, offline), as the papers require.

    Centred by the mean image, rows normalised to unit norm, duplicates dropped; labels
    y = +1 for even digits and -1 for odd ones; a random subset of n rows (seeded) if n is given.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise DataError(
            "the digits data set needs scikit-learn: pip install 'overparam-bounds[data]' (or scikit-learn)"
        ) from exc
    raw = load_digits()
    X = raw.data.astype(np.float64)
    target = raw.target
    notes = [
        "inputs: scikit-learn digits (8x8 images, d = 64), centred by the mean image, rows normalised to unit norm",
        "labels: y = +1 for an even digit, -1 for an odd one",
    ]
    X = normalise_rows(X - X.mean(axis=0))
    y = np.where(target % 2 == 0, 1.0, -1.0)
    X, y = _dedupe(X, y, notes)
    if n is not None:
        if isinstance(n, bool) or int(n) != n or n < 2:
            raise DataError(f"n must be an integer >= 2, got {n!r}")
        if n > X.shape[0]:
            raise DataError(f"digits has {X.shape[0]} distinct images; asked for n = {n}")
        idx = np.sort(np.random.default_rng(seed).choice(X.shape[0], size=n, replace=False))
        X, y = X[idx], y[idx]
        notes.append(f"random subset of {n} images (seed {seed})")
    return Dataset(name=f"digits(n={X.shape[0]})", X=X, y=y, delta=min_separation(X), notes=notes)


def _array_shape(path: Path) -> tuple[int, ...] | None:
    """Shape of a .npy file from its header (nothing loaded), or None for other formats."""
    if path.suffix == ".npy":
        with path.open("rb") as handle:
            version = np.lib.format.read_magic(handle)
            shape, _, _ = (np.lib.format.read_array_header_1_0(handle) if version == (1, 0)
                           else np.lib.format.read_array_header_2_0(handle))
        return tuple(shape)
    return None


def _estimated_bytes(path: Path) -> float:
    shape = _array_shape(path)
    if shape is not None:
        return 8.0 * float(np.prod(shape))
    # text or zip: at most one float64 per two characters ("1,"), and a zip expands by its ratio
    return 4.0 * path.stat().st_size if path.suffix == ".csv" else 8.0 * path.stat().st_size


def _read(path: Path) -> dict[str, np.ndarray]:
    try:
        if path.suffix == ".npy":
            return {"array": np.load(path, allow_pickle=False)}
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                return {key: archive[key] for key in archive.files}
        if path.suffix in (".csv", ".txt"):
            with path.open() as handle:
                first = handle.readline()
            skip = 0
            try:
                [float(v) for v in first.replace(",", " ").split()]
            except ValueError:
                skip = 1  # a header line
            return {"array": np.loadtxt(path, delimiter="," if "," in first else None, skiprows=skip, ndmin=2)}
    except (ValueError, OSError, EOFError, KeyError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    raise DataError(f"unsupported data file {path.name!r} (use .npy, .npz with arrays X and y, or .csv)")


def load_arrays(
    path: str | Path, labels: str | Path | None = None, n: int | None = None, memory_budget: float | None = None
) -> Dataset:
    """The user's own data: X and y from files, normalised to unit-norm rows.

    ``path`` is a .npy or .csv array whose last column is y (unless ``labels`` names a separate
    file of n labels), or a .npz with arrays ``X`` and ``y``.  The file size is checked against
    ``memory_budget`` (bytes) before anything is read.  Rows that coincide after normalisation
    are refused: they make lambda_0 = 0 and no theorem applies.
    """
    from .memory import check_budget

    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such data file: {path}")
    try:
        estimated = _estimated_bytes(path)
    except (ValueError, OSError, EOFError) as exc:  # not a real .npy: a bad header
        raise DataError(f"cannot read {path}: {exc}") from None
    check_budget(f"reading {path.name}", estimated, memory_budget)
    arrays = _read(path)
    notes = [f"inputs: {path.name}, rows normalised to unit norm"]
    X, y = _inputs_and_labels(path.name, arrays, labels, notes)
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise DataError(f"{path.name} contains NaN or infinite values")
    if n is not None:
        X, y = _first_rows(path.name, X, y, n)
        notes.append(f"first {n} rows")
    X = normalise_rows(X)
    delta = min_separation(X)
    if delta < _DUPLICATE_TOL:
        i, j = _closest_pair(X)
        where = f"rows {i} and {j} coincide" if i >= 0 else "two rows coincide"
        raise DataError(f"{where} after normalisation, so lambda_0 = 0 and no theorem applies; remove duplicates")
    return Dataset(name=path.name, X=X, y=y, delta=delta, notes=notes)


def _inputs_and_labels(name: str, arrays: dict[str, np.ndarray], labels: str | Path | None,
                       notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """X (2-D) and y (one label per row) from the arrays read out of file `name`: a .npz's X and y, a separate
    labels file, or the last column of a single array; where the labels came from is appended to `notes`."""
    if "X" in arrays:
        X = arrays["X"]
        y = arrays.get("y")
        if y is None and labels is None:
            raise DataError(f"{name} has X but no y; add an array y or pass a labels file")
    else:
        if len(arrays) != 1 or "array" not in arrays:
            raise DataError(f"{name}: expected one array (or arrays X and y in a .npz), found {sorted(arrays)}")
        X, y = arrays["array"], None
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise DataError(f"{name}: expected a 2-D array, got shape {X.shape}")
    if labels is not None:
        y = np.asarray(next(iter(_read(Path(labels)).values())), dtype=np.float64).reshape(-1)
        notes.append(f"labels: {Path(labels).name}")
    elif y is None:
        if X.shape[1] < 2:
            raise DataError(f"{name}: the last column is taken as labels, so at least two columns are needed")
        X, y = X[:, :-1], X[:, -1]
        notes.append("labels: the last column of the file")
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise DataError(f"{X.shape[0]} inputs but {y.shape[0]} labels")
    return X, y


def _first_rows(name: str, X: np.ndarray, y: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first n rows of X and y; n must be a whole number from 2 to the number of rows in file `name`."""
    if isinstance(n, bool) or int(n) != n or n < 2:
        raise DataError(f"n must be an integer >= 2, got {n!r}")
    if n > X.shape[0]:
        raise DataError(f"{name} has {X.shape[0]} rows; asked for n = {n}")
    return X[:n], y[:n]


def make_dataset(
    kind: str, n: int, d: int | None = None, delta: float | None = None, labels: str = "random",
    seed: int = 0, memory_budget: float | None = None,
) -> Dataset:
    """Dispatch used by the CLI: ``sphere``, ``digits``, or a path to the user's arrays."""
    from .memory import check_budget

    if isinstance(n, bool) or n is None or int(n) != n or n < 2:
        raise DataError(f"--n must be an integer >= 2, got {n!r}")
    if kind == "sphere":
        d = 10 if d is None else d
        _check_n_d(n, d)
        # the data (n x d) and the n x n kernels and pairwise distances built from it
        check_budget(f"the sphere data set (n = {n}, d = {d})", 8.0 * (n * d + 4 * n * n), memory_budget)
        return sphere(n, d, delta=delta, labels=labels, seed=seed)
    if kind == "digits":
        return digits(n, seed=seed)
    path = Path(kind)
    if path.suffix in (".npy", ".npz", ".csv", ".txt") or path.exists():
        return load_arrays(path, n=n, memory_budget=memory_budget)
    raise DataError(f"unknown data set {kind!r}: use sphere, digits, or a .npy/.npz/.csv file")


def holdout(dataset: Dataset, count: int) -> tuple[Dataset, Dataset]:
    """(training set, held-out set): the last `count` rows are held out, the rest train.

    Both come from one draw (one teacher, one sampling), so the held-out points follow the
    training distribution.  Each part's separation is measured on its own rows.
    """
    n = dataset.n - int(count)
    if count < 1 or n < 2:
        raise DataError(f"cannot hold out {count} of {dataset.n} points (at least 2 must remain for training)")
    notes = list(dataset.notes)
    train = Dataset(dataset.name.replace(f"n={dataset.n}", f"n={n}"), dataset.X[:n], dataset.y[:n],
                    min_separation(dataset.X[:n]), notes + [f"the first {n} of {dataset.n} points drawn train"])
    test = Dataset(f"held-out part of {dataset.name}", dataset.X[n:], dataset.y[n:], min_separation(dataset.X[n:]),
                   notes + [f"the last {count} of {dataset.n} points drawn are held out"])
    return train, test
