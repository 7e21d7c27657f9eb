"""Legal deadlines: versioned, effective-dated rules read from TOML, and a pure computation.

The rules are data (`services/casework/rules/deadlines.toml`), never logic: the caller reads
the file and passes its text to `RuleBook.from_toml`. `compute` applies one rule version to
an anchor date (a notification, an expiry, a last visit) and to the clock events that may
suspend or restart it, and keeps the version and legal reference with the result.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from operator import attrgetter
from typing import Literal, TypeVar

# Re-exported: the date arithmetic is part of this module's API.
from services.casework.domain.calendar import add_months as add_months
from services.casework.domain.calendar import add_working_days as add_working_days
from services.casework.domain.calendar import french_public_holidays as french_public_holidays

Unit = Literal["days", "working_days", "months", "years"]
Direction = Literal["after", "before"]
EventKind = Literal["suspended", "resumed", "interrupted"]

# Typed views of the allowed spellings: parsing narrows a str to the Literal through them.
_UNITS: dict[str, Unit] = {u: u for u in ("days", "working_days", "months", "years")}
_DIRECTIONS: dict[str, Direction] = {"after": "after", "before": "before"}


@dataclass(frozen=True)
class Delay:
    """A legal delay: an amount of calendar days, working days, months or years."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.unit not in _UNITS:
            expected = ", ".join(_UNITS)
            raise ValueError(f"unknown unit {self.unit!r}; expected one of: {expected}")
        if isinstance(self.amount, bool) or self.amount < 0:
            raise ValueError(f"the amount must be a whole number >= 0, got {self.amount!r}")


@dataclass(frozen=True)
class DeadlineRule:
    """One version of a deadline rule, with the law it comes from and when it took effect."""

    id: str
    version: int
    effective_from: date
    legal_reference: str
    label: str
    delay: Delay
    direction: Direction
    suspension_window: Delay | None = None

    def __post_init__(self) -> None:
        if not self.id or not self.legal_reference or not self.label:
            raise ValueError("id, legal_reference and label must not be empty")
        if isinstance(self.version, bool) or self.version < 1:
            raise ValueError(f"the version must be a whole number >= 1, got {self.version!r}")
        if self.direction not in _DIRECTIONS:
            raise ValueError(f"direction must be 'after' or 'before', got {self.direction!r}")
        if self.suspension_window is not None and self.direction == "before":
            # A date counted back from an expiry has no running clock to pause.
            raise ValueError("a rule counted 'before' its anchor cannot have a suspension_window")


class UnknownRule(LookupError):
    """No rule with this id, or none in force on the anchor date."""


class RuleBook:
    """Every version of every deadline rule, checked once, looked up by id and anchor date."""

    def __init__(self, rules: Iterable[DeadlineRule]) -> None:
        grouped: dict[str, list[DeadlineRule]] = {}
        for rule in rules:
            grouped.setdefault(rule.id, []).append(rule)
        self._versions = {
            rule_id: tuple(_checked_versions(rule_id, versions))
            for rule_id, versions in sorted(grouped.items())
        }

    @classmethod
    def from_toml(cls, text: str) -> RuleBook:
        """Parse `[[rule]]` tables; a ValueError says which rule and field is wrong."""
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"deadline rules: not valid TOML: {error}") from error
        _reject_unknown(document, {"rule"}, "deadline rules")
        tables = document.get("rule", [])
        if not isinstance(tables, list):
            raise ValueError("deadline rules: 'rule' must be a list of [[rule]] tables")
        return cls(_parse_rule(table, n) for n, table in enumerate(tables, start=1))

    def applicable(self, rule_id: str, anchor: date) -> DeadlineRule:
        """The latest version in force on the anchor date (effective_from <= anchor)."""
        in_force = [rule for rule in self.versions(rule_id) if rule.effective_from <= anchor]
        if not in_force:
            raise UnknownRule(f"no version of rule {rule_id!r} is in force on {anchor}")
        return in_force[-1]

    def versions(self, rule_id: str) -> list[DeadlineRule]:
        """Every version of a rule, oldest first; UnknownRule if the id is not in the book."""
        if rule_id not in self._versions:
            raise UnknownRule(f"unknown deadline rule {rule_id!r}")
        return list(self._versions[rule_id])

    def rule_ids(self) -> list[str]:
        """The ids of every rule in the book, sorted."""
        return list(self._versions)


def _checked_versions(rule_id: str, versions: list[DeadlineRule]) -> list[DeadlineRule]:
    """Versions sorted by number: unique, and each taking effect after the one before."""
    ordered = sorted(versions, key=attrgetter("version"))
    for before, after in pairwise(ordered):
        if after.version == before.version:
            raise ValueError(f"rule {rule_id!r}: duplicate version {after.version}")
        if after.effective_from <= before.effective_from:
            raise ValueError(
                f"rule {rule_id!r}: version {after.version} (effective {after.effective_from})"
                f" must take effect after version {before.version}"
                f" (effective {before.effective_from})"
            )
    return ordered


# --- Parsing: TOML values are untyped; every field is checked and narrowed here. ---

_T = TypeVar("_T")
_REQUIRED = ("id", "version", "effective_from", "legal_reference", "label", "delay", "direction")
_OPTIONAL = ("suspension_window",)
_KINDS: dict[type, str] = {str: "a string", int: "an integer", dict: "a table", date: "a date"}


def _parse_rule(table: object, n: int) -> DeadlineRule:
    """One `[[rule]]` table as a DeadlineRule; errors name the rule by position and id."""
    where = f"[[rule]] #{n}"
    if not isinstance(table, dict):
        raise ValueError(f"{where}: expected a table")
    _reject_unknown(table, {*_REQUIRED, *_OPTIONAL}, where)
    rule_id = _field(table, "id", str, where)
    where = f"{where} ({rule_id!r})"
    version = _field(table, "version", int, where)
    effective_from = _date_field(table, "effective_from", where)
    legal_reference = _field(table, "legal_reference", str, where)
    label = _field(table, "label", str, where)
    delay = _parse_delay(_field(table, "delay", dict, where), f"{where} delay")
    direction = _choice(_field(table, "direction", str, where), _DIRECTIONS, "direction", where)
    window = None
    if "suspension_window" in table:
        window_table = _field(table, "suspension_window", dict, where)
        window = _parse_delay(window_table, f"{where} suspension_window")
    try:
        return DeadlineRule(
            rule_id, version, effective_from, legal_reference, label, delay, direction, window
        )
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from error


def _parse_delay(table: Mapping[str, object], where: str) -> Delay:
    """A `{ amount, unit }` table as a Delay."""
    _reject_unknown(table, {"amount", "unit"}, where)
    amount = _field(table, "amount", int, where)
    unit = _choice(_field(table, "unit", str, where), _UNITS, "unit", where)
    try:
        return Delay(amount=amount, unit=unit)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from error


def _field(table: Mapping[str, object], key: str, kind: type[_T], where: str) -> _T:
    """A present field of the expected TOML type (a boolean is not a number)."""
    if key not in table:
        raise ValueError(f"{where}: missing field {key!r}")
    value = table[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ValueError(f"{where}: {key!r} must be {_KINDS.get(kind, kind)}, got {value!r}")
    return value


def _date_field(table: Mapping[str, object], key: str, where: str) -> date:
    """A TOML local date (1979-05-27), not a date-time."""
    value = _field(table, key, date, where)
    if isinstance(value, datetime):
        raise ValueError(f"{where}: {key!r} must be a date without a time, got {value}")
    return value


def _choice(value: str, allowed: Mapping[str, _T], what: str, where: str) -> _T:
    """One of the allowed spellings, narrowed to its Literal type."""
    if value not in allowed:
        expected = ", ".join(allowed)
        raise ValueError(f"{where}: unknown {what} {value!r}; expected one of: {expected}")
    return allowed[value]


def _reject_unknown(table: Mapping[str, object], allowed: set[str], where: str) -> None:
    """Refuse misspelt keys, which would otherwise drop a field silently."""
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}")


# --- Computation ---


@dataclass(frozen=True)
class ClockEvent:
    """Something that pauses, resumes or restarts a running delay, on a given day."""

    kind: EventKind
    on: date


@dataclass(frozen=True)
class Computation:
    """A computed deadline with the rule version and law behind it, and what was ignored."""

    rule_id: str
    rule_version: int
    legal_reference: str
    anchor: date  # the date the delay runs from: the last counted interruption, if any
    due: date | None  # None while suspended
    suspended_since: date | None
    remaining_days: int | None  # the days left at suspension, while suspended
    ignored: tuple[ClockEvent, ...]


@dataclass(frozen=True)
class _State:
    """The clock between two events."""

    anchor: date
    due: date | None
    suspended_since: date | None = None
    remaining_days: int | None = None


def compute(rule: DeadlineRule, anchor: date, clock: Sequence[ClockEvent] = ()) -> Computation:
    """Apply a rule to an anchor date and the clock events, in date order."""
    state = _State(anchor, _shift(anchor, rule.delay, rule.direction))
    ignored: list[ClockEvent] = []
    for event in sorted(clock, key=attrgetter("on")):
        applied = _apply(rule, state, event)
        if applied is None:
            ignored.append(event)
        else:
            state = applied
    return Computation(
        rule_id=rule.id,
        rule_version=rule.version,
        legal_reference=rule.legal_reference,
        anchor=state.anchor,
        due=state.due,
        suspended_since=state.suspended_since,
        remaining_days=state.remaining_days,
        ignored=tuple(ignored),
    )


def _apply(rule: DeadlineRule, state: _State, event: ClockEvent) -> _State | None:
    """The state after one event, or None when the event does not count."""
    if event.on < state.anchor:
        return None
    return _EVENT_HANDLERS[event.kind](rule, state, event.on)


def _interrupt(rule: DeadlineRule, state: _State, on: date) -> _State | None:
    """The full delay restarts from `on`, unless it had already run out."""
    if state.due is not None and on > state.due:
        return None
    return _State(on, _shift(on, rule.delay, rule.direction))


def _suspend(rule: DeadlineRule, state: _State, on: date) -> _State | None:
    """Pause the clock, if the rule allows it and the request came within its window."""
    window = rule.suspension_window
    if window is None or state.due is None or on > state.due:
        return None
    if on > _shift(state.anchor, window, "after"):
        return None
    return _State(state.anchor, None, on, (state.due - on).days)


def _resume(rule: DeadlineRule, state: _State, on: date) -> _State | None:
    """The days left at suspension run again from `on`."""
    if state.suspended_since is None or state.remaining_days is None:
        return None
    return _State(state.anchor, on + timedelta(days=state.remaining_days))


_EVENT_HANDLERS: dict[EventKind, Callable[[DeadlineRule, _State, date], _State | None]] = {
    "interrupted": _interrupt,
    "suspended": _suspend,
    "resumed": _resume,
}


def _shift(day: date, delay: Delay, direction: Direction) -> date:
    """`day` moved by the delay, forwards ("after") or backwards ("before")."""
    sign = 1 if direction == "after" else -1
    if delay.unit == "days":
        return day + timedelta(days=sign * delay.amount)
    if delay.unit == "working_days":
        return add_working_days(day, sign * delay.amount)
    months = delay.amount * (12 if delay.unit == "years" else 1)
    return add_months(day, sign * months)
