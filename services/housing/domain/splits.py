"""A household split across rooms of one site: never by itself, only when a coordinator chooses
to (`split_candidates`, or the rooms the coordinator names: `chosen_split`), each room with one
of the household's adults so that no child sleeps away from all of them (`arrange`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import combinations

from services.housing.domain.rooms import (
    ADULT_AGE,
    BOYS_UNTIL,
    LONE,
    MAX_SPLIT_ROOMS,
    PRIVATE,
    Choice,
    Household,
    Member,
    Nights,
    Refusal,
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
    sleepers: tuple[tuple[int, ...], ...] = ()
    """For each choice, the members who sleep there, by their place in the household (0 first)."""


class SplitRefusal(StrEnum):
    """Why the rooms a coordinator named cannot take the household, as a code."""

    KIND = Refusal.KIND.value
    ACCESSIBILITY = Refusal.ACCESSIBILITY.value
    COT = Refusal.COT.value
    TOO_SMALL = Refusal.TOO_SMALL.value
    NOT_FREE_EVERY_NIGHT = Refusal.NOT_FREE_EVERY_NIGHT.value
    ONE_SITE = "one_site"
    AN_ADULT_IN_EACH_ROOM = "an_adult_in_each_room"


class SplitRefused(ValueError):
    """The rooms named cannot take the household split this way; `room_id` when one is why."""

    def __init__(self, reason: SplitRefusal, room_id: str | None = None) -> None:
        super().__init__(reason.value if room_id is None else f"{reason.value} ({room_id})")
        self.reason, self.room_id = reason, room_id


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
        on_site = [r for r in usable if r.site_id == site_id]
        best = _fewest_rooms(on_site, household, nights)
        if best:
            by_id = {room.id: room for room in on_site}
            placed = [by_id[choice.room_id] for choice in best]
            sleepers = arrange(placed, [len(c.bed_ids) for c in best], household) or ()
            splits.append(Split(site_id, best, coordinator_id, sleepers=sleepers))
    return sorted(splits, key=lambda s: (len(s.choices), _spare(s.choices), s.site_id))


def chosen_split(
    rooms: Sequence[Room],
    household: Household,
    nights: Nights,
    *,
    coordinator_id: str,
    bed_ids: Mapping[str, Sequence[str]] | None = None,
    boys_until: int = BOYS_UNTIL,
) -> Split:
    """The split a coordinator chose over these rooms of one site, with the beds named in each
    (`bed_ids`, every one free every night: the caller checks) or chosen as `split_candidates`
    would; `SplitRefused` when the rooms cannot take the household this way."""
    if not coordinator_id:
        raise ValueError("only a coordinator splits a household")
    if len({room.site_id for room in rooms}) != 1:
        raise SplitRefused(SplitRefusal.ONE_SITE)
    for room in rooms:
        refusal = _split_refusal(room, household, nights, boys_until)
        if refusal is not None:
            raise SplitRefused(SplitRefusal(refusal.value), room.id)
    group = [room for room in rooms if room.kind not in LONE]
    if household.needs.cot and not any(room.cot for room in group):
        raise SplitRefused(SplitRefusal.COT)
    if bed_ids is None:
        if not _holds(tuple(rooms), household, nights):
            raise SplitRefused(_why_not_held(rooms, household))
        choices = _place(tuple(rooms), household, nights)
    else:
        choices = tuple(_named(room, nights, bed_ids.get(room.id, ())) for room in rooms)
    sleepers = arrange(rooms, [len(choice.bed_ids) for choice in choices], household)
    if sleepers is None:
        raise SplitRefused(_why_not_held(rooms, household))
    return Split(rooms[0].site_id, choices, coordinator_id, sleepers=sleepers)


def arrange(
    rooms: Sequence[Room], counts: Sequence[int], household: Household
) -> tuple[tuple[int, ...], ...] | None:
    """Who sleeps where, `counts[i]` members in `rooms[i]`: an adult in each room (a man in a
    men-only room; lone rooms take that adult only), the reference person (listed first) kept
    with the children, who go, youngest first, to the other rooms; None when it cannot be."""
    members = household.members
    if len(counts) != len(rooms) or sum(counts) != len(members) or min(counts, default=0) < 1:
        return None
    adults = [i for i, m in enumerate(members) if m.adult]
    placed: list[list[int]] = [[] for _ in rooms]
    lone_first = sorted(range(len(rooms)), key=lambda k: _ADULT_ORDER[rooms[k].kind])
    for k in lone_first:
        men = [i for i in adults if members[i].sex is Sex.M]
        pool = men if rooms[k].kind is RoomKind.MEN_ONLY else adults
        if not pool or (rooms[k].kind in LONE and counts[k] != 1):
            return None
        adult = pool[0] if rooms[k].kind not in LONE else pool[-1]  # lone rooms: from the end
        adults.remove(adult)
        placed[k].append(adult)
    children = sorted((i for i, m in enumerate(members) if not m.adult), key=_youngest(members))
    cot_first = sorted(lone_first, key=lambda k: not (household.needs.cot and rooms[k].cot))
    for person in children + adults:
        room = next((k for k in cot_first if len(placed[k]) < counts[k]), None)
        if room is None:
            return None
        placed[room].append(person)
    return tuple(tuple(sorted(people)) for people in placed)


_ADULT_ORDER = {
    RoomKind.MEN_ONLY: 0,
    RoomKind.SINGLE: 1,
    RoomKind.FAMILY: 2,
    RoomKind.WOMEN_ONLY: 2,
}
"""The order rooms get their adult: men-only rooms need a man, lone rooms any adult left."""


def _youngest(members: Sequence[Member]) -> Callable[[int], tuple[int, int]]:
    """Children by age (the youngest first: a cot room is filled first), unknown ages last."""

    def key(i: int) -> tuple[int, int]:
        age = members[i].age
        return (age if age is not None else ADULT_AGE, i)

    return key


def _named(room: Room, nights: Nights, bed_ids: Sequence[str]) -> Choice:
    """The beds a coordinator named in a room, as a choice (idle beds of a private room)."""
    spare = len(free_beds(room, nights)) - len(bed_ids) if room.kind in PRIVATE else 0
    return Choice(room.id, room.site_id, tuple(bed_ids), spare)


def _why_not_held(rooms: Sequence[Room], household: Household) -> SplitRefusal:
    """Too many rooms for the adults (or too few men for men-only rooms), else too few beds."""
    men = sum(m.adult and m.sex is Sex.M for m in household.members)
    if len(rooms) > household.adults or sum(r.kind is RoomKind.MEN_ONLY for r in rooms) > men:
        return SplitRefusal.AN_ADULT_IN_EACH_ROOM
    return SplitRefusal.TOO_SMALL


def _splits_into(room: Room, household: Household, nights: Nights, boys_until: int) -> bool:
    """Whether part of the household could sleep in this room, free every night."""
    return _split_refusal(room, household, nights, boys_until) is None


def _split_refusal(
    room: Room, household: Household, nights: Nights, boys_until: int
) -> Refusal | None:
    """Why no part of the household could sleep in this room, free every night, if so."""
    needs, members = household.needs, household.members
    kind_fits = (room.kind is RoomKind.WOMEN_ONLY or not needs.women_only) and {
        RoomKind.WOMEN_ONLY: women_and_their_children(members, boys_until),
        RoomKind.MEN_ONLY: any(m.adult and m.sex is Sex.M for m in members),
    }.get(room.kind, True)
    if not kind_fits:
        return Refusal.KIND
    if needs.accessible and not room.accessible:
        return Refusal.ACCESSIBILITY
    if (room.kind in PRIVATE and taken(room, nights)) or not free_beds(room, nights):
        return Refusal.NOT_FREE_EVERY_NIGHT
    return None


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
