"""Every exponent of every catalogued bound is pinned by some per-paper test.

For each theorem, each of its bounds (width, iterations, step size) and each shared variable the
bound depends on (n, L, d, k, B, delta, lambda_0, gamma, eps, fail_prob; through the width where the
bound contains m), some `expect(...)` call in tests/catalog/test_*.py must pin the power of that
variable, and also the power of its logarithm where that is not 0 (`polylog={...}` or `polylog_n`).
The calls are read from the test files' source, so a new unpinned exponent fails here without
running the other tests.  Pins with `effective=True` (through relations) do not count: they pin
another expression.  The few triples that cannot be pinned with the paper's words are listed in
ALLOWED_UNPINNED, each with its reason; an allowance that is no longer needed fails too.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import bounds
from bounds.asymptotics import ASYMPTOTIC_VARIABLES, exponent
from bounds.expr.ir import free_symbols

HERE = Path(__file__).parent

_AZ_STEP = ("the step size Theta(delta / (n^4 L^2 m)) contains the width m; the engine's exponent substitutes the "
            "minimal width for m, a number that is not the paper's. test_allen_zhu_li_song_2019."
            "test_gd_step_size_delta_over_n4_L2_m pins the paper's form at fixed m instead")

# (entry id, quantity, variable): why no expect(...) pins it.
ALLOWED_UNPINNED: dict[tuple[str, str, str], str] = {
    ("allen-zhu-li-song-2019/thm1-gd", "step_size", "n"): _AZ_STEP,
    ("allen-zhu-li-song-2019/thm1-gd", "step_size", "L"): _AZ_STEP,
    ("allen-zhu-li-song-2019/thm1-gd", "step_size", "delta"): _AZ_STEP,
}


def _is_expect(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "expect"


def _expect_calls(node: ast.AST, env: dict):
    """The expect(...) calls under `node`, each with the values of the loop variables around it."""
    if isinstance(node, ast.For) and any(_is_expect(n) for n in ast.walk(node)):
        assert isinstance(node.target, ast.Name), f"line {node.lineno}: loop over pins must bind one name"
        for value in ast.literal_eval(node.iter):
            for child in node.body:
                yield from _expect_calls(child, {**env, node.target.id: value})
        return
    if _is_expect(node):
        yield node, env
    for child in ast.iter_child_nodes(node):
        yield from _expect_calls(child, env)


def _module_namespace(path: Path) -> dict:
    spec = importlib.util.spec_from_file_location(f"_pins_scan_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return vars(module)


def pinned() -> set[tuple[str, str, str, str]]:
    """(entry id, quantity, variable, "power" or "log") for every pin in the per-paper tests."""
    out: set[tuple[str, str, str, str]] = set()
    for path in sorted(HERE.glob("test_*.py")):
        if path.name == Path(__file__).name:
            continue
        namespace = _module_namespace(path)
        for call, env in _expect_calls(ast.parse(path.read_text(encoding="utf-8")), {}):
            where = f"{path.name}:{call.lineno}"
            try:
                entry_id, quantity = (eval(compile(ast.Expression(arg), where, "eval"), {**namespace, **env})
                                      for arg in call.args[:2])
            except Exception as exc:  # noqa: BLE001 - any failure means the pin cannot be read statically
                raise AssertionError(f"{where}: cannot read the entry id and quantity of this pin: {exc}") from exc
            keywords = {k.arg: k.value for k in call.keywords}
            assert None not in keywords, f"{where}: pins must name their variables (no **kwargs)"
            if "effective" in keywords and ast.literal_eval(keywords["effective"]):
                continue
            for name, value in keywords.items():
                if name in ("quote", "effective") or (isinstance(value, ast.Constant) and value.value is None):
                    continue
                if name == "polylog_n":
                    out.add((entry_id, quantity, "n", "log"))
                elif name == "polylog":
                    out.update((entry_id, quantity, var, "log") for var in ast.literal_eval(value))
                else:
                    out.add((entry_id, quantity, name, "power"))
    return out


def required() -> dict[tuple[str, str, str], set[str]]:
    """What each catalogued bound needs pinned: "power" for every variable it depends on, "log" too where
    that variable's log power is not 0."""
    out: dict[tuple[str, str, str], set[str]] = {}
    for entry in bounds.catalog():
        for quantity, bound in entry.bounds.items():
            if bound.expr is None:
                continue
            present = set(free_symbols(bound.expr))
            if "m" in present and "width" in entry.bounds:
                present |= free_symbols(entry.bounds["width"].expr)
            for var in ASYMPTOTIC_VARIABLES:
                if var not in present:
                    continue
                got = exponent(entry, quantity, var)
                out[(entry.id, quantity, var)] = {"power", "log"} if got.polylog else {"power"}
    return out


def test_every_exponent_of_every_bound_is_pinned():
    have = pinned()
    missing = []
    for (entry_id, quantity, var), kinds in sorted(required().items()):
        if (entry_id, quantity, var) in ALLOWED_UNPINNED:
            continue
        for kind in sorted(kinds):
            if (entry_id, quantity, var, kind) not in have:
                got = exponent(bounds.get(entry_id), quantity, var)
                value = got.power if kind == "power" else got.polylog
                missing.append(f"{entry_id} {quantity}: {kind} of {var} (now {value})")
    assert not missing, ("unpinned exponents: add an expect(...) with the paper's words, or an entry in "
                         "ALLOWED_UNPINNED with the reason:\n  " + "\n  ".join(missing))


def test_allowances_are_still_needed_and_give_a_reason():
    need = required()
    have = pinned()
    for (entry_id, quantity, var), reason in ALLOWED_UNPINNED.items():
        assert reason.strip(), (entry_id, quantity, var)
        assert (entry_id, quantity, var) in need, f"{entry_id} {quantity} no longer depends on {var}: drop it"
        assert (entry_id, quantity, var, "power") not in have, f"{entry_id} {quantity} {var} is pinned now: drop it"


def test_the_scan_sees_pins_in_loops_and_f_strings():
    have = pinned()
    # test_eftekhari_song_cevher_2019 pins two entries from one loop over f-strings.
    for slug in ("modified-gd-linear", "modified-sgd-linear"):
        assert (f"eftekhari-song-cevher-2019/{slug}", "width", "n", "power") in have
    assert ("du-zhai-poczos-singh-2019/thm4.1-gd", "iterations", "fail_prob", "log") in have
    # effective pins do not count for the stated bound
    assert ("du-zhai-poczos-singh-2019/thm4.1-gd", "width", "delta", "power") not in have
