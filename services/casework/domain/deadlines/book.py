"""The rule book: every version of every deadline rule, read from TOML and checked once.

The rules are data (`services/casework/rules/deadlines.toml`), never logic: the caller reads
the file and passes its text to `RuleBook.from_toml`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from itertools import pairwise
from operator import attrgetter
from typing import TypeVar

from services.casework.domain.deadlines.rules import (
    DIRECTIONS,
    UNITS,
    DeadlineRule,
    Delay,
    UnknownRule,
)
from services.casework.domain.tables import load, reject_unknown


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
        document = load(text, "deadline rules")
        reject_unknown(document, {"rule"}, "deadline rules")
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
    reject_unknown(table, {*_REQUIRED, *_OPTIONAL}, where)
    rule_id = _field(table, "id", str, where)
    where = f"{where} ({rule_id!r})"
    version = _field(table, "version", int, where)
    effective_from = _date_field(table, "effective_from", where)
    legal_reference = _field(table, "legal_reference", str, where)
    label = _field(table, "label", str, where)
    delay = _parse_delay(_field(table, "delay", dict, where), f"{where} delay")
    direction = _choice(_field(table, "direction", str, where), DIRECTIONS, "direction", where)
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
    reject_unknown(table, {"amount", "unit"}, where)
    amount = _field(table, "amount", int, where)
    unit = _choice(_field(table, "unit", str, where), UNITS, "unit", where)
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
