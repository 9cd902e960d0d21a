"""One way to walk the expression tree: a visitor that dispatches on the node's class.

Every walk over the tree (plain text, SymPy, log-space compilation, mpmath evaluation,
growth, constant folding, substitution, free symbols) is a subclass of :class:`Visitor`
with one method per node class, ``_visit_Num``, ``_visit_Add``, ... , as SymPy's printers
have ``_print_<Class>``.  :meth:`Visitor.visit` finds the method by walking the node
class's MRO (so a method for a base class serves its subclasses), and fails with a
message naming the visitor and the node class when there is none.  Keeping the dispatch,
the depth guard and the memo in one place means a new node class or a new limit is one
change here, not eight isinstance chains to keep in step.

The walks recurse, and Python's stack is finite: :data:`MAX_TREE_DEPTH` bounds how deep a
tree any visitor descends, raising :class:`ExpressionTooDeep` (an
:class:`~bounds.errors.ExpressionError`, so the CLI reports it on one line) instead of a
RecursionError.  A parsed expression is at most about ``parse.MAX_DEPTH`` (60) deep; the
catalogue's trees after substituting relations are under 10 deep; the limit leaves room for
a few levels of substitution of maximally nested text while staying well inside the
interpreter's recursion limit (each level costs a visitor two or three frames).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from ..errors import ExpressionError

if TYPE_CHECKING:  # pragma: no cover
    from .ir import Node

R = TypeVar("R")

#: Deepest tree (levels, a leaf being level 1) a visitor descends; see the module docstring.
MAX_TREE_DEPTH = 200


class ExpressionTooDeep(ExpressionError):
    """A tree is nested deeper than :data:`MAX_TREE_DEPTH`: refused rather than overflowing the stack."""


class Visitor(Generic[R]):
    """Base of every walk over the expression tree; subclasses define ``_visit_<NodeClass>``.

    ``memoize = True`` (on the class, or passed to one instance) caches results by node
    identity for the life of the visitor, so a sub-tree shared by several parents (as
    substitution produces) is walked once; only pure walks should set it.  It costs a dict
    look-up per node, so walks answered once per tree leave it off and walks asked about many
    overlapping sub-trees (growth asks for the free symbols of every node) turn it on.
    Subclasses that keep per-walk state create a fresh instance per walk.
    """

    memoize: ClassVar[bool] = False
    max_depth: ClassVar[int] = MAX_TREE_DEPTH
    #: Per subclass: node class -> resolved method (filled on first use).
    _methods: ClassVar[dict[type, Callable[[Any, Any], Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._methods = {}

    def __init__(self, memoize: bool | None = None) -> None:
        self._room = self.max_depth  # levels this visitor may still descend
        wanted = self.memoize if memoize is None else memoize
        self._memo: dict[int, tuple[Node, R]] | None = {} if wanted else None
        self._table = type(self)._methods  # read once: an instance attribute is the fastest lookup

    @classmethod
    def method_for(cls, node_type: type) -> Callable[[Any, Any], R]:
        """The method that visits nodes of `node_type`: ``_visit_<C>`` for the first C in its MRO."""
        try:
            return cls._methods[node_type]
        except KeyError:
            pass
        for klass in node_type.__mro__:
            method = getattr(cls, f"_visit_{klass.__name__}", None)
            if method is not None:
                cls._methods[node_type] = method
                return method
        raise TypeError(f"{cls.__name__} cannot visit {node_type.__name__}: no _visit_ method for it "
                        f"or any of its bases ({', '.join(k.__name__ for k in node_type.__mro__)})")

    def visit(self, node: Node) -> R:
        """The walk's result for `node` (dispatching on its class; see :meth:`method_for`)."""
        memo = self._memo
        if memo is not None:
            hit = memo.get(id(node))
            if hit is not None:
                return hit[1]
        room = self._room
        if room <= 0:
            raise ExpressionTooDeep(f"expression nested too deeply (more than {self.max_depth} levels) "
                                    f"to walk ({type(self).__name__})")
        try:
            method = self._table[type(node)]
        except KeyError:
            method = self.method_for(type(node))
        self._room = room - 1
        try:
            result = method(self, node)
        finally:
            self._room = room
        if memo is not None:
            memo[id(node)] = (node, result)  # the node is kept alive, so its id stays its own
        return result
