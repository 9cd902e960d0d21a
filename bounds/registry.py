"""The loaded catalogue: every theorem and relation, looked up by id and filtered."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from .errors import CatalogError, UnknownEntryError
from .loader import load_file
from .model import Entry, Relation

BUILTIN_DIR = Path(__file__).with_name("catalog")


@dataclass(frozen=True)
class Catalog:
    """An ordered collection of theorems and the relations between data parameters.

    Every entry of a catalogue is bound to the catalogue's relations (``Entry.catalog_relations``),
    so ``catalog.get(id).evaluate(...)`` resolves parameters exactly as ``bounds.compare(catalog=...)``
    does, user relations included.  Entries bound to other relations are rebound (copied) here.
    """

    entries: tuple[Entry, ...]
    relations: tuple[Relation, ...]

    def __post_init__(self) -> None:
        relations = tuple(self.relations)
        entries = tuple(entry if entry.catalog_relations is relations or entry.catalog_relations == relations
                        else replace(entry, catalog_relations=relations) for entry in self.entries)
        object.__setattr__(self, "relations", relations)
        object.__setattr__(self, "entries", entries)

    def __iter__(self):
        return iter(self.entries)

    def __repr__(self) -> str:
        papers = len({entry.paper.key for entry in self.entries})
        return (f"<Catalog: {len(self.entries)} theorems from {papers} papers, "
                f"{len(self.relations)} relation{'s' if len(self.relations) != 1 else ''}>")

    def __len__(self) -> int:
        return len(self.entries)

    def ids(self) -> list[str]:
        return [entry.id for entry in self.entries]

    def get(self, entry_id: str) -> Entry:
        """The entry with this id; an unknown id raises with the nearest ids suggested."""
        if not isinstance(entry_id, str):
            from .errors import ParameterError

            raise ParameterError(f"a theorem id must be a string such as 'zou-gu-2019/thm-gd', "
                                 f"got {type(entry_id).__name__} {entry_id!r}")
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise UnknownEntryError(entry_id, self.suggest(entry_id))

    def suggest(self, entry_id: str, count: int = 3) -> list[str]:
        ids = self.ids()
        close = difflib.get_close_matches(entry_id, ids, n=count, cutoff=0.4)
        if close:
            return close
        needle = entry_id.lower()
        return [i for i in ids if needle in i.lower()][:count]

    def relation(self, relation_id: str) -> Relation:
        for relation in self.relations:
            if relation.id == relation_id:
                return relation
        known = ", ".join(r.id for r in self.relations) or "none"
        raise CatalogError("<catalogue>", None, None, f"unknown relation {relation_id!r} (known: {known})")

    def relations_for(self, symbol: str) -> list[Relation]:
        return [r for r in self.relations if r.symbol == symbol]

    def papers(self) -> list:
        seen = {}
        for entry in self.entries:
            seen.setdefault(entry.paper.key, entry.paper)
        return list(seen.values())

    def filter(
        self,
        architecture: str | None = None,
        activation: str | None = None,
        algorithm: str | None = None,
        confidence: str | None = None,
        ids: Sequence[str] | None = None,
    ) -> Catalog:
        """Entries matching every given criterion (activation: the leading word, e.g. relu or smooth)."""
        if isinstance(ids, str):
            ids = [ids]  # one id, not a sequence of one-letter ids
        chosen = [self.get(i) for i in dict.fromkeys(ids)] if ids else list(self.entries)

        def keep(entry: Entry) -> bool:
            return (
                (architecture is None or entry.architecture == architecture)
                and (activation is None or activation.lower() == entry.activation_kind)
                and (algorithm is None or entry.algorithm.lower() == algorithm.lower())
                and (confidence is None or entry.confidence == confidence)
            )

        return Catalog(tuple(e for e in chosen if keep(e)), self.relations)


def _catalog_files(location: Path) -> list[Path]:
    if location.is_dir():
        return sorted(location.glob("*.toml"))
    if location.is_file():
        return [location]
    raise CatalogError(str(location), None, None, "no such catalogue file or directory")


def load_catalog(extra: Iterable[Path | str] = (), builtin: bool = True) -> Catalog:
    """The built-in catalogue plus any user files or directories of TOML files."""
    if isinstance(extra, (str, Path)):
        extra = (extra,)  # one location, not a sequence of one-letter paths
    entries: list[Entry] = list(_builtin().entries) if builtin else []
    relations: list[Relation] = list(_builtin().relations) if builtin else []
    seen_files = {p.resolve() for p in _catalog_files(BUILTIN_DIR)} if builtin else set()
    for location in extra:
        if not isinstance(location, (str, Path)):
            from .errors import ParameterError

            raise ParameterError(f"a catalogue location must be a path, got {type(location).__name__} {location!r}")
        for path in _catalog_files(Path(location)):
            if path.resolve() in seen_files:
                continue  # already loaded (built in, or named twice: a directory and a file in it)
            seen_files.add(path.resolve())
            file_entries, file_relations = load_file(path)
            entries.extend(file_entries)
            relations.extend(file_relations)
    _check_unique(entries, relations)
    return Catalog(tuple(entries), tuple(relations))


@lru_cache(maxsize=1)
def _builtin() -> Catalog:
    entries: list[Entry] = []
    relations: list[Relation] = []
    for path in _catalog_files(BUILTIN_DIR):
        file_entries, file_relations = load_file(path)
        entries.extend(file_entries)
        relations.extend(file_relations)
    _check_unique(entries, relations)
    return Catalog(tuple(entries), tuple(relations))


def _check_unique(entries: list[Entry], relations: list[Relation]) -> None:
    seen: dict[str, Entry] = {}
    for entry in entries:
        if entry.id in seen:
            raise CatalogError(entry.paper.path, entry.line, "slug",
                               f"duplicate theorem id {entry.id!r} (also in {seen[entry.id].paper.path})")
        seen[entry.id] = entry
    rel_seen: set[str] = set()
    by_kernel: dict[tuple[str, str], Relation] = {}
    for relation in relations:
        where = relation.paper.path if relation.paper else "<catalogue>"
        if relation.id in rel_seen:
            raise CatalogError(where, relation.line, "relation", f"duplicate relation id {relation.id!r}")
        rel_seen.add(relation.id)
        key = (relation.symbol, relation.kernel)
        if key in by_kernel:
            first = by_kernel[key]
            kernel = f" for the kernel {relation.kernel!r}" if relation.kernel else ""
            raise CatalogError(
                where,
                relation.line,
                "relation.kernel",
                f"{relation.id} defines {relation.symbol}{kernel}, as {first.id} already does "
                f"({first.paper.path if first.paper else '<catalogue>'}); only one could apply: "
                "give it another kernel tag, or name it from the parameters that use it (relation = ...)",
            )
        by_kernel[key] = relation
    _check_relation_cycles(relations)
    for entry in entries:
        for parameter in entry.parameters.values():
            if parameter.relation and parameter.relation not in rel_seen:
                raise CatalogError(entry.paper.path, entry.line, f"parameters.{parameter.name}.relation",
                                   f"unknown relation {parameter.relation!r}")


def _check_relation_cycles(relations: list[Relation]) -> None:
    """Refuse relations that define each other in a circle (lambda_0 via gamma via lambda_0)."""
    from .expr.ir import free_symbols

    defining: dict[str, list[Relation]] = {}
    for relation in relations:
        defining.setdefault(relation.symbol, []).append(relation)
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(relation: Relation, path: list[Relation]) -> None:
        state[relation.id] = 1
        for symbol in sorted(free_symbols(relation.expr)):
            for other in defining.get(symbol, []):
                if state.get(other.id) == 1:
                    cycle = path[path.index(other):] + [relation, other] if other in path else [relation, other]
                    names = " -> ".join(f"{r.symbol} ({r.id})" for r in cycle)
                    raise CatalogError(relation.paper.path if relation.paper else "<catalogue>", relation.line,
                                       "relation.expr", f"relations define each other in a cycle: {names}")
                if other.id not in state:
                    visit(other, path + [relation])
        state[relation.id] = 2

    for relation in relations:
        if relation.id not in state:
            visit(relation, [])
