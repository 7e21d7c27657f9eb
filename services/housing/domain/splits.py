"""A household split across rooms of one site: never by itself, only when a coordinator chooses
to (`split_candidates`), each room with one of the household's adults so that no child sleeps
away from all of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from services.housing.domain.rooms import (
    BOYS_UNTIL,
    LONE,
    MAX_SPLIT_ROOMS,
    PRIVATE,
    Choice,
    Household,
    Nights,
    Room,
    RoomKind,
    Sex,
    choose,
    free_beds,
    taken,
    women_and_their_children,
)


@dataclass(frozen=True)
class Split:
    """Several rooms of one site for one household, because a coordinator chose to split it."""

    site_id: str
    choices: tuple[Choice, ...]
    coordinator_id: str
    split: bool = True


def split_candidates(
    rooms: Iterable[Room],
    household: Household,
    nights: Nights,
    *,
    coordinator_id: str,
    boys_until: int = BOYS_UNTIL,
) -> list[Split]:
    """A coordinator's split: per site, the fewest rooms that hold everyone, best first.

    Never offered unasked: `candidates` keeps a household whole. Each room of a split holds
    an adult of the household, so no child sleeps apart from every adult; single and men-only
    rooms take one adult each, a cot need wants a cot in a room where children may sleep.
    """
    if not coordinator_id:
        raise ValueError("only a coordinator splits a household")
    usable = [r for r in rooms if _splits_into(r, household, nights, boys_until)]
    splits = []
    for site_id in sorted({room.site_id for room in usable}):
        best = _fewest_rooms([r for r in usable if r.site_id == site_id], household, nights)
        if best:
            splits.append(Split(site_id, best, coordinator_id))
    return sorted(splits, key=lambda s: (len(s.choices), _spare(s.choices), s.site_id))


def _splits_into(room: Room, household: Household, nights: Nights, boys_until: int) -> bool:
    """Whether part of the household could sleep in this room, free every night."""
    needs, members = household.needs, household.members
    kind_fits = (room.kind is RoomKind.WOMEN_ONLY or not needs.women_only) and {
        RoomKind.WOMEN_ONLY: women_and_their_children(members, boys_until),
        RoomKind.MEN_ONLY: any(m.adult and m.sex is Sex.M for m in members),
    }.get(room.kind, True)
    return (
        kind_fits
        and (room.accessible or not needs.accessible)
        and not (room.kind in PRIVATE and taken(room, nights))
        and bool(free_beds(room, nights))
    )


def _fewest_rooms(rooms: list[Room], household: Household, nights: Nights) -> tuple[Choice, ...]:
    """The fewest rooms of one site that hold the household, least waste then ids first."""
    for count in range(2, min(household.adults, MAX_SPLIT_ROOMS) + 1):
        sets = combinations(_distinct(rooms, nights, count), count)
        placed = [_place(s, household, nights) for s in sets if _holds(s, household, nights)]
        if placed:
            return min(placed, key=lambda cs: (_spare(cs), [c.room_id for c in cs]))
    return ()


def _distinct(rooms: list[Room], nights: Nights, count: int) -> list[Room]:
    """At most `count` rooms (lowest ids) of each interchangeable sort: bounds the search."""
    kept: dict[tuple[RoomKind, int, bool], list[Room]] = {}
    for room in sorted(rooms, key=lambda r: r.id):
        same = kept.setdefault((room.kind, len(free_beds(room, nights)), room.cot), [])
        if len(same) < count:
            same.append(room)
    return sorted((room for same in kept.values() for room in same), key=lambda r: r.id)


def _holds(rooms: tuple[Room, ...], household: Household, nights: Nights) -> bool:
    """Whether these rooms hold everyone: an adult in each, no child in a single or men-only."""
    members = household.members
    group = [r for r in rooms if r.kind not in LONE]
    beds = sum(len(free_beds(r, nights)) for r in group)
    men = sum(m.adult and m.sex is Sex.M for m in members)
    return (
        len(rooms) <= household.adults
        and sum(r.kind is RoomKind.MEN_ONLY for r in rooms) <= men
        and len(members) - household.adults <= beds - len(group)
        and len(members) <= beds + len(rooms) - len(group)
        and (not household.needs.cot or any(r.cot for r in group))
    )


def _place(rooms: tuple[Room, ...], household: Household, nights: Nights) -> tuple[Choice, ...]:
    """An adult in each room, then the others in private rooms first (they would waste beds)."""
    counts = {room.id: 1 for room in rooms}
    left = len(household.members) - len(rooms)
    group = [r for r in rooms if r.kind not in LONE]
    for room in sorted(group, key=lambda r: (r.kind not in PRIVATE, r.id)):
        more = min(left, len(free_beds(room, nights)) - 1)
        counts[room.id] += more
        left -= more
    return tuple(choose(room, nights, counts[room.id]) for room in rooms)


def _spare(choices: Iterable[Choice]) -> int:
    """The beds a set of choices leaves idle."""
    return sum(choice.spare for choice in choices)
