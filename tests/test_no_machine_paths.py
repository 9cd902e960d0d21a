"""The project cites its sources, not files on the machines it was written on."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
PATTERN = re.compile(r"/work/|/home/[a-z]|shared/seeds|literature\.md")
SUFFIXES = {".py", ".md", ".toml", ".txt", ".json", ".csv", ".html", ".cfg", ".ini", ".yml", ".yaml"}


def test_no_file_names_a_path_outside_the_repository():
    offenders = []
    for folder in ("bounds", "docs", "tests", "examples", "benchmarks", "verify"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in SUFFIXES or path == Path(__file__) or not path.is_file():
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                if PATTERN.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}")
    for name in ("README.md", "pyproject.toml"):
        if PATTERN.search((ROOT / name).read_text(encoding="utf-8")):
            offenders.append(name)
    assert not offenders, "machine paths: " + ", ".join(offenders[:10])
