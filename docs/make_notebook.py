"""Build and execute docs/notebook.ipynb, the API in a notebook (--check: fail if stale).

    python docs/make_notebook.py          # rewrite docs/notebook.ipynb, executed
    python docs/make_notebook.py --check  # execute it afresh; exit 1 if an output differs or a cell fails

The cells are written here, so that the notebook is reviewed as code; the committed file
carries their outputs for reading on GitHub.  Needs nbformat, nbclient and ipykernel (the
`test` extra) and pandas.  The kernel runs this interpreter with the repository on its path,
from docs/ (as Jupyter runs a notebook opened there).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGE = DOCS / "notebook.ipynb"
KERNEL = "overparam-bounds-docs"
TIMEOUT_S = 300
VARIES = "output-varies"  # tag of cells whose outputs depend on another package's version

CELLS = [
    ("markdown", """# overparam-bounds in a notebook

Every object of the API shows itself: a theorem as a card (source, quote, formulas, exponents),
a comparison as the table `bounds compare` prints. This notebook is executed by the test suite
(`tests/test_notebook.py`), so what you read here is what the code does; regenerate it with
`python docs/make_notebook.py`."""),
    ("code", """import bounds

entry = bounds.get("du-zhai-poczos-singh-2019/thm4.1-gd")
entry"""),
    ("markdown", """`repr` is one line; the card above is `entry._repr_markdown_()` (and `_repr_latex_()` for a PDF
export). Evaluating at a point works in log10, so widths beyond float range are ordinary:"""),
    ("code", """result = entry.evaluate(n=1000, lambda_0=1e-4)
result.width_log10, result.iterations_log10"""),
    ("code", """repr(entry)"""),
    ("markdown", """## Comparing at a point

`bounds.compare` returns a list of rows (index it by position or by theorem id) that shows as a
table, with what was assumed as footnotes:"""),
    ("code", """rows = bounds.compare(n=1000, L=10, architecture="two-layer")
rows[:5]"""),
    ("code", """rows["du-zhai-poczos-singh-2019/thm4.1-gd"]"""),
    ("markdown", """and as a DataFrame (pandas is optional: `pip install 'overparam-bounds[pandas]'`):"""),
    ("code:varies", """frame = rows.to_pandas()
frame[["confidence", "width_log10", "iterations_log10", "width_exponent_n"]].head(3)"""),
    ("markdown", """## Your own theorem, with its own relation

`tests/data/user_relation/my-margin-2026.toml` states a width 1/gamma^2 and, in its own
`[[relation]]`, gamma = 1/n. A theorem evaluates through the catalogue it was loaded from, so
`evaluate` and `compare` both use that relation (a width of 10^6 at n = 1000), never gamma's
shared default (0.1, which would give 10^2):"""),
    ("code", """mine = bounds.catalog("../tests/data/user_relation")
theorem = mine.get("my-margin-2026/thm1")
alone = theorem.evaluate(n=1000).width_log10
in_table = bounds.compare(n=1000, catalog=mine, ids=theorem.id)[0].width_log10
assert alone == in_table and round(alone, 12) == 6.0
alone, in_table"""),
    ("code", """theorem.evaluate(n=1000).assumed"""),
    ("code", """theorem.exponents("width", effective=True)["n"].describe()"""),
]


def build():
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata.update({
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    for kind, source in CELLS:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
        if kind == "code:varies":  # a DataFrame prints differently across pandas versions: --check skips it
            cell.metadata["tags"] = [VARIES]
        notebook.cells.append(cell)
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"  # stable ids: the committed file does not change on every run
    return notebook


def execute(notebook):
    """Run every cell in a fresh kernel of this interpreter (the repository first on its path)."""
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as jupyter_path:
        spec_dir = Path(jupyter_path) / "kernels" / KERNEL
        spec_dir.mkdir(parents=True)
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "overparam-bounds (docs)",
            "language": "python",
            "env": {"PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)},
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
        previous = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (jupyter_path, previous) if p)
        try:
            client = NotebookClient(notebook, timeout=TIMEOUT_S, kernel_name=KERNEL, record_timing=False,
                                    resources={"metadata": {"path": str(DOCS)}})
            client.execute()
        finally:
            if previous is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = previous
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def outputs(notebook) -> list:
    """What each code cell showed, without execution counts and metadata (for --check).

    Cells tagged VARIES are left out; that they run without error is checked all the same.
    """
    shown = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or VARIES in cell.metadata.get("tags", []):
            continue
        shown.append([(o.get("output_type"), o.get("name"), o.get("text"),
                       {k: v for k, v in o.get("data", {}).items() if k.startswith("text/")}) for o in cell.outputs])
    return shown


def render() -> str:
    import nbformat

    return nbformat.writes(execute(build())) + "\n"


def same_notebook(committed_text: str, fresh_text: str) -> bool:
    """Whether two notebooks have the same cells and outputs (metadata such as execution counts aside)."""
    import nbformat

    committed, fresh = (nbformat.reads(t, as_version=4) for t in (committed_text, fresh_text))
    same_cells = [c.source for c in committed.cells] == [c.source for c in fresh.cells]
    return same_cells and outputs(committed) == outputs(fresh)


def main() -> None:
    from bounds.docs import write_or_check

    text = render()
    sys.exit(write_or_check(PAGE, text, "python docs/make_notebook.py", check="--check" in sys.argv[1:],
                            current=lambda committed: same_notebook(committed, text)))


if __name__ == "__main__":
    main()
