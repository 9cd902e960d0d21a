"""Layers point one way: `bounds` imports nothing from `verify`, whose commands join the one CLI lazily.

The training commands (`verify`, `gap`, `report`, `sweep`) are declared as entry points of the
group ``bounds.commands`` and imported only when run; `bounds --help` lists them without
importing them; `bounds sweep` has the exit statuses of every other command; every command that
takes hidden constants takes them through the one `--const` flag.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bounds.cli import lazy, main

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
TRAINING_COMMANDS = {"verify", "gap", "report", "sweep"}


# --- no module under bounds/ imports verify -------------------------------------------------------

def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in `source`, those inside functions included.

    Covers ``import x``, ``from x import y`` (relative ones resolved against `module`), and
    ``importlib.import_module("x")`` / ``__import__("x")`` with a literal name.
    """
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
            if name in ("import_module", "__import__"):
                found.append((node.lineno, node.args[0].value))
    return found


def _names_verify(module: str) -> bool:
    return module == "verify" or module.startswith("verify.")


def test_the_import_scanner_sees_lazy_relative_and_dynamic_imports():
    source = textwrap.dedent("""
        import os
        def later():
            from verify.data import sphere
            import verify.gap.report as report
        def dynamic():
            import importlib
            return importlib.import_module("verify.sweep"), __import__("verify")
        from .. import verify
        from .lazy import SHORT_HELP
    """)
    found = imported_modules(source, "bounds.cli.x", is_package=False)
    flagged = {(line, name) for line, name in found if _names_verify(name)}
    assert {line for line, _ in flagged} == {4, 5, 8}
    assert (9, "bounds.verify") in found and (10, "bounds.cli.lazy") in found  # relative: inside bounds


def test_no_module_under_bounds_imports_verify():
    files = sorted((ROOT / "bounds").rglob("*.py"))
    assert len(files) > 20 and ROOT / "bounds" / "cli" / "lazy.py" in files
    offenders, count = [], 0
    for path in files:
        found = imported_modules(path.read_text(encoding="utf-8"), _module_name(path), path.name == "__init__.py")
        count += len(found)
        offenders += [f"{path.relative_to(ROOT)}:{line}: {name}" for line, name in found if _names_verify(name)]
    assert count > 100  # the scan really read the imports
    assert offenders == []


# --- the command list, without importing verify ---------------------------------------------------

def _python(code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


LOADED_AFTER = """
import json, sys
from bounds.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    status = exc.code
loaded = sorted(m for m in sys.modules if m == "verify" or m.startswith("verify."))
print(json.dumps({"status": status, "modules": loaded, "numpy": "numpy" in sys.modules}), file=sys.stderr)
"""


def _listed(help_text: str) -> list[str]:
    lines = help_text.split("Commands:\n", 1)[1].splitlines()
    return [line.split()[0] for line in lines if line.startswith("  ") and not line.startswith("   ")]


def _run_counting_verify(*args: str) -> tuple[str, int, list[str]]:
    done = _python(LOADED_AFTER, *args)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return done.stdout, report["status"], report["modules"]


def test_help_lists_every_command_without_importing_verify():
    out, status, loaded = _run_counting_verify("--help")
    assert status == 0 and loaded == []
    declared = set(lazy.declared_commands())
    assert declared >= TRAINING_COMMANDS
    assert _listed(out) == sorted(set(main.commands) | declared)
    assert {"compare", "list", "show", "validate"} <= set(_listed(out))


def test_compare_does_not_import_verify():
    out, status, loaded = _run_counting_verify("compare", "--n", "1000", "--L", "10")
    assert status == 0 and loaded == [] and "du-zhai-poczos-singh-2019/thm4.1-gd" in out


def test_single_point_commands_do_not_import_numpy():
    """Only the grid path (bounds.expr.compiled) needs NumPy; its import is a fifth of the cold start."""
    for args in (["compare", "--n", "1000", "--L", "10"], ["show", "du-zhai-poczos-singh-2019/thm4.1-gd"]):
        done = _python(LOADED_AFTER, *args)
        report = json.loads(done.stderr.strip().splitlines()[-1])
        assert report["status"] == 0 and report["numpy"] is False, args


def test_the_listing_lines_are_the_commands_own():
    """SHORT_HELP, shown while a command is not imported, says what the command's own help says."""
    lazy_listing = _python("from bounds.cli import main; main()", "--help").stdout
    loaded_listing = _python("import click; from bounds.cli import main; ctx = click.Context(main); "
                             "[main.get_command(ctx, n) for n in main.list_commands(ctx)]; main()", "--help").stdout
    assert "Commands:" in lazy_listing and lazy_listing == loaded_listing
    ctx = click.Context(main)
    for name, text in lazy.SHORT_HELP.items():
        assert main.get_command(ctx, name).get_short_help_str(1000) == text, name


def test_short_help_covers_what_pyproject_declares():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["bounds.commands"]
    assert set(declared) == set(lazy.SHORT_HELP) == TRAINING_COMMANDS
    installed = {name: point.value for name, point in lazy.declared_commands().items()}
    assert {name: installed.get(name) for name in declared} == declared, "reinstall: pip install -e ."
    assert all(not value.startswith("bounds") for value in declared.values())


# --- bounds sweep -----------------------------------------------------------------------------------

def _bounds(*args: str, module: str = "bounds") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_bounds_sweep_help():
    done = _bounds("sweep", "--help")
    assert done.returncode == 0 and done.stderr == ""
    assert "bounds sweep [OPTIONS] COMMAND [ARGS]" in done.stdout and {"run", "show"} <= set(_listed(done.stdout))
    assert _bounds("sweep", "run", "--help").returncode == 0


@pytest.mark.parametrize("args, needle", [
    (("run", "--task", "toy", "--grid", "n", "--store", "STORE"), "error: --grid 'n': expected NAME=VALUE"),
    (("run", "--task", "nosuch", "--grid", "n=1", "--store", "STORE"), "use one of du2019, zou-gu2019, toy"),
    (("show", "--store", "STORE"), "error: no sweep store at"),
    (("run", "--bogus"), "No such option '--bogus'"),
])
def test_bounds_sweep_user_errors_exit_2_like_the_alias(tmp_path, args, needle):
    args = [str(tmp_path / "s.jsonl") if a == "STORE" else a for a in args]
    done = _bounds("sweep", *args)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and needle in done.stderr, done.stderr
    assert not (tmp_path / "s.jsonl").exists()
    alias = _bounds(*args, module="verify.sweep")  # the former name: the same group, statuses and messages
    assert alias.returncode == 2
    assert alias.stderr.replace("python -m verify.sweep", "python -m bounds sweep") == done.stderr


def test_bounds_sweep_runs_and_a_failed_run_exits_1(tmp_path):
    store = tmp_path / "s.jsonl"
    done = _bounds("sweep", "run", "--task", "toy", "--grid", "n=1,2", "--grid", "fail=false,true",
                   "--store", str(store), "--workers", "1", "--quiet")
    assert done.returncode == 1, done.stderr
    assert "2 of 4 runs failed (see `bounds sweep show --failed" in done.stderr
    shown = _bounds("sweep", "show", "--store", str(store))
    assert shown.returncode == 0 and "verify.sweep.toy:toy_task  error  2" in shown.stdout


# --- commands declared by other packages ------------------------------------------------------------

@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """A third-party package declaring two commands, one of which cannot be imported."""
    (tmp_path / "bounds_plugin_example.py").write_text(textwrap.dedent('''
        import click

        @click.command()
        def hello():
            """Say hello from a plug-in."""
            click.echo("hello from the plug-in")
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    points = {**lazy.declared_commands(),
              "hello": EntryPoint("hello", "bounds_plugin_example:hello", lazy.ENTRY_POINT_GROUP),
              "broken": EntryPoint("broken", "no_such_module_anywhere:command", lazy.ENTRY_POINT_GROUP),
              "compare": EntryPoint("compare", "no_such_module_anywhere:compare", lazy.ENTRY_POINT_GROUP)}
    monkeypatch.setattr(lazy, "declared_commands", lambda: points)
    monkeypatch.setattr(main, "_loaded", {})


def test_a_declared_command_joins_the_cli(plugin):
    listing = CliRunner().invoke(main, ["--help"])
    assert listing.exit_code == 0
    assert re.search(r"^  hello +Say hello from a plug-in\.$", listing.stdout, re.M), listing.stdout
    assert re.search(r"^  broken +\(unavailable: the command 'broken'", listing.stdout, re.M), listing.stdout
    ran = CliRunner().invoke(main, ["hello"])
    assert ran.exit_code == 0 and ran.stdout == "hello from the plug-in\n"
    assert CliRunner().invoke(main, ["compare", "--n", "1000", "--L", "10"]).exit_code == 0  # own commands win


def test_a_broken_declared_command_is_one_line_and_exit_2(plugin):
    result = CliRunner().invoke(main, ["broken"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.strip() == ("error: the command 'broken' (no_such_module_anywhere:command) cannot be loaded: "
                                     "ModuleNotFoundError: No module named 'no_such_module_anywhere'")


# --- one --const flag ---------------------------------------------------------------------------------

def _all_commands() -> dict[str, click.Command]:
    ctx = click.Context(main)
    return {name: main.get_command(ctx, name) for name in main.list_commands(ctx)}


def test_hidden_constants_have_one_flag():
    takers = {name for name, command in _all_commands().items()
              for param in command.params if "--const" in param.opts}
    assert takers == {"compare", "crossover", "plot", "verify"}
    for command in _all_commands().values():
        for param in command.params:
            assert "--constant" not in param.opts and (param.name != "constants" or param.opts == ["--const"])


@pytest.mark.parametrize("command", [["compare", "--n", "1000", "--L", "10"],
                                     ["verify", "du-zhai-poczos-singh-2019/thm4.1-gd", "--n", "8"]])
@pytest.mark.parametrize("const, needle", [("C_width", "--const expects [ID:]NAME=VALUE"),
                                           ("C_width=nan", "--const C_width must be a finite number"),
                                           ("C_width=1", "--const C_width is given twice")])
def test_one_parser_one_message(command, const, needle):
    extra = ["--const", "C_width=2"] if "twice" in needle else []
    result = CliRunner().invoke(main, [*command, *extra, "--const", const])
    assert result.exit_code == 2 and needle in result.stderr and len(result.stderr.strip().splitlines()) == 1
