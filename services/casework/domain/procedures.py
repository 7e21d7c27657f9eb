"""Case types and their status machines, as data: a new procedure is a TOML block, not code.

The catalogue (`services/casework/rules/procedures.toml`) is read by the caller, whose text
goes to `Catalogue.from_toml`. Entering a status acts on the deadline rules it names:
`stops` ends them (met, or moot), then `starts`, `suspends`, `resumes` and `interrupts`
apply, all on the date of the fact the caseworker gives (a notification, a visit...).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

# Ids are stored and published (cases.status and case_type are 64 characters wide).
_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
_RULE_FIELDS = ("starts", "stops", "suspends", "resumes", "interrupts")
_T = TypeVar("_T")


class UnknownCaseType(LookupError):
    """No procedure has this case type id."""

    def __init__(self, case_type: str) -> None:
        super().__init__(f"unknown case type {case_type!r}")
        self.case_type = case_type


class UnknownStatus(LookupError):
    """The procedure has no step with this status."""

    def __init__(self, case_type: str, status: str) -> None:
        super().__init__(f"procedure {case_type!r} has no status {status!r}")
        self.case_type = case_type
        self.status = status


class InvalidTransition(Exception):
    """The procedure does not allow this move from the case's current status."""

    def __init__(self, current: str, target: str, allowed: tuple[str, ...]) -> None:
        choices = ", ".join(allowed) or "none: the case is closed"
        super().__init__(f"a case in {current} cannot move to {target}; allowed: {choices}")
        self.current = current
        self.target = target
        self.allowed = allowed


@dataclass(frozen=True)
class Step:
    """A status of a procedure and the deadline rules entering it starts, stops or pauses."""

    status: str
    label: str
    starts: tuple[str, ...]
    stops: tuple[str, ...]
    final: bool = False
    suspends: tuple[str, ...] = ()  # e.g. a legal-aid request pauses the CNDA appeal month
    resumes: tuple[str, ...] = ()  # the time left runs again
    interrupts: tuple[str, ...] = ()  # the full delay restarts (a domiciliation visit)

    def rules(self) -> frozenset[str]:
        """Every deadline rule id this step names."""
        return frozenset(rule for name in _RULE_FIELDS for rule in getattr(self, name))


@dataclass(frozen=True)
class DocumentItem:
    """A document a procedure asks for (metadata only, never the file)."""

    id: str
    label: str
    expires: bool = False


@dataclass(frozen=True)
class Procedure:
    """A case type: its steps, the moves between them and its document checklist."""

    id: str
    label: str
    family: str
    initial: str
    steps: tuple[Step, ...]
    transitions: Mapping[str, tuple[str, ...]] = field(hash=False)
    checklist: tuple[DocumentItem, ...]

    def __post_init__(self) -> None:
        by_status = _unique(self.steps, lambda step: step.status, "step")
        _unique(self.checklist, lambda item: item.id, "document")
        moves = {step.status: tuple(self.transitions.get(step.status, ())) for step in self.steps}
        for ident in [self.id, *by_status, *(item.id for item in self.checklist)]:
            if not _ID.fullmatch(ident):
                raise ValueError(f"{ident!r} is not an id: lower case, digits and _, <= 64")
        if self.initial not in by_status:
            raise ValueError(f"initial status {self.initial!r} is not one of its steps")
        _check_moves(by_status, self.transitions, moves)
        _check_graph(self.initial, by_status, moves)
        object.__setattr__(self, "transitions", MappingProxyType(moves))

    def step(self, status: str) -> Step:
        """The step with this status; UnknownStatus if the procedure has none."""
        for step in self.steps:
            if step.status == status:
                return step
        raise UnknownStatus(self.id, status)

    def allowed(self, status: str) -> tuple[str, ...]:
        """The statuses a case in `status` may move to (none once final)."""
        self.step(status)
        return self.transitions[status]

    def check_transition(self, current: str, target: str) -> Step:
        """The target step if the move is allowed; InvalidTransition (or UnknownStatus) if not."""
        allowed = self.allowed(current)
        step = self.step(target)
        if target not in allowed:
            raise InvalidTransition(current, target, allowed)
        return step


def _unique(items: Iterable[_T], key: Callable[[_T], str], what: str) -> dict[str, _T]:
    """Items by their id, refusing an id given twice."""
    found: dict[str, _T] = {}
    for item in items:
        ident = key(item)
        if ident in found:
            raise ValueError(f"duplicate {what} {ident!r}")
        found[ident] = item
    return found


def _check_moves(
    steps: Mapping[str, Step],
    given: Mapping[str, tuple[str, ...]],
    moves: Mapping[str, tuple[str, ...]],
) -> None:
    """Moves go between known steps; a final step has none and every other step has some."""
    for source, targets in given.items():
        if source not in steps:
            raise ValueError(f"transitions: unknown status {source!r}")
        for n, target in enumerate(targets):
            if target not in steps:
                raise ValueError(f"transitions.{source}: unknown status {target!r}")
            if target in targets[:n]:
                raise ValueError(f"transitions.{source}: {target!r} is listed twice")
    for status, step in steps.items():
        if step.final and moves[status]:
            raise ValueError(f"final step {status!r} has transitions: {', '.join(moves[status])}")
        if not step.final and not moves[status]:
            raise ValueError(f"step {status!r} is not final and has no transitions")


def _check_graph(
    initial: str, steps: Mapping[str, Step], moves: Mapping[str, tuple[str, ...]]
) -> None:
    """Every step can be reached from the initial one, and can lead to a final one."""
    unreachable = set(steps) - _closure([initial], moves)
    if unreachable:
        raise ValueError(f"steps unreachable from {initial!r}: {', '.join(sorted(unreachable))}")
    backwards = {status: [src for src, to in moves.items() if status in to] for status in steps}
    finals = [status for status, step in steps.items() if step.final]
    stuck = set(steps) - _closure(finals, backwards)
    if stuck:
        raise ValueError(f"no final step can be reached from: {', '.join(sorted(stuck))}")


def _closure(start: Iterable[str], edges: Mapping[str, Iterable[str]]) -> set[str]:
    """The statuses reachable from `start` (included) along `edges`."""
    seen = set(start)
    todo = list(seen)
    while todo:
        for target in edges[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


class Catalogue:
    """Every procedure a case can follow, checked once, looked up by case type."""

    def __init__(self, procedures: Iterable[Procedure]) -> None:
        self._procedures = _unique(procedures, lambda procedure: procedure.id, "procedure")

    @classmethod
    def from_toml(cls, text: str) -> Catalogue:
        """Parse `[[procedure]]` tables; a ValueError names the procedure and field at fault."""
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"procedures: not valid TOML: {error}") from error
        _reject_unknown(document, {"procedure"}, "procedures")
        tables = _tables(document, "procedure", "procedures")
        if not tables:
            raise ValueError("procedures: no [[procedure]] table")
        try:
            return cls(_parse_procedure(table, n) for n, table in enumerate(tables, start=1))
        except ValueError as error:
            raise ValueError(f"procedures: {error}") from error

    def get(self, case_type: str) -> Procedure:
        """The procedure of this case type; UnknownCaseType if there is none."""
        try:
            return self._procedures[case_type]
        except KeyError:
            raise UnknownCaseType(case_type) from None

    def ids(self) -> list[str]:
        """Every case type id, sorted."""
        return sorted(self._procedures)

    def referenced_rules(self) -> set[str]:
        """Every deadline rule id a step names, to check against the deadline rule book."""
        return {
            rule for p in self._procedures.values() for step in p.steps for rule in step.rules()
        }


# --- Parsing: TOML values are untyped; every field is checked and narrowed here. ---

_PROCEDURE_KEYS = {"id", "label", "family", "initial", "step", "transitions", "document"}
_STEP_KEYS = {"status", "label", "final", *_RULE_FIELDS}


def _parse_procedure(table: Mapping[str, object], n: int) -> Procedure:
    """One `[[procedure]]` table; errors name the procedure by id (or position)."""
    where = f"[[procedure]] #{n}"
    ident = _text(table, "id", where)
    where = f"procedure {ident!r}"
    _reject_unknown(table, _PROCEDURE_KEYS, where)
    steps = tuple(_parse_step(t, i, where) for i, t in enumerate(_tables(table, "step", where), 1))
    documents = enumerate(_tables(table, "document", where), 1)
    checklist = tuple(_parse_document(t, i, where) for i, t in documents)
    moves = table.get("transitions", {})
    if not isinstance(moves, dict):
        raise ValueError(f"{where}: 'transitions' must be a table, got {moves!r}")
    transitions = {str(k): _texts(v, f"{where} transitions.{k}") for k, v in moves.items()}
    label, family = _text(table, "label", where), _text(table, "family", where)
    initial = _text(table, "initial", where)
    try:
        return Procedure(ident, label, family, initial, steps, transitions, checklist)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from error


def _parse_step(table: Mapping[str, object], n: int, procedure: str) -> Step:
    """One `[[procedure.step]]` table; errors name the step by status (or position)."""
    status = _text(table, "status", f"{procedure} step #{n}")
    where = f"{procedure} step {status!r}"
    _reject_unknown(table, _STEP_KEYS, where)
    starts, stops, suspends, resumes, interrupts = (
        _texts(table.get(name, []), f"{where} {name}") for name in _RULE_FIELDS
    )
    label, final = _text(table, "label", where), _flag(table, "final", where)
    return Step(status, label, starts, stops, final, suspends, resumes, interrupts)


def _parse_document(table: Mapping[str, object], n: int, procedure: str) -> DocumentItem:
    """One `[[procedure.document]]` table; errors name the document by id (or position)."""
    ident = _text(table, "id", f"{procedure} document #{n}")
    where = f"{procedure} document {ident!r}"
    _reject_unknown(table, {"id", "label", "expires"}, where)
    return DocumentItem(ident, _text(table, "label", where), _flag(table, "expires", where))


def _tables(table: Mapping[str, object], key: str, where: str) -> list[dict[str, object]]:
    """An optional array of tables (`[[key]]`)."""
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError(f"{where}: {key!r} must be a list of [[{key}]] tables")
    return value


def _text(table: Mapping[str, object], key: str, where: str) -> str:
    """A present, non-empty string field."""
    if key not in table:
        raise ValueError(f"{where}: missing field {key!r}")
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {key!r} must be a non-empty string, got {value!r}")
    return value


def _flag(table: Mapping[str, object], key: str, where: str) -> bool:
    """An optional boolean field, false when absent."""
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{where}: {key!r} must be true or false, got {value!r}")
    return value


def _texts(value: object, where: str) -> tuple[str, ...]:
    """A list of non-empty strings."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where}: expected a list of non-empty strings, got {value!r}")
    return tuple(value)


def _reject_unknown(table: Mapping[str, object], allowed: set[str], where: str) -> None:
    """Refuse misspelt keys, which would otherwise drop a field silently."""
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}")
