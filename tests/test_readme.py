"""The README's commands do what it says: its command blocks run, its sample output is what the
command prints, its Python example returns what it promises (as docs/tutorial.md is checked)."""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bounds.cli import main

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)
#: Commands that train networks: the README shows them, their own test suites run them.
HEAVY = ("verify", "gap", "sweep")  # `bounds report` only redraws a committed study: it runs here


def _blocks(kind: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(README) if lang == kind]


def _run(args: list[str]):
    return CliRunner().invoke(main, args, catch_exceptions=False)


def _sample_outputs() -> list[tuple[str, list[str]]]:
    """(command, expected lines) for every `$ bounds ...` in a text block."""
    samples = []
    for body in _blocks("text"):
        current = None
        for line in body.splitlines():
            if line.startswith("$ "):
                current = (line[2:], [])
                samples.append(current)
            elif current is not None:
                current[1].append(line)
    return samples


def test_readme_has_samples_and_commands():
    assert _sample_outputs() and _blocks("bash") and _blocks("python")


@pytest.mark.parametrize("command, expected", _sample_outputs(), ids=lambda v: v if isinstance(v, str) else "")
def test_sample_output_is_what_the_command_prints(monkeypatch, command, expected):
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)
    assert args[0] == "bounds"
    result = _run(args[1:])
    assert result.exit_code == 0, result.output
    actual = result.stdout.splitlines()
    position = 0
    for line in expected:
        if line.strip() == "...":
            continue
        assert line in actual[position:], f"README shows a line `{command}` does not print (in this order):\n{line}"
        position = actual.index(line, position) + 1


def _bash_commands() -> list[str]:
    commands = []
    for body in _blocks("bash"):
        for line in body.splitlines():
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("bounds "):
                    commands.append(part)
    return commands


def _table_commands() -> list[str]:
    """The `bounds ...` commands of the command table, optional [parts] left out."""
    commands = []
    for cell in re.findall(r"^\| `(bounds [^`]+)`", README, re.M):
        command = re.sub(r"\s*\[[^\]]*\]", "", cell.replace("\\|", "|")).strip()
        commands.append(command)
    return commands


@pytest.mark.parametrize("command", _bash_commands() + _table_commands())
def test_readme_commands_run(monkeypatch, tmp_path, command):
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)[1:]
    if args[0] in HEAVY:
        pytest.skip(f"`bounds {args[0]}` trains networks; tests/verify, tests/gap and tests/sweep run it")
    if any(re.fullmatch(r"[A-Z]+", a) for a in args):  # placeholders such as A B
        args = [{"A": "chen-cao-zou-gu-2021/thm3.3-prop4.2-gd-ntrf-margin",
                 "B": "du-zhai-poczos-singh-2019/thm4.1-gd",
                 "DIR": "examples/gap-two-layer"}.get(a, a) for a in args]
    if "-o" in args:  # write into the test's directory, not the repository
        index = args.index("-o") + 1
        if args[0] in ("plot", "report"):
            pytest.importorskip("matplotlib")
        args[index] = str(tmp_path / Path(args[index]).name)
    result = _run(args)
    assert result.exit_code == 0, (command, result.output)
    if args[0] == "crossover":
        assert "falls below" in result.stdout, "the README's crossover example must find its crossing"


def test_python_example_returns_what_it_promises(monkeypatch):
    """Each bare expression of the README's Python block is evaluated and must be something
    (not None, not an empty list): the crossover example used to return []."""
    monkeypatch.chdir(ROOT)
    (body,) = _blocks("python")
    tree = ast.parse(body)
    namespace: dict = {}
    for statement in tree.body:
        if isinstance(statement, ast.Expr):
            value = eval(compile(ast.Expression(statement.value), "README", "eval"), namespace)  # noqa: S307
            values = value if isinstance(value, tuple) else (value,)
            assert all(v is not None and v != [] for v in values), ast.unparse(statement)
        else:
            exec(compile(ast.Module([statement], []), "README", "exec"), namespace)  # noqa: S102
    assert "my-2026/thm1" in namespace["cat"].ids()


def test_readme_says_which_commands_take_catalog():
    """The README names the commands that take --catalog; each of them does, and no other does."""
    match = re.search(r"`--catalog FILE_OR_DIR` to (.*?)\s\(", README, re.S)
    assert match, "README must list the commands that take --catalog"
    named = set(re.findall(r"`(\w+)`", match.group(1)))
    ctx = click.Context(main)
    for name in main.list_commands(ctx):  # the catalogue commands and those declared as entry points
        command = main.get_command(ctx, name)
        takes = any("--catalog" in p.opts for p in command.params)
        assert takes == (name in named), name
