"""A past night's bed board without I/O, as housing's events recorded it by an instant: each
bed of the centre then, its state that night, the offer holding it or the stay sleeping in it,
counted per site and room kind with the extra capacity apart, as on tonight's board."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.housing.domain.board import Night, counts
from services.housing.domain.figures import Ledger, Recorded, bed_states, replay
from shared.events import housing as ev


@dataclass(frozen=True)
class BedThen:
    """A bed and its state that night; the open offer or hold, or the stay, that had it."""

    bed: ev.BedAdded
    state: Night
    offer_id: str | None = None
    stay_id: str | None = None


@dataclass(frozen=True)
class RoomThen:
    """A room and its beds that night, beds by label."""

    room: ev.RoomAdded
    beds: list[BedThen]


@dataclass(frozen=True)
class SiteThen:
    """A site's rooms that night, by label, and its counts (all, per room kind, extra)."""

    site: ev.SiteDeclared
    rooms: list[RoomThen]
    counts: dict[str, int]
    by_kind: dict[str, dict[str, int]]
    extra: dict[str, int]


@dataclass(frozen=True)
class BoardThen:
    """The centre's beds on `night`, as the events recorded up to `as_of` tell them."""

    night: date
    as_of: datetime
    sites: list[SiteThen]
    counts: dict[str, int]


Holders = dict[str, tuple[str | None, str | None]]
"""Per bed, the open offer or hold that had it that night, or the stay that slept in it."""


def board_then(events: Sequence[Recorded], night: date, as_of: datetime) -> BoardThen:
    """The board of `night` from the events recorded up to `as_of` (the log's order): beds
    added later are not there, check-ins, check-outs and outages recorded later change
    nothing."""
    ledger = replay(events, as_of)
    states = bed_states(ledger, night)
    holders = holders_then(ledger, stays_of_offers(events, as_of), night)
    sites = sorted(ledger.sites.values(), key=lambda site: site.label)
    return BoardThen(
        night=night,
        as_of=as_of,
        sites=[_site(ledger, site, states, holders) for site in sites],
        counts=counts(states.values()),
    )


def stays_of_offers(events: Sequence[Recorded], until: datetime) -> dict[str, str]:
    """The stay each offer became at check-in, by the offer's id, as recorded up to `until`."""
    return {
        str(event.data["offer_id"]): str(event.data["stay_id"])
        for event in events
        if event.type == ev.CheckedIn.TYPE and event.time <= until
    }


def holders_then(ledger: Ledger, stays: dict[str, str], night: date) -> Holders:
    """Per bed given on `night`: the offer or hold still open then, or the stay slept in (a
    stay outranks an offer, as on tonight's board)."""
    found: Holders = {}
    covering = [(key, g) for key, g in ledger.grants.items() if g.first <= night <= g.last]
    for key, grant in sorted(covering, key=lambda pair: pair[1].kind == "stay"):
        holder = (None, stays.get(key)) if grant.kind == "stay" else (key, None)
        found.update({bed_id: holder for bed_id in grant.bed_ids})
    return found


def _site(
    ledger: Ledger, site: ev.SiteDeclared, states: dict[str, Night], holders: Holders
) -> SiteThen:
    rooms = sorted(
        (room for room in ledger.rooms.values() if room.site_id == site.site_id),
        key=lambda room: room.label,
    )
    shown: list[RoomThen] = []
    by_kind: dict[str, list[Night]] = {}
    extra: list[Night] = []
    everything: list[Night] = []
    for room in rooms:
        beds = sorted(
            (bed for bed in ledger.beds.values() if bed.room_id == room.room_id),
            key=lambda bed: bed.label,
        )
        for bed in beds:
            everything.append(states[bed.bed_id])
            kind = extra if bed.extra_block else by_kind.setdefault(room.kind, [])
            kind.append(states[bed.bed_id])
        then = [
            BedThen(bed, states[bed.bed_id], *holders.get(bed.bed_id, (None, None))) for bed in beds
        ]
        shown.append(RoomThen(room, then))
    return SiteThen(
        site=site,
        rooms=shown,
        counts=counts(everything),
        by_kind={kind: counts(found) for kind, found in sorted(by_kind.items())},
        extra=counts(extra),
    )
