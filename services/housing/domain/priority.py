"""The waiting list's priority: a score from the terms of a versioned rule book (TOML data read
by `load_book`), each term shown with its points, an order with ties to the longest wait, and a
coordinator's overrides applied after scoring. The caller reads the rule file, not this module."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from shared.errors import DomainError

Kind = Literal["flag", "per_unit"]
KINDS: dict[str, Kind] = {"flag": "flag", "per_unit": "per_unit"}
ADULT_AGE = 18


class InvalidRuleBook(ValueError):
    """The rule data is wrong; the message says which term and field."""


@dataclass(frozen=True)
class Member:
    """A household member as priority sees them: an age, where known, and health flags."""

    age: int | None  # full years on the day of scoring; an unknown age is never guessed
    pregnant: bool = False
    health: bool = False  # a health condition or reduced mobility, recorded with consent


@dataclass(frozen=True)
class HouseholdFacts:
    """Everything the terms may read, and nothing else: no nationality, no status."""

    members: tuple[Member, ...]  # everyone in the household, the reference person included
    requested_at: datetime
    nights_without_shelter: int = 0  # in the last 30 days, as told
    woman_alone: bool = False  # a woman on her own (the request's women-only need)


def _any(facts: HouseholdFacts, test: Callable[[Member], bool]) -> int:
    return int(any(test(member) for member in facts.members))


def _single_adult_with_children(facts: HouseholdFacts) -> int:
    """Exactly one member who is not a known minor, and at least one known minor."""
    minors = [m for m in facts.members if m.age is not None and m.age < ADULT_AGE]
    return int(bool(minors) and len(facts.members) - len(minors) == 1)


# The facts a term may read, and the kind each is: a term id must be one of these.
_READERS: dict[str, tuple[Kind, Callable[[HouseholdFacts, date], int]]] = {
    "child_under_3": ("flag", lambda f, _: _any(f, lambda m: m.age is not None and m.age < 3)),
    "child": ("flag", lambda f, _: _any(f, lambda m: m.age is not None and m.age < ADULT_AGE)),
    "pregnancy": ("flag", lambda f, _: _any(f, lambda m: m.pregnant)),
    "health_flag": ("flag", lambda f, _: _any(f, lambda m: m.health)),
    "over_65": ("flag", lambda f, _: _any(f, lambda m: m.age is not None and m.age >= 65)),
    "woman_alone": ("flag", lambda f, _: int(f.woman_alone)),
    "single_adult_with_children": ("flag", lambda f, _: _single_adult_with_children(f)),
    "nights_without_shelter": ("per_unit", lambda f, _: max(f.nights_without_shelter, 0)),
    "days_waiting": ("per_unit", lambda f, today: max((today - f.requested_at.date()).days, 0)),
}
TERM_IDS = frozenset(_READERS)
# Shelter is unconditional whatever a person's situation (CASF art. L.345-2-2): a term naming
# any of these is refused with that reason, not merely as an unknown id.
FORBIDDEN = re.compile(
    "nationality|citizenship|country|origin|status|permit|residence|visa|asylum|refugee"
    "|undocumented|irregular|titre|sejour|séjour"
)
UNCONDITIONAL = (
    "priority may never read nationality or administrative status (unconditional shelter,"
    " CASF L.345-2-2)"
)


@dataclass(frozen=True)
class Term:
    """One term of the rule book: a flag worth `weight`, or `weight` per unit up to `cap`."""

    id: str
    label: str
    kind: Kind
    weight: int
    cap: int | None = None

    def __post_init__(self) -> None:
        problem = _problem(self)
        if problem is not None:
            raise InvalidRuleBook(f"term {self.id!r}: {problem}")


def _problem(term: Term) -> str | None:
    """What is wrong with a term, in words the rule file's editor can act on, if anything."""
    expected = _READERS[term.id][0] if term.id in _READERS else None
    checks = (
        (FORBIDDEN.search(term.id.lower()) is not None, UNCONDITIONAL),
        (term.kind not in KINDS, f"unknown kind {term.kind!r}; expected one of: flag, per_unit"),
        (expected is None, f"unknown term; expected one of: {', '.join(sorted(TERM_IDS))}"),
        (term.kind != expected, f"kind must be {expected!r}"),
        (not term.label.strip(), "the label must not be empty"),
        (
            _not_whole(term.weight),
            f"the weight must be a whole number >= 0 (a term never lowers a score),"
            f" got {term.weight!r}",
        ),
        (term.kind == "flag" and term.cap is not None, "a flag has no cap"),
        (
            term.kind == "per_unit" and (term.cap is None or _not_whole(term.cap)),
            f"a per_unit term needs a cap that is a whole number >= 0, got {term.cap!r}",
        ),
    )
    return next((message for failed, message in checks if failed), None)


def _not_whole(value: object) -> bool:
    return isinstance(value, bool) or not isinstance(value, int) or value < 0


@dataclass(frozen=True)
class RuleBook:
    """One version of the rule book: its terms, in the order they are shown."""

    version: int
    effective_from: date
    terms: tuple[Term, ...]

    def __post_init__(self) -> None:
        if _not_whole(self.version) or self.version < 1:
            raise InvalidRuleBook(f"the version must be a whole number >= 1, got {self.version!r}")
        ids = [term.id for term in self.terms]
        duplicates = sorted({term_id for term_id in ids if ids.count(term_id) > 1})
        if duplicates:
            raise InvalidRuleBook(f"duplicate term id(s): {', '.join(map(repr, duplicates))}")
        if not self.terms:
            raise InvalidRuleBook("the rule book has no terms")


@dataclass(frozen=True)
class TermPoints:
    """One term's part in a score, to show beside it."""

    term_id: str
    label: str
    weight: int
    units: int  # 1 or 0 for a flag; the units counted, at most the cap, for a per-unit term
    cap: int | None
    points: int


@dataclass(frozen=True)
class Score:
    """A total and every term of the book that made it, zero or not, under one version."""

    book_version: int
    total: int
    terms: tuple[TermPoints, ...]


def score(book: RuleBook, facts: HouseholdFacts, today: date) -> Score:
    """The household's score under the book on `today` (days waiting count up to it)."""
    parts = []
    for term in book.terms:
        units = _READERS[term.id][1](facts, today)
        if term.cap is not None:
            units = min(units, term.cap)
        parts.append(
            TermPoints(term.id, term.label, term.weight, units, term.cap, units * term.weight)
        )
    return Score(book.version, sum(part.points for part in parts), tuple(parts))


@dataclass(frozen=True)
class Request:
    """A placement request on the waiting list."""

    id: str
    facts: HouseholdFacts


@dataclass(frozen=True)
class Override:
    """A coordinator's move of a request: to a position (1 is first), or above another one."""

    request_id: str
    by: str  # the coordinator's id
    reason: str  # as recorded; the service stores it sealed
    position: int | None = None
    above: str | None = None

    def __post_init__(self) -> None:
        if (self.position is None) == (self.above is None):
            raise DomainError("an override moves a request to a position or above another")
        if self.position is not None and (_not_whole(self.position) or self.position < 1):
            raise DomainError(f"a position is a whole number >= 1, got {self.position!r}")
        if self.above == self.request_id:
            raise DomainError("a request cannot be moved above itself")
        if not self.reason.strip() or not self.by.strip():
            raise DomainError("an override records its reason and who made it")


@dataclass(frozen=True)
class Ranked:
    """A request's place: where its score put it, and where it stands after any override."""

    position: int  # after overrides, 1 first
    request: Request
    score: Score
    scored_position: int  # where the score alone put it
    override: Override | None  # the last override applied to it, shown beside the score


def order(
    book: RuleBook, requests: Iterable[Request], today: date, overrides: Sequence[Override] = ()
) -> list[Ranked]:
    """Rank by score, ties to the earliest request then the id; overrides apply after, in the
    order given (oldest first); one naming a request no longer on the list is left aside."""
    scored = sorted(
        ((request, score(book, request.facts, today)) for request in requests),
        key=lambda pair: (-pair[1].total, pair[0].facts.requested_at, pair[0].id),
    )
    ids = [request.id for request, _ in scored]
    applied: dict[str, Override] = {}
    for override in overrides:
        if _move(ids, override):
            applied[override.request_id] = override
    by_id = {request.id: (request, points, n) for n, (request, points) in enumerate(scored, 1)}
    return [Ranked(n, *by_id[rid], applied.get(rid)) for n, rid in enumerate(ids, start=1)]


def _move(ids: list[str], override: Override) -> bool:
    """Apply one override to the ids in place; whether it applied."""
    if override.request_id not in ids:
        return False
    if override.above is not None:
        if override.above not in ids:
            return False
        if ids.index(override.request_id) < ids.index(override.above):
            return True  # already above: the override holds, nothing moves
        ids.remove(override.request_id)
        ids.insert(ids.index(override.above), override.request_id)
        return True
    ids.remove(override.request_id)
    ids.insert(min(override.position or 1, len(ids) + 1) - 1, override.request_id)
    return True


# --- Reading the rule data: TOML values are untyped; every field is checked here. ---

_BOOK_FIELDS = {"version", "effective_from", "term"}
_TERM_FIELDS = {"id", "label", "kind", "weight", "cap"}


def load_book(text: str) -> RuleBook:
    """The rule data's text as a RuleBook; an InvalidRuleBook names the term and field."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidRuleBook(f"priority rules: not valid TOML: {error}") from error
    _reject_unknown(document, _BOOK_FIELDS, "priority rules")
    for key in ("version", "effective_from", "term"):
        if key not in document:
            raise InvalidRuleBook(f"priority rules: missing {key!r}")
    effective_from = document["effective_from"]
    if not isinstance(effective_from, date) or isinstance(effective_from, datetime):
        raise InvalidRuleBook(
            f"priority rules: 'effective_from' must be a date: {effective_from!r}"
        )
    tables = document["term"]
    if not isinstance(tables, list):
        raise InvalidRuleBook("priority rules: 'term' must be a list of [[term]] tables")
    terms = tuple(_parse_term(table, n) for n, table in enumerate(tables, start=1))
    return RuleBook(document["version"], effective_from, terms)


def _parse_term(table: object, n: int) -> Term:
    """One `[[term]]` table as a Term."""
    where = f"[[term]] #{n}"
    if not isinstance(table, dict):
        raise InvalidRuleBook(f"{where}: expected a table")
    _reject_unknown(table, _TERM_FIELDS, where)
    missing = sorted({"id", "label", "kind", "weight"} - set(table))
    if missing:
        raise InvalidRuleBook(f"{where}: missing field(s) {', '.join(map(repr, missing))}")
    for key in ("id", "label", "kind"):
        if not isinstance(table[key], str):
            raise InvalidRuleBook(f"{where}: {key!r} must be a string, got {table[key]!r}")
    try:
        return Term(table["id"], table["label"], table["kind"], table["weight"], table.get("cap"))
    except InvalidRuleBook as error:
        raise InvalidRuleBook(f"{where}: {error}") from error


def _reject_unknown(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    """Refuse misspelt keys (and any field a term might use to read something else)."""
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise InvalidRuleBook(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}")
