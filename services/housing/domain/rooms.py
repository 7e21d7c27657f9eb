"""Where a household can sleep tonight: the rooms that take it whole, every night, best fit first.

A household sleeps together, in one room, for every night of the period; it is never split
unless a coordinator chooses to (`split_candidates`). Single and family rooms are private:
the household takes the room, so a bed held or occupied by someone else on any night refuses
it, and the room's other free beds are the waste that best fit keeps low. Women-only and
men-only rooms are dormitories: the household takes only as many beds as it has members, and
the others stay free for other persons. A bed's state unknown for a night counts as out of
service: nobody said it could be used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from services.housing.domain.plan import RoomKind as RoomKind  # the plan's kinds, re-exported

ADULT_AGE = 18
BOYS_UNTIL = 13
"""Boys under this age stay with their mother in a women-only room (see `candidates`)."""
MAX_SPLIT_ROOMS = 4
"""A split beyond this many rooms is a coordinator's arrangement by hand, not a suggestion."""
PRIVATE = frozenset({RoomKind.SINGLE, RoomKind.FAMILY})
"""Rooms a household takes whole: nobody else sleeps there while it does."""
LONE = frozenset({RoomKind.SINGLE, RoomKind.MEN_ONLY})
"""Rooms that take one person of a household, never a child."""


class BedState(StrEnum):
    """A bed on one night."""

    FREE = "free"
    HELD = "held"
    OCCUPIED = "occupied"
    OUT_OF_SERVICE = "out_of_service"


class Sex(StrEnum):
    """Sex as the household declares it."""

    F = "f"
    M = "m"
    UNKNOWN = "unknown"


class Refusal(StrEnum):
    """Why a room cannot take a household, as a code the page translates."""

    KIND = "kind"
    ACCESSIBILITY = "accessibility"
    COT = "cot"
    TOO_SMALL = "too_small"
    OUT_OF_SERVICE = "out_of_service"
    NOT_FREE_EVERY_NIGHT = "not_free_every_night"


@dataclass(frozen=True)
class Nights:
    """The period asked for: a first night and a number of nights."""

    first: date
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("a period has at least one night")

    @property
    def dates(self) -> tuple[date, ...]:
        """Each night of the period, by the date it begins."""
        return tuple(self.first + timedelta(days=i) for i in range(self.count))


@dataclass(frozen=True)
class Bed:
    """A bed and its state on each night it is known for."""

    id: str
    nights: Mapping[date, BedState] = field(default_factory=dict, hash=False)

    def on(self, night: date) -> BedState:
        """The bed's state that night; unknown counts as out of service."""
        return self.nights.get(night, BedState.OUT_OF_SERVICE)


@dataclass(frozen=True)
class Room:
    """A room of a site, with its kind, attributes and beds."""

    id: str
    site_id: str
    kind: RoomKind
    beds: tuple[Bed, ...]
    accessible: bool = False
    cot: bool = False


@dataclass(frozen=True)
class Member:
    """A member of the household: age in years (None: not known) and declared sex."""

    age: int | None
    sex: Sex = Sex.UNKNOWN

    @property
    def adult(self) -> bool:
        """Of age, or of unknown age (intake registers adults without a birth date)."""
        return self.age is None or self.age >= ADULT_AGE


@dataclass(frozen=True)
class Needs:
    """What the household needs from a room."""

    accessible: bool = False
    cot: bool = False
    women_only: bool = False


@dataclass(frozen=True)
class Household:
    """The persons who sleep together, and their needs."""

    members: tuple[Member, ...]
    needs: Needs = Needs()

    def __post_init__(self) -> None:
        if not self.members:
            raise ValueError("a household has at least one member")

    @property
    def adults(self) -> int:
        """How many members are adults."""
        return sum(m.adult for m in self.members)


@dataclass(frozen=True)
class Choice:
    """A room offered to the household and the exact beds it would hold."""

    room_id: str
    site_id: str
    bed_ids: tuple[str, ...]
    spare: int
    """Free beds of a private room left idle by this choice (what best fit keeps low)."""


def candidates(
    rooms: Iterable[Room], household: Household, nights: Nights, *, boys_until: int = BOYS_UNTIL
) -> list[Choice]:
    """The rooms that take the whole household every night, best fit first.

    `boys_until`: a women-only room takes women and their children, boys only under this age.
    Women-only rooms shelter women who may be fleeing violence; a young son is not separated
    from his mother, an adolescent sleeps elsewhere. 13 is the usual limit of women's shelters'
    house rules (règlement de fonctionnement); a structure with another rule passes its own.
    """
    rooms = tuple(rooms)
    fits = [room for room in rooms if _refusal(room, household, nights, boys_until) is None]
    ranked = sorted(fits, key=lambda room: _rank(room, household, nights))
    return [choose(room, nights, len(household.members)) for room in ranked]


def why_not(
    rooms: Iterable[Room], household: Household, nights: Nights, *, boys_until: int = BOYS_UNTIL
) -> dict[str, Refusal]:
    """For each room refused, the first reason it cannot take the household."""
    reasons = {room.id: _refusal(room, household, nights, boys_until) for room in rooms}
    return {room_id: reason for room_id, reason in reasons.items() if reason is not None}


def _rank(room: Room, household: Household, nights: Nights) -> tuple[object, ...]:
    """Fewest wasted beds, then accessible rooms and cots kept for those who need them, then id."""
    needs = household.needs
    return (
        choose(room, nights, len(household.members)).spare,
        room.accessible and not needs.accessible,
        room.cot and not needs.cot,
        room.id,
    )


def _refusal(room: Room, household: Household, nights: Nights, boys_until: int) -> Refusal | None:
    """The first reason the room cannot take the household for the period, if any."""
    size = len(household.members)
    if not _admits(room.kind, household, boys_until):
        return Refusal.KIND
    if household.needs.accessible and not room.accessible:
        return Refusal.ACCESSIBILITY
    if household.needs.cot and not room.cot:
        return Refusal.COT
    if len(room.beds) < size:
        return Refusal.TOO_SMALL
    if sum(_in_service(bed, nights) for bed in room.beds) < size:
        return Refusal.OUT_OF_SERVICE
    if (room.kind in PRIVATE and taken(room, nights)) or len(free_beds(room, nights)) < size:
        return Refusal.NOT_FREE_EVERY_NIGHT
    return None


def _admits(kind: RoomKind, household: Household, boys_until: int) -> bool:
    """Whether a room of this kind is for this household, whatever its beds."""
    if household.needs.women_only and kind is not RoomKind.WOMEN_ONLY:
        return False
    members = household.members
    alone = len(members) == 1 and members[0].adult
    if kind is RoomKind.SINGLE:
        return alone
    if kind is RoomKind.MEN_ONLY:
        return alone and members[0].sex is Sex.M
    if kind is RoomKind.WOMEN_ONLY:
        return women_and_their_children(members, boys_until)
    return True


def women_and_their_children(members: Sequence[Member], boys_until: int) -> bool:
    """At least one woman, every adult a woman, every boy (or child of unknown sex) young."""
    return any(m.adult and m.sex is Sex.F for m in members) and all(
        m.sex is Sex.F or (not m.adult and m.age is not None and m.age < boys_until)
        for m in members
    )


def _in_service(bed: Bed, nights: Nights) -> bool:
    """Whether the bed can be used (free or not) on every night of the period."""
    return all(bed.on(night) is not BedState.OUT_OF_SERVICE for night in nights.dates)


def taken(room: Room, nights: Nights) -> bool:
    """Whether someone else holds or occupies a bed of the room on a night of the period."""
    busy = {BedState.HELD, BedState.OCCUPIED}
    return any(bed.on(night) in busy for bed in room.beds for night in nights.dates)


def free_beds(room: Room, nights: Nights) -> list[Bed]:
    """The room's beds free on every night of the period, by id."""
    free = [b for b in room.beds if all(b.on(n) is BedState.FREE for n in nights.dates)]
    return sorted(free, key=lambda b: b.id)


def choose(room: Room, nights: Nights, count: int) -> Choice:
    """The exact beds `count` members would hold in a room, lowest ids first."""
    free = free_beds(room, nights)
    spare = len(free) - count if room.kind in PRIVATE else 0
    return Choice(room.id, room.site_id, tuple(b.id for b in free[:count]), spare)
