"""A procedure (a case type): its steps, the moves between them and its document checklist,
checked when it is built. Entering a status acts on the deadline rules it names: `stops` ends
them (met, or moot), then `starts`, `suspends`, `resumes` and `interrupts` apply, all on the
date of the fact the caseworker gives (a notification, a visit...)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

# Ids are stored and published (cases.status and case_type are 64 characters wide).
_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
RULE_FIELDS = ("starts", "stops", "suspends", "resumes", "interrupts")
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
        return frozenset(rule for name in RULE_FIELDS for rule in getattr(self, name))


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
        by_status = unique(self.steps, lambda step: step.status, "step")
        unique(self.checklist, lambda item: item.id, "document")
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


def unique(items: Iterable[_T], key: Callable[[_T], str], what: str) -> dict[str, _T]:
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
