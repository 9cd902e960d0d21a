"""docs/notebook.ipynb runs, and shows what the code shows today (see docs/make_notebook.py)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NEEDED = ("nbformat", "nbclient", "ipykernel", "pandas")
pytestmark = pytest.mark.skipif(any(importlib.util.find_spec(m) is None for m in NEEDED),
                                reason="the notebook needs nbformat, nbclient, ipykernel (the test extra) and pandas")


def _maker():
    spec = importlib.util.spec_from_file_location("make_notebook", ROOT / "docs" / "make_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_notebook_executes_and_is_up_to_date():
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "make_notebook.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]


def test_committed_notebook_carries_its_outputs():
    import nbformat

    notebook = nbformat.read(ROOT / "docs" / "notebook.ipynb", as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs for cell in code)
    assert not any(o.output_type == "error" for cell in code for o in cell.outputs)
    card = code[0].outputs[0]["data"]
    assert {"text/markdown", "text/latex", "text/plain"} <= set(card)
    table = next(cell for cell in code if cell.source.endswith("rows[:5]"))
    assert "<table" in table.outputs[0]["data"]["text/html"]


def test_a_failing_cell_fails_the_run():
    import nbformat
    from nbclient.exceptions import CellExecutionError

    maker = _maker()
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell("import bounds\nbounds.get('no-such/theorem')"))
    with pytest.raises(CellExecutionError, match="unknown theorem id"):
        maker.execute(notebook)
