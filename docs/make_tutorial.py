"""Regenerate docs/tutorial.md by running every command it shows (--check: fail if stale).

    python docs/make_tutorial.py          # rewrite docs/tutorial.md
    python docs/make_tutorial.py --check  # exit 1 if the committed page differs
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "tutorial.md"

COMMANDS = {
    "list": "bounds list --arch two-layer --algo GD",
    "show": "bounds show du-zhai-poczos-singh-2019/thm4.1-gd",
    "compare": "bounds compare --n 1000 --lambda0 1e-4 --id du-zhai-poczos-singh-2019/thm4.1-gd "
    "--id arora-du-hu-li-wang-2019/thm4.1-gd --id oymak-soltanolkotabi-2020/thm2.1-smooth-gd",
    "cross1": "bounds crossover chen-cao-zou-gu-2021/thm3.3-prop4.2-gd-ntrf-margin du-zhai-poczos-singh-2019/thm4.1-gd "
    "--vary n --L 10",
    "cross2": "bounds crossover chen-cao-zou-gu-2021/thm3.3-prop4.2-gd-ntrf-margin allen-zhu-li-song-2019/thm1-gd "
    "--vary L --n 1000 --to 1e12",
    "dom": "bounds dominance allen-zhu-li-song-2019/thm1-gd zou-gu-2019/thm-gd",
    "user": "bounds compare --n 1000 --catalog tests/data/user_catalog --id my-2026/thm1 "
    "--id du-zhai-poczos-singh-2019/thm4.1-gd --format markdown",
    "userrel": "bounds compare --n 1000 --catalog tests/data/user_relation --id my-margin-2026/thm1",
    "units": "bounds compare --n 1000 --L 10 --d 100 --in parameters "
    "--id bombari-amani-mondelli-2022/gd-minimum-overparam "
    "--id oymak-soltanolkotabi-2020/thm2.1-smooth-gd --id kawaguchi-huang-2019/gd-linear-trainable-parameters "
    "--id song-yang-2019/headline-quadratic",
    "bib": "bounds bib bombari-amani-mondelli-2022 song-yang-2019/headline-quadratic",
    "bad1": "bounds compare --n 1000",
    "bad2": "bounds show allen-zhu-li-song-2019/thm1",
    "bad3": "bounds compare --n 10 --catalog tests/data/bad/unknown_symbol.toml",
}

# Python snippets shown with what they print (run from the repository root, like the commands).
SNIPPETS = {
    "relation_api": """import bounds

mine = bounds.catalog("tests/data/user_relation")
theorem = mine.get("my-margin-2026/thm1")
alone = theorem.evaluate(n=1000)
row = bounds.compare(n=1000, catalog=mine, ids=theorem.id)[0]
print(alone.width_log10, row.width_log10)
print(alone.assumed[-1])
print(theorem.exponents("width", effective=True)["n"].describe())""",
}

TEMPLATE = '''# Tutorial: comparing over-parameterization bounds

A guided session. Every output below was produced by the command above it, from the
repository root after the README's set-up (`python docs/make_tutorial.py` regenerates this
page, and a test fails when it is stale).

## 1. What is in the catalogue

```text
{list}
```

`bounds list --format json` gives the same with `arxiv` ids, for scripts.

## 2. One theorem in full

`bounds show` prints the source, the quote, the setting in the paper's own words, and every
bound three ways: as the paper writes it, in the shared symbols, and as LaTeX. "growth" is each
variable's leading power with the others fixed (for accuracies such as `lambda_0`, the power of
1/lambda_0); "with relations" substitutes the cited relation for parameters you did not give,
here lambda_0 >= delta / (100 n^2), which turns Du et al.'s n^6 into an effective n^14.

```text
{show}
```

## 3. Comparing at a point

Give the data parameters you know; everything else is a default or a cited relation, listed
under the table. Here lambda_0 is given, so no relation is used:

```text
{compare}
```

Widths far beyond float range are fine: `bounds compare --n 1e15 --L 100` works in log space.
`--format json|csv|markdown|html|latex` writes the same rows for scripts and papers;
`--sort iterations` orders by iteration count; `--const C_width=10` sets a hidden constant.

## 4. Where do two bounds cross?

Chen et al. 2021 need width L^22 / gamma^8 (polylogarithmic in n), Du et al. 2019 need
n^6 / (lambda_0^4 delta^3). At depth 10 the first is smaller once n passes about 7:

```text
{cross1}
```

Against Allen-Zhu et al., the depth decides:

```text
{cross2}
```

and asymptotically, variable by variable:

```text
{dom}
```

## 5. What a bound counts, what it guarantees, and disputes

Papers count differently: the width of each hidden layer, the neurons in total, or the (trained)
parameters. Every entry says which (`counts`), and `--in width|neurons|parameters|trained-parameters`
puts every row in one unit, converting through the architecture (input dimension `--d`, depth
`--L`, which layers are trained) and saying per row what was converted, or why it could not be.
The `guarantee` column says what the theorem promises (a squared loss, another training loss, a
training error or a test error), and "(disputed)" marks results that later sources read differently:

```text
{units}
```

For a related-work section, `bounds bib` writes BibTeX for the papers behind the chosen rows,
keyed as the LaTeX table (`--format latex`) cites them:

```text
{bib}
```

## 6. Plots

```bash
bounds plot --vary n --from 10 --to 1e6 --L 10 -o widths.png
```

draws one line per theorem: colour per paper, a marker per theorem of that paper, line style
per confidence level. When the bounds span more than 40 decades the y axis shows log10 of the width.

## 7. Your own theorem

Write a TOML file in the format of [catalog-format.md](catalog-format.md) (the test suite's
`tests/data/user_catalog/my-2026.toml` is a minimal example) and pass it with `--catalog`:

```text
{user}
```

`bounds validate FILE` checks it on its own.

A file may bring its own relations. `tests/data/user_relation/my-margin-2026.toml` states a width
1/gamma^2 and, as a `[[relation]]`, the margin bound gamma = 1/n, which its theorem names
(`relation = "my-margin-2026/margin-via-n"`). The comparison uses it rather than gamma's shared
default 0.1 (which would give 10^2):

```text
{userrel}
```

So does everything else: a theorem evaluates through the catalogue it was loaded from, user files
and their relations included, whether through `entry.evaluate`, `bounds.compare`, its exponents,
a crossover, `bounds verify --catalog` or `bounds gap --catalog`:

```python
{relation_api}
```

A theorem that names a relation its catalogue lacks is refused rather than evaluated with a default.

## 8. When something is wrong

Errors are one line, with exit status 2:

```text
{bad1}
{bad2}
{bad3}
```

## 9. The same from Python

```python
import bounds

entry = bounds.get("du-zhai-poczos-singh-2019/thm4.1-gd")
entry.width                                   # n**6/(fail_prob**3*lambda_0**4)
result = entry.evaluate(n=1000, lambda_0=1e-4)
result.width_log10, result.iterations_log10   # 40.0, 15.27
rows = bounds.compare(n=1000, L=10, architecture="two-layer")
rows["du-zhai-poczos-singh-2019/thm4.1-gd"]    # a list of rows, also indexed by theorem id
rows.to_pandas()                              # a DataFrame (pip install 'overparam-bounds[pandas]')
```

In Jupyter a theorem shows as a card (source, quote, formulas, exponents) and a comparison as
the table above: see [notebook.ipynb](notebook.ipynb), which the test suite executes.
'''


def run(command: str) -> str:
    """Run `command` with this interpreter's `bounds` (no PATH needed); show it as typed."""
    executable = [sys.executable, "-m", "bounds", *command.split()[1:]]
    done = subprocess.run(executable, capture_output=True, text=True, cwd=ROOT)
    return f"$ {command}\n{done.stdout}{done.stderr}".rstrip()


def run_python(code: str) -> str:
    """Run `code` with this interpreter; show it, then what it printed as comments."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"a tutorial snippet failed:\n{code}\n{done.stderr}")
    printed = "\n".join(f"# {line}" if line else "#" for line in done.stdout.rstrip().splitlines())
    return f"{code}\n\n# prints:\n{printed}"


def render() -> str:
    shown = {key: run(command) for key, command in COMMANDS.items()}
    shown.update({key: run_python(code) for key, code in SNIPPETS.items()})
    return TEMPLATE.format(**shown)


def main() -> None:
    from bounds.docs import write_or_check

    sys.exit(write_or_check(PAGE, render(), "python docs/make_tutorial.py", check="--check" in sys.argv[1:]))


if __name__ == "__main__":
    main()
