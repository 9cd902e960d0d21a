"""What a catalogue entry is: a theorem, its source, its setting and its bounds.

These are plain records built by :mod:`bounds.loader` from the TOML files.  The methods
on :class:`Entry` are conveniences that delegate to the engine modules (evaluation,
growth, SymPy), imported lazily so that loading the catalogue stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .expr.ir import Node

if TYPE_CHECKING:  # pragma: no cover
    import sympy

    from .evaluate import Evaluation

CONFIDENCE_LEVELS = ("quoted", "secondary", "headline", "unverified")
BOUND_KINDS = ("Omega", "Omega-tilde", "O", "O-tilde", "Theta", "exact", "headline", "poly", "unstated")
QUANTITIES = ("width", "iterations", "step_size")
ARCHITECTURES = ("two-layer", "deep-fc", "resnet", "cnn", "other")
ALGORITHMS = ("GD", "SGD", "gradient-flow")
# What a width bound counts (docs/catalog-format.md, "What a bound counts").
COUNTS = ("width", "neurons", "parameters", "trained-parameters")
# What a theorem guarantees once its width and iterations are met.
GUARANTEES = ("squared-loss", "training-loss", "training-error", "test-error", "margin")
GUARANTEE_TEXT = {
    "squared-loss": "squared training loss <= eps",
    "training-loss": "training loss (logistic / cross-entropy / other) <= eps",
    "training-error": "training (0-1) error <= eps, or memorisation",
    "test-error": "test (population) error or excess risk <= eps",
    "margin": "a normalised margin on the training data",
}
# Which layers a theorem trains, for counting its trained parameters (see bounds/units.py).
TRAINED_LAYERS = ("all", "first", "last", "hidden", "first-and-last", "unknown")


@dataclass(frozen=True)
class Paper:
    key: str
    authors: tuple[str, ...]
    title: str
    year: int
    arxiv: str
    arxiv_version: str
    venue: str = ""
    sources: tuple[str, ...] = ()
    path: str = ""

    @property
    def short_authors(self) -> str:
        surnames = [a.split()[-1] for a in self.authors]
        if len(surnames) <= 2:
            return " & ".join(surnames)
        return f"{surnames[0]} et al."

    @property
    def citation(self) -> str:
        return f"{self.short_authors} {self.year} (arXiv {self.arxiv}{self.arxiv_version})"


@dataclass(frozen=True)
class Parameter:
    """A symbol in the paper's own notation and how it maps onto the shared table."""

    name: str
    meaning: str
    maps_to: Node | None  # expression in shared symbols; None if `name` is itself shared
    maps_to_text: str = ""
    relation: str = ""  # id of the relation that supplies it when the user gives no value
    kernel: str = ""  # which kernel's eigenvalue a lambda_0-like parameter is (matches Relation.kernel)


@dataclass(frozen=True)
class Constant:
    """A hidden constant of the statement (the c in 2^O(c H)); 1 unless the user sets it."""

    name: str
    default: float
    meaning: str


@dataclass(frozen=True)
class Bound:
    """One quantity of a theorem (width, iterations or step size)."""

    quantity: str
    text: str  # as written in the catalogue, in the paper's symbols
    paper_expr: Node  # parsed, paper symbols
    expr: Node  # shared symbols and constants, without the leading constant
    kind: str  # Omega, O-tilde, headline, ...
    note: str = ""
    confidence: str = ""  # set when this bound's confidence differs from its entry's
    unknown_in: tuple[str, ...] = ()  # variables whose dependence the source does not give
    counts: str = "width"  # width (per hidden layer), neurons, parameters or trained-parameters

    @property
    def leading_constant(self) -> str:
        """Name of the hidden multiplicative constant, set to 1 by default."""
        return f"C_{self.quantity}"


@dataclass(frozen=True)
class Size:
    """How a width m translates into neurons and (trained) parameters for this theorem's network.

    Each expression is in m and shared symbols (d, L, k); empty where the entry gives none and
    the architecture has no default (see :mod:`bounds.units`).
    """

    neurons: Node | None = None
    parameters: Node | None = None
    trained_parameters: Node | None = None
    texts: Mapping[str, str] | None = None  # the expressions as written, by unit
    trained: str = ""  # all | first | last | hidden | first-and-last | unknown ("" = not said)
    note: str = ""


@dataclass(frozen=True)
class Condition:
    """A hypothesis of the theorem on its parameters, e.g. delta <= 1/L."""

    text: str
    lhs: Node
    op: str
    rhs: Node


@dataclass(frozen=True)
class Relation:
    """A cited inequality that expresses one data parameter through others (lambda_0 via delta, n)."""

    id: str
    symbol: str
    expr: Node
    text: str
    label: str
    quote: str
    confidence: str
    source: str
    paper: Paper | None
    notes: str = ""
    kernel: str = ""  # applied automatically only to parameters declaring the same kernel
    line: int | None = None  # where the [[relation]] is written in its file

    def describe(self) -> str:
        cite = self.paper.citation if self.paper else self.source
        return f"{self.symbol} = {self.text} [{self.id}: {self.label}, {cite}, {self.confidence}]"


@dataclass(frozen=True)
class Entry:
    """One catalogued theorem."""

    id: str
    paper: Paper
    label: str
    summary: str
    confidence: str
    confidence_source: str
    quote: str
    setting: Mapping[str, str]
    parameters: Mapping[str, Parameter]
    constants: Mapping[str, Constant]
    bounds: Mapping[str, Bound]
    probability: str = ""
    hides: str = ""
    notes: str = ""
    disagreements: str = ""
    conditions: tuple[Condition, ...] = ()
    unstated: tuple[str, ...] = ()  # quantities the theorem asserts without an explicit formula
    line: int | None = None
    guarantee: str = "squared-loss"  # what holds at the end: see GUARANTEES
    guarantee_note: str = ""
    disputed: str = ""  # non-empty: later sources read this result differently (both readings)
    version: str = ""  # the arXiv version this statement belongs to, when it differs from the paper's
    venue: str = ""  # the venue of that version, when it differs from the paper's ("" = the paper's)
    size: Size | None = None
    counts: str = "width"  # what the width bound counts (also for an unstated width)
    # The relations of the catalogue this entry was loaded from: evaluation, exponents and
    # crossovers resolve relation-supplied parameters through them, never through a catalogue
    # loaded behind the user's back.  Set by bounds.loader (a file's own relations) and by
    # Catalog (all relations of the catalogue); None for an entry built by hand (no relations).
    catalog_relations: tuple[Relation, ...] | None = field(default=None, repr=False, compare=False)

    @property
    def arxiv_version(self) -> str:
        """The arXiv version of this statement (the entry's own, else the paper's)."""
        return self.version or self.paper.arxiv_version

    @property
    def venue_of_version(self) -> str:
        return self.venue if self.venue else self.paper.venue

    # -- convenience accessors -------------------------------------------------------
    @property
    def arxiv(self) -> str:
        return self.paper.arxiv

    @property
    def architecture(self) -> str:
        return self.setting.get("architecture", "")

    @property
    def activation(self) -> str:
        return self.setting.get("activation", "")

    @property
    def activation_kind(self) -> str:
        """The activation's leading word, lower-case: 'relu', 'smooth', 'softplus', ..."""
        words = self.activation.replace(":", " ").replace("(", " ").replace(",", " ").split()
        return words[0].lower() if words else ""

    @property
    def algorithm(self) -> str:
        return self.setting.get("algorithm", "")

    def bound(self, quantity: str) -> Bound | None:
        return self.bounds.get(quantity)

    def symbols(self, quantity: str = "width") -> frozenset[str]:
        """Shared symbols (and constants) the given bound depends on."""
        from .expr.ir import free_symbols

        bound = self.bounds.get(quantity)
        return free_symbols(bound.expr) if bound else frozenset()

    # -- display (a short repr; a card in notebooks) -------------------------------------
    def __repr__(self) -> str:
        from .display import entry_repr

        return entry_repr(self)

    def _repr_markdown_(self) -> str:
        """The card Jupyter shows: source, quote, formulas and exponents (see :mod:`bounds.display`)."""
        from .display import entry_markdown

        return entry_markdown(self)

    def _repr_latex_(self) -> str:
        """The card as a LaTeX fragment (nbconvert's PDF export uses it)."""
        from .display import entry_latex

        return entry_latex(self)

    # -- engine delegations -----------------------------------------------------------
    @property
    def width(self) -> sympy.Expr | None:
        """The width requirement as a SymPy expression in shared symbols (None if unstated)."""
        from .analysis import to_sympy

        bound = self.bounds.get("width")
        return to_sympy(bound.expr) if bound else None

    @property
    def iterations(self) -> sympy.Expr | None:
        """The iteration count as a SymPy expression, or None where the paper gives none."""
        from .analysis import to_sympy

        bound = self.bounds.get("iterations")
        return to_sympy(bound.expr) if bound else None

    def evaluate(self, constants: Mapping[str, float] | None = None, **params: float) -> Evaluation:
        """Evaluate every bound of this theorem at a point, e.g. ``evaluate(n=1000, L=10)``.

        Parameters not given come from defaults or from the relations of the catalogue this
        entry was loaded from (user files included), exactly as in :func:`bounds.compare`.
        """
        from .evaluate import evaluate_entry

        return evaluate_entry(self, params, constants=constants)

    def exponents(self, quantity: str = "width", effective: bool = False) -> dict[str, Any]:
        """Exponent of each variable in the bound's leading growth ("exp" if exponential).

        With `effective`, relation-supplied parameters are first replaced by the relations of
        this entry's catalogue.
        """
        from .asymptotics import exponents

        if quantity not in QUANTITIES:
            from .errors import ParameterError

            raise ParameterError(f"quantity must be one of {', '.join(QUANTITIES)}, got {quantity!r}")
        return exponents(self, quantity, effective=effective)
