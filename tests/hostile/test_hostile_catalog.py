"""A user catalogue file is code someone else wrote: every command refuses it in one line naming
file:line [field], exit 2, within the time limit, or reads it with one meaning per name."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from conftest import PAPER, TIME_LIMIT_S, catalogue, relation, theorem, toml_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bounds.errors import CatalogError
from bounds.loader import load_text

USER_CATALOG = Path(__file__).parents[1] / "data" / "user_catalog"
LOCATION = re.compile(r"mine\.toml:\d+")

#: Widths that no command may accept, with what the one-line message must name.
REFUSED_WIDTHS = [
    ("𝑛^2", "U+1D45B"),
    ("ｎ^2", "U+FF4E"),
    ("0", "positive"),
    ("-n^2", "positive"),
    ("sqrt(-n)", "positive"),
    ("1/(n-n)", "positive"),
    ("n*log(0)", "positive"),
    ("log(n, n)", "base"),
    ("__import__('os').system('true')", "only plain function names"),
    ("n" * 2001, "longer than"),
    ("(" * 3000 + "n" + ")" * 3000, "expression"),
]


@pytest.mark.parametrize("command", [["validate"], ["list"], ["compare", "--n", "10", "--L", "2"],
                                     ["show", "h-2026/t"]])
@pytest.mark.parametrize("width, needle", REFUSED_WIDTHS)
def test_bad_width_is_refused_by_every_command_with_file_line_field(bounds_cli, write, command, width, needle):
    path = write(catalogue(theorem(width)))
    args = [*command, path] if command == ["validate"] else [*command, "--catalog", path]
    outcome = bounds_cli(*args).refused("[theorem[0].width.expr]", needle)
    assert LOCATION.search(outcome.stderr), outcome.stderr


@pytest.mark.parametrize("width, log10_width", [("1e100000000 * n", 100000001.0), ("1e400 * n", 401.0),
                                                ("10^400 * n", 401.0),
                                                ("((((((2^64)^64)^64)^64)^64)^64)", 64**6 * 0.30102999566398120)])
def test_huge_constants_are_ordinary_values_and_quick(bounds_cli, write, width, log10_width):
    path = write(catalogue(theorem(width)))
    bounds_cli("list", "--catalog", path).succeeded()
    for fmt in ("pretty", "latex", "json"):  # SymPy must not expand 10^100000000 into digits
        bounds_cli("show", "h-2026/t", "--catalog", path, "--format", fmt).succeeded()
    bounds_cli("dominance", "h-2026/t", "zou-gu-2019/thm-gd", "--catalog", path).succeeded()
    outcome = bounds_cli("compare", "--n", "10", "--id", "h-2026/t", "--catalog", path, "--format", "json").succeeded()
    (row,) = json.loads(outcome.stdout, parse_constant=_refuse)
    assert row["width_log10"] == pytest.approx(log10_width, rel=1e-9)


@pytest.mark.parametrize("width", ["n^n^n^n", "exp(exp(exp(n)))", "n^(n^n)", "2^64^64 * n"])
def test_towers_give_null_with_a_reason_not_an_internal_error(bounds_cli, write, width):
    path = write(catalogue(theorem(width)))
    outcome = bounds_cli(
        "compare", "--n", "1000", "--id", "h-2026/t", "--catalog", path, "--format", "json"
    ).succeeded()
    (row,) = json.loads(outcome.stdout, parse_constant=_refuse)
    for fmt in ("pretty", "latex", "json"):
        bounds_cli("show", "h-2026/t", "--catalog", path, "--format", fmt).succeeded()
    assert row["width_log10"] is None
    assert any("beyond the engine's range" in w for w in row["warnings"]), row["warnings"]


def test_confusable_parameter_name_is_refused_not_read_as_n(bounds_cli, write):
    parameters = '[theorem.parameters]\n"ｎ" = { meaning = "fullwidth n", maps_to = "n^5" }\n'
    path = write(catalogue(theorem("n^2", parameters=parameters)))
    for args in (["show", "h-2026/t", "--catalog", path], ["compare", "--n", "10", "--catalog", path],
                 ["validate", path]):
        bounds_cli(*args).refused("[theorem[0].parameters.ｎ]", "not a valid parameter name")


def test_toml_nested_5000_deep_names_file_and_line(bounds_cli, write):
    path = write(PAPER + "\nx = " + "[" * 5000 + "]" * 5000 + "\n")
    bounds_cli("list", "--catalog", path).refused("mine.toml:9", "nested")
    path = write(PAPER + "\nx = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n")
    bounds_cli("list", "--catalog", path).refused("mine.toml:9", "nested")


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = catalogue(theorem("n^2")).replace('quote = "q"', 'quote = "' + "[" * 500 + '"')
    entries, _ = load_text(text, "mine.toml")
    assert entries[0].quote == "[" * 500


def test_utf8_byte_order_mark_is_accepted(bounds_cli, write):
    path = write("\ufeff" + catalogue(theorem("n^2")), encoding="utf-8")
    assert "1 theorem(s) valid" in bounds_cli("validate", path).succeeded().stdout


@pytest.mark.parametrize("content, needle", [
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b"[paper]\nkey = \"x\x80\"\n", "mine.toml:2"),
    (b"x" * 1_100_000, "at most"),
])
def test_unreadable_files(bounds_cli, write, content, needle):
    bounds_cli("list", "--catalog", write(content)).refused(needle)


def test_relation_defining_a_size_is_refused(bounds_cli, write):
    for symbol in ("n", "L", "m"):
        path = write(catalogue(theorem("n^2"), relations=relation(symbol, "1/lambda_0")))
        bounds_cli("validate", path).refused("[relation[0].symbol]", f"cannot define {symbol}")


def test_second_relation_for_the_same_kernel_is_refused(bounds_cli, write):
    path = write(catalogue(theorem("n^2"), relations=relation("lambda_0", "delta / n")))
    bounds_cli("compare", "--n", "10", "--L", "2", "--catalog", path).refused(
        "mine.toml:", "lambda0-separation already"
    )


def test_relation_cycle_is_refused_by_validate_with_its_line(bounds_cli, write):
    rels = relation("lambda_0", "gamma / n", kernel="k1") + relation("gamma", "lambda_0", slug="r2", kernel="k1")
    path = write(catalogue(theorem("n^2"), relations=rels))
    for args in (["validate", path], ["compare", "--n", "10", "--L", "2", "--catalog", path]):
        bounds_cli(*args).refused("mine.toml:", "cycle")


def test_directory_plus_a_file_inside_it_is_read_once(bounds_cli, write):
    path = write(catalogue(theorem("n^2")))
    outcome = bounds_cli("list", "--catalog", path.parent, "--catalog", path, "--format", "json").succeeded()
    assert [r["id"] for r in json.loads(outcome.stdout)].count("h-2026/t") == 1
    validated = bounds_cli("validate", path.parent, path).succeeded().stdout
    assert validated.count("ok  h-2026/t") == 1 and "1 theorem(s) valid" in validated


def test_a_real_duplicate_names_both_files(bounds_cli, write):
    first = write(catalogue(theorem("n^2")), "a.toml")
    second = write(catalogue(theorem("n^3")), "b.toml")
    outcome = bounds_cli("list", "--catalog", first, "--catalog", second).refused("duplicate theorem id")
    assert "a.toml" in outcome.stderr and "b.toml" in outcome.stderr


def _balanced(leaf: str, op: str, count: int) -> str:
    if count == 1:
        return leaf
    return f"({_balanced(leaf, op, count // 2)}){op}({_balanced(leaf, op, count - count // 2)})"


def test_many_substitutions_are_bounded(bounds_cli, write):
    # a parameter that expands into a long expression, used many times
    big = _balanced("n", "+", 256)  # 257 nodes, nested only 9 deep
    parameters = f'[theorem.parameters]\nq = {{ meaning = "q", maps_to = {toml_string(big)} }}\n'
    path = write(catalogue(theorem(_balanced("q", "*", 128), parameters=parameters)))
    bounds_cli("list", "--catalog", path).refused("[theorem[0].width.expr]", "too large")


# -- fuzzing TOML structure ---------------------------------------------------------------

_keys = st.sampled_from(["paper", "theorem", "relation", "key", "slug", "expr", "width", "setting", "parameters",
                         "bound", "ｎ", "n", "C_width", "constants", "default", "maps_to", "kernel", "symbol"])
_scalars = st.one_of(st.text(max_size=12), st.integers(-10**30, 10**30), st.floats(allow_nan=True),
                     st.booleans(), st.sampled_from(["n^2", "Omega", "quoted", "two-layer", "GD", "relu", "1e400",
                                                     "n^n^n", "lambda_0"]))
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                          st.dictionaries(_keys, inner, max_size=4)), max_leaves=20)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_string(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


def _document(data: dict) -> str:
    return "\n".join(f"{toml_string(k)} = {_toml_value(v)}" for k, v in data.items()) + "\n"


_base = {"paper": {"key": "h-2026", "authors": ["A"], "title": "T", "year": 2026, "arxiv": "2601.00001",
                   "arxiv_version": "v1"}}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_keys, _values, max_size=5), st.booleans())
def test_fuzzed_toml_structure_is_refused_with_a_location_or_read(data, keep_paper):
    document = {**(_base if keep_paper else {}), **data}
    text = _document(document)
    start = time.perf_counter()
    try:
        load_text(text, "fuzz.toml")
    except CatalogError as exc:
        assert str(exc).startswith("fuzz.toml"), str(exc)
        assert "\n" not in str(exc).strip()
    assert time.perf_counter() - start < TIME_LIMIT_S


_theorem_fields = st.fixed_dictionaries({}, optional={
    "slug": _values, "label": _values, "summary": _values, "confidence": _values, "quote": _values,
    "setting": st.one_of(_values, st.just({"architecture": "two-layer", "activation": "relu", "algorithm": "GD"})),
    "width": st.one_of(_values, st.builds(lambda e: {"expr": e, "bound": "Omega"},
                                          st.text(alphabet="n^*+-/()e0123456789.ｎ𝑛 Llogexp", max_size=20))),
    "parameters": _values, "constants": _values, "conditions": _values,
})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_theorem_fields)
def test_fuzzed_theorems_are_refused_with_a_location_or_evaluate(fields):
    full = {"slug": "t", "label": "T", "summary": "s", "confidence": "quoted", "quote": "q",
            "setting": {"architecture": "two-layer", "activation": "relu", "algorithm": "GD"},
            "width": {"expr": "n^2", "bound": "Omega"}, **fields}
    text = _document(_base) + "theorem = [" + _toml_value(full) + "]\n"
    start = time.perf_counter()
    try:
        entries, _ = load_text(text, "fuzz.toml")
    except CatalogError as exc:
        assert str(exc).startswith("fuzz.toml"), str(exc)
    else:
        from bounds.errors import BoundsError
        from bounds.evaluate import evaluate_entry

        try:
            result = evaluate_entry(entries[0], {"n": 1000, "L": 3}, relations=())
        except BoundsError:
            pass
        else:
            assert result.width_log10 is None or result.width_log10 != float("inf")
    assert time.perf_counter() - start < TIME_LIMIT_S


def _refuse(name):
    raise ValueError(f"non-standard JSON constant {name}")


_expression_text = st.lists(st.sampled_from(["n", "L", "delta", "lambda_0", "eps", "m", "d", "1e400", "2", "0.5",
                                             "+", "-", "*", "/", "^", "(", ")", "log(", "exp(", "sqrt(", "max(",
                                             ",", "ｎ", " "]), min_size=1, max_size=14).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(_expression_text)
def test_fuzzed_widths_through_every_reading_command(bounds_cli, tmp_path_factory, width):
    """Whatever the width text, each command either works or refuses in one line: never exit 1."""
    path = tmp_path_factory.mktemp("fuzz") / "mine.toml"
    path.write_text(catalogue(theorem(width)), encoding="utf-8")
    for args in (["validate", path], ["show", "h-2026/t", "--catalog", path, "--format", "json"],
                 ["compare", "--n", "1000", "--L", "3", "--id", "h-2026/t", "--catalog", path, "--format", "json"],
                 ["crossover", "h-2026/t", "my-2026/thm2", "--catalog", path, "--catalog", USER_CATALOG]):
        outcome = bounds_cli(*args)
        if outcome.exit_code == 0:
            if "--format" in args:
                json.loads(outcome.stdout, parse_constant=_refuse)
            continue
        outcome.refused()


def test_relations_that_use_each_other_hundreds_of_times_are_refused_quickly(bounds_cli, write):
    """An entry names its own relations for gamma, eps and fail_prob, each using the next symbol
    128 times: substituted into each other they multiply in size (128^3 leaves); the size check,
    made after every round of substitution, stops them before they are built."""
    parameters = ('[theorem.parameters]\n'
                  'gamma = { meaning = "g", relation = "h-2026/g" }\n'
                  'eps = { meaning = "e", relation = "h-2026/e" }\n'
                  'fail_prob = { meaning = "f", relation = "h-2026/f" }\n')
    rels = (relation("gamma", _balanced("eps", "+", 128), slug="g", kernel="kg")
            + relation("eps", _balanced("fail_prob", "*", 128), slug="e", kernel="ke")
            + relation("fail_prob", _balanced("delta", "+", 128), slug="f", kernel="kf"))
    path = write(catalogue(theorem("n^2 / gamma", parameters=parameters), relations=rels))
    bounds_cli("crossover", "h-2026/t", "my-2026/thm2", "--catalog", path, "--catalog", USER_CATALOG).refused(
        "expand to more than")
    bounds_cli("dominance", "h-2026/t", "my-2026/thm2", "--effective", "--catalog", path, "--catalog",
               USER_CATALOG).refused("expand to more than")
    # the point path evaluates relations one after another: no blow-up, an ordinary number
    outcome = bounds_cli("compare", "--n", "1000", "--id", "h-2026/t", "--catalog", path, "--format", "json")
    outcome.refused("expand to more than") if outcome.exit_code else outcome.succeeded()


def _reference_nesting_line(text: str, limit: int) -> int | None:
    """A character-by-character scan with the TOML rules the loader's regular expression encodes."""
    depth, line, i = 0, 1, 0
    while i < len(text):
        char = text[i]
        if char == "\n":
            line += 1
        elif char == "#":
            while i + 1 < len(text) and text[i + 1] != "\n":
                i += 1
        elif char in "\"'":
            quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else char
            i += len(quote)
            while i < len(text) and not text.startswith(quote, i):
                if len(quote) == 1 and text[i] == "\n":
                    break  # a one-line string ends with its line; the newline is counted below
                if text[i] == "\\" and quote[0] == '"':
                    line += text[i + 1:i + 2] == "\n"
                    i += 2
                    continue
                line += text[i] == "\n"
                i += 1
            if i < len(text) and text[i] == "\n" and len(quote) == 1:
                continue
            i += len(quote)
            continue
        elif char in "[{":
            depth += 1
            if depth > limit:
                return line
        elif char in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="[]{}\"'#\\\nab =", max_size=300))
def test_nesting_scan_agrees_with_a_character_scan(text):
    from bounds import loader

    deep = "[" * (loader.MAX_TOML_NESTING - 2)
    for candidate in (text, deep + text, text + deep + text):
        assert loader._too_deep(candidate) == _reference_nesting_line(candidate, loader.MAX_TOML_NESTING)


@pytest.mark.parametrize("tail", ['"[\\', '"""[\\', '"[a\\'])
def test_a_string_cut_by_the_end_after_a_backslash_hides_its_brackets(tail):
    """Found by the property above: a basic string whose last character is a backslash, at the very end of the
    text, once failed to match as a string, so its brackets counted as nesting."""
    from bounds import loader

    text = "[" * loader.MAX_TOML_NESTING + tail
    assert loader._too_deep(text) is None
    assert _reference_nesting_line(text, loader.MAX_TOML_NESTING) is None
