"""The centre's plan as data: its sites, their rooms and beds, and the extra capacity opened
for a season, read from TOML and checked before anything is loaded."""

from __future__ import annotations

import re
import tomllib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from shared.errors import DomainError

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_LABEL = re.compile(r"^[^\x00-\x1f\x7f]{1,40}$")
MAX_BEDS_PER_ROOM = 30
_IDS = uuid.UUID("6f1c2a0e-8c1b-4a55-9a57-1d1f0c7e4b21")  # the plan's ids: the same at each start


class PlanError(DomainError):
    """The plan breaks a rule; the message names where (e.g. `sites[1].rooms[0].kind`)."""


class RoomKind(StrEnum):
    """Who a room is for."""

    SINGLE = "single"
    FAMILY = "family"
    WOMEN_ONLY = "women_only"
    MEN_ONLY = "men_only"


@dataclass(frozen=True)
class ExtraCapacity:
    """Beds opened for a season (the winter plan, a cold-weather night), counted apart: open
    from `first_night` to `last_night`, both included."""

    id: str
    label: str
    first_night: date
    last_night: date

    def covers(self, night: date) -> bool:
        """Whether the block's beds are open on `night`."""
        return self.first_night <= night <= self.last_night


@dataclass(frozen=True)
class RoomPlan:
    """A room: its label, kind, attributes, its beds' labels, and its extra capacity block
    (every bed of the room belongs to it) or None."""

    label: str
    kind: RoomKind
    accessible: bool
    cot: bool
    beds: tuple[str, ...]
    extra: ExtraCapacity | None = None


@dataclass(frozen=True)
class SitePlan:
    """A site: its code, name, address (never shown outside the operator when confidential)."""

    code: str
    name: str
    address: str
    confidential: bool
    rooms: tuple[RoomPlan, ...]

    @property
    def id(self) -> str:
        """The site's id, the same at every start."""
        return plan_id("site", self.code)

    def room_id(self, room: RoomPlan) -> str:
        """A room's id, the same at every start."""
        return plan_id("room", self.code, room.label)

    def bed_id(self, room: RoomPlan, bed: str) -> str:
        """A bed's id, the same at every start."""
        return plan_id("bed", self.code, room.label, bed)


@dataclass(frozen=True)
class Plan:
    """The centre: its name, sites, and extra capacity blocks (its time zone is a setting,
    `HOUSING_CENTRE_TIMEZONE`, read by everything that dates a night)."""

    name: str
    sites: tuple[SitePlan, ...]
    extra_capacity: tuple[ExtraCapacity, ...] = ()

    @classmethod
    def from_toml(cls, text: str) -> Plan:
        """Read and check a plan; PlanError says what is wrong and where."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PlanError(f"the plan is not valid TOML: {exc}") from None
        return parse(data)

    def beds(self, *, extra: bool | None = None) -> int:
        """How many beds the plan holds (only extra ones, only permanent ones, or all)."""
        return sum(
            len(room.beds)
            for site in self.sites
            for room in site.rooms
            if extra is None or (room.extra is not None) == extra
        )


def plan_id(*parts: str) -> str:
    """The id of a part of the plan, derived from its place in it."""
    return str(uuid.uuid5(_IDS, "/".join(parts)))


def parse(data: Mapping[str, Any]) -> Plan:
    """A plan from its parsed TOML; PlanError names the first wrong entry."""
    _known(data, "", {"name", "extra_capacity", "sites"})
    blocks = tuple(
        extra_capacity(_table(b, f"extra_capacity[{i}]"), f"extra_capacity[{i}]")
        for i, b in enumerate(_list(data, "extra_capacity", ""))
    )
    _unique([b.id for b in blocks], "extra_capacity", "id")
    by_id = {block.id: block for block in blocks}
    sites = tuple(
        _site(_table(s, f"sites[{i}]"), f"sites[{i}]", by_id)
        for i, s in enumerate(_list(data, "sites", ""))
    )
    if not sites:
        raise PlanError("sites: the plan needs at least one site")
    _unique([s.code for s in sites], "sites", "code")
    return Plan(_text(data, "name", ""), sites, blocks)


def extra_capacity(data: Mapping[str, Any], where: str) -> ExtraCapacity:
    """One block of extra capacity; its last night may not come before its first."""
    _known(data, where, {"id", "label", "first_night", "last_night"})
    block = ExtraCapacity(
        id=_code(data, "id", where),
        label=_text(data, "label", where),
        first_night=_date(data, "first_night", where),
        last_night=_date(data, "last_night", where),
    )
    check_period(block.first_night, block.last_night, where)
    return block


def check_period(first_night: date, last_night: date, where: str = "") -> None:
    """A period of nights runs forward: its last night is its first or after it."""
    if last_night < first_night:
        at = f"{where}." if where else ""
        raise PlanError(f"{at}last_night ({last_night}) comes before first_night ({first_night})")


def check_label(label: str, where: str) -> str:
    """A room's or bed's label: 1 to 40 printable characters."""
    if not _LABEL.match(label) or not label.strip():
        raise PlanError(f"{where}: {label!r} is not a label (1 to 40 printable characters)")
    return label.strip()


def _site(data: Mapping[str, Any], where: str, blocks: Mapping[str, ExtraCapacity]) -> SitePlan:
    _known(data, where, {"code", "name", "address", "confidential", "rooms"})
    rooms = tuple(
        _room(_table(r, f"{where}.rooms[{i}]"), f"{where}.rooms[{i}]", blocks)
        for i, r in enumerate(_list(data, "rooms", where))
    )
    _unique([room.label for room in rooms], f"{where}.rooms", "label")
    return SitePlan(
        code=_code(data, "code", where),
        name=_text(data, "name", where),
        address=_text(data, "address", where),
        confidential=_flag(data, "confidential", where),
        rooms=rooms,
    )


def _room(data: Mapping[str, Any], where: str, blocks: Mapping[str, ExtraCapacity]) -> RoomPlan:
    _known(data, where, {"label", "kind", "accessible", "cot", "beds", "extra_capacity"})
    label = check_label(_text(data, "label", where), f"{where}.label")
    kind = _kind(data, where)
    beds = _beds(data.get("beds"), label, f"{where}.beds")
    if kind is RoomKind.SINGLE and len(beds) != 1:
        raise PlanError(f"{where}.beds: a single room has exactly one bed, not {len(beds)}")
    if kind is RoomKind.FAMILY and len(beds) < 2:
        raise PlanError(f"{where}.beds: a family room has at least two beds")
    extra = None
    if "extra_capacity" in data:
        block = _text(data, "extra_capacity", where)
        if block not in blocks:
            known = ", ".join(sorted(blocks)) or "none declared"
            raise PlanError(f"{where}.extra_capacity: no block {block!r} (known: {known})")
        extra = blocks[block]
    accessible, cot = _flag(data, "accessible", where), _flag(data, "cot", where)
    return RoomPlan(label, kind, accessible, cot, beds, extra)


def _kind(data: Mapping[str, Any], where: str) -> RoomKind:
    value = _text(data, "kind", where)
    try:
        return RoomKind(value)
    except ValueError:
        kinds = ", ".join(kind.value for kind in RoomKind)
        raise PlanError(f"{where}.kind: {value!r} is not one of {kinds}") from None


def _beds(value: object, room: str, where: str) -> tuple[str, ...]:
    """`beds = 4` (labelled `<room>-1`...) or `beds = ["A", "B"]`."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= MAX_BEDS_PER_ROOM:
            raise PlanError(f"{where}: a room holds 1 to {MAX_BEDS_PER_ROOM} beds, not {value}")
        return tuple(f"{room}-{n}" for n in range(1, value + 1))
    if isinstance(value, list) and value and all(isinstance(b, str) for b in value):
        labels = tuple(check_label(b, where) for b in value)
        _unique(list(labels), where, "label")
        if len(labels) > MAX_BEDS_PER_ROOM:
            raise PlanError(f"{where}: a room holds 1 to {MAX_BEDS_PER_ROOM} beds")
        return labels
    raise PlanError(f"{where}: give a number of beds or a list of their labels")


def _known(data: Mapping[str, Any], where: str, keys: set[str]) -> None:
    unknown = sorted(set(data) - keys)
    if unknown:
        at = f"{where}: " if where else ""
        raise PlanError(f"{at}unknown key {unknown[0]!r} (expected: {', '.join(sorted(keys))})")


def _table(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise PlanError(f"{where}: expected a table")
    return value


def _list(data: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise PlanError(f"{_at(where, key)}: expected an array of tables ([[{key}]])")
    return value


def _text(data: Mapping[str, Any], key: str, where: str, *, default: str | None = None) -> str:
    value = data.get(key, default)
    if value is None:
        raise PlanError(f"{_at(where, key)}: missing")
    if not isinstance(value, str) or not value.strip():
        raise PlanError(f"{_at(where, key)}: expected a non-empty string")
    return value.strip()


def _code(data: Mapping[str, Any], key: str, where: str) -> str:
    value = _text(data, key, where)
    if not _CODE.match(value):
        raise PlanError(f"{_at(where, key)}: {value!r} is not a code (a-z, 0-9, - and _)")
    return value


def _flag(data: Mapping[str, Any], key: str, where: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise PlanError(f"{_at(where, key)}: expected true or false")
    return value


def _date(data: Mapping[str, Any], key: str, where: str) -> date:
    value = data.get(key)
    if value is None:
        raise PlanError(f"{_at(where, key)}: missing")
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise PlanError(f"{_at(where, key)}: expected a date (e.g. 2026-11-01)")
    return value


def _unique(values: list[str], where: str, what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise PlanError(f"{where}: two entries have the {what} {value!r}")
        seen.add(value)


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
