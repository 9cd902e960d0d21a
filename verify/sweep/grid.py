"""Grids of configurations: the Cartesian product of a few axes, plus fixed fields."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import ConfigError


def product_grid(fixed: Mapping[str, Any] | None = None, **axes: Sequence[Any]) -> list[dict[str, Any]]:
    """One configuration per point of the product of `axes`, each with the `fixed` fields added.

    The last axis varies fastest: ``product_grid(n=[16, 32], seed=[0, 1])`` gives
    n=16 seed=0, n=16 seed=1, n=32 seed=0, n=32 seed=1.  An axis may not also be a fixed field.
    """
    fixed = dict(fixed or {})
    for name, values in axes.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise ConfigError(f"grid axis {name!r} must be a list of values, got {values!r}")
        if not values:
            raise ConfigError(f"grid axis {name!r} is empty")
        if name in fixed:
            raise ConfigError(f"{name!r} is both a grid axis and a fixed field")
    names = list(axes)
    return [{**fixed, **dict(zip(names, point, strict=True))} for point in itertools.product(*(axes[n] for n in names))]
