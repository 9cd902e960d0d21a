"""The one `--const` flag: hidden constants of the theorems, for every command that evaluates them.

``--const NAME=VALUE`` sets the constant in every selected theorem that has it;
``--const ID:NAME=VALUE`` in theorem ID only.  Values are decimal text read by
:func:`bounds.numbers.number` (1e400 is fine, inf and NaN are refused, naming the flag).
`bounds compare`, `crossover` and `plot` pass the parsed mapping on (the engine splits it by
theorem); `bounds verify`, which trains one theorem, takes it through :func:`constants_for`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import click

from ..errors import ParameterError
from ..numbers import number

const_option = click.option(
    "--const", "constants", multiple=True, metavar="[ID:]NAME=VALUE",
    help="Set a hidden constant, e.g. C_width=10 or allen-zhu-li-song-2019/thm1-gd:C_width=10 (repeatable).")


def parse_constants(items: tuple[str, ...]) -> dict[str, Any]:
    """``("C_width=10", "ID:C_iter=2")`` -> ``{"C_width": 10.0, "ID:C_iter": 2.0}``; a name given twice is refused."""
    constants: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name or not value.strip():
            raise ParameterError(f"--const expects [ID:]NAME=VALUE with a number, got {item!r}")
        if name in constants:
            raise ParameterError(f"--const {name} is given twice")
        constants[name] = number(value, f"--const {name}")
    return constants


def constants_for(constants: Mapping[str, Any], entry_id: str) -> dict[str, float]:
    """The parsed constants of one theorem as plain floats, keyed by NAME.

    For a command that trains one theorem: ``ID:NAME`` must name that theorem, and a value must
    be a float (training runs in floating point, not in log space).  Whether the theorem has
    each NAME is the engine's check, with its own message.
    """
    chosen: dict[str, float] = {}
    for key, value in constants.items():
        target, sep, name = key.rpartition(":")
        if sep and target != entry_id:
            raise ParameterError(f"--const {key}: {target} is not the theorem given ({entry_id})")
        if name in chosen:
            raise ParameterError(f"--const {name} is given twice")
        as_float = float(value)
        if not math.isfinite(as_float) or (as_float == 0 and value != 0):
            raise ParameterError(f"--const {key}={value}: beyond floating-point range, which training needs")
        chosen[name] = as_float
    return chosen
