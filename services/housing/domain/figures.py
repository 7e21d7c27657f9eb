"""A night's figures replayed from housing's own events, without I/O: what each bed was that
night as the events up to an instant tell it, counts per site and room kind (the extra
capacity apart), the stays' arrivals, departures and lengths, and the waiting list."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from statistics import median
from typing import Any

from services.housing.domain.board import BedFacts, Night, counts, state
from shared.events import housing as ev


@dataclass(frozen=True)
class Recorded:
    """One event of housing's log: its type, its instant (the envelope's) and its data."""

    type: str
    time: datetime
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Grant:
    """Beds given to a placement for nights: an offer, a hold, or (once taken up) a stay."""

    kind: str
    placement_id: str
    bed_ids: tuple[str, ...]
    first: date
    last: date


@dataclass(frozen=True)
class StayFacts:
    """A stay's nights; `left` is the day the household left, once it has."""

    first: date
    last: date
    left: date | None = None


@dataclass
class Ledger:
    """The centre as the events tell it at an instant."""

    sites: dict[str, ev.SiteDeclared] = field(default_factory=dict)
    rooms: dict[str, ev.RoomAdded] = field(default_factory=dict)
    beds: dict[str, ev.BedAdded] = field(default_factory=dict)
    outages: dict[str, list[tuple[date, date]]] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    stays: dict[str, StayFacts] = field(default_factory=dict)
    requested: dict[str, datetime] = field(default_factory=dict)
    placed: set[str] = field(default_factory=set)


def replay(events: Iterable[Recorded], until: datetime) -> Ledger:
    """The ledger the events recorded up to `until` (included) make, in the order given."""
    ledger = Ledger()
    for event in events:
        if event.time <= until:
            apply(ledger, event)
    return ledger


def apply(ledger: Ledger, event: Recorded) -> None:
    """Fold one event into the ledger; events that do not change a figure are passed over."""
    step = _STEPS.get(event.type)
    if step is not None:
        step(ledger, event.data)


def _site(ledger: Ledger, data: Mapping[str, Any]) -> None:
    site = ev.SiteDeclared.model_validate(data)
    ledger.sites[site.site_id] = site


def _room(ledger: Ledger, data: Mapping[str, Any]) -> None:
    room = ev.RoomAdded.model_validate(data)
    ledger.rooms[room.room_id] = room


def _bed(ledger: Ledger, data: Mapping[str, Any]) -> None:
    bed = ev.BedAdded.model_validate(data)
    ledger.beds[bed.bed_id] = bed


def _outage(ledger: Ledger, data: Mapping[str, Any]) -> None:
    out = ev.BedOutOfService.model_validate(data)
    ledger.outages.setdefault(out.bed_id, []).append((out.first_night, out.last_night))


def _requested(ledger: Ledger, data: Mapping[str, Any]) -> None:
    asked = ev.PlacementRequested.model_validate(data)
    ledger.requested.setdefault(asked.placement_id, asked.requested_at)


def _offered(ledger: Ledger, data: Mapping[str, Any]) -> None:
    offer = ev.BedOffered.model_validate(data)
    last = offer.first_night + timedelta(days=offer.nights - 1)
    beds = tuple(offer.bed_ids)
    ledger.grants[offer.offer_id] = Grant(
        "offer", offer.placement_id, beds, offer.first_night, last
    )


def _held(ledger: Ledger, data: Mapping[str, Any]) -> None:
    hold = ev.BedHeld.model_validate(data)
    grant = Grant("hold", hold.placement_id, (hold.bed_id,), hold.night, hold.night)
    ledger.grants[hold.offer_id] = grant


def _expired(ledger: Ledger, data: Mapping[str, Any]) -> None:
    ledger.grants.pop(ev.OfferExpired.model_validate(data).offer_id, None)


def _checked_in(ledger: Ledger, data: Mapping[str, Any]) -> None:
    came = ev.CheckedIn.model_validate(data)
    beds = tuple(came.bed_ids)
    grant = Grant("stay", came.placement_id, beds, came.first_night, came.last_night)
    ledger.grants[came.offer_id] = grant
    ledger.stays[came.stay_id] = StayFacts(came.first_night, came.last_night)
    ledger.placed.add(came.placement_id)


def _checked_out(ledger: Ledger, data: Mapping[str, Any]) -> None:
    left = ev.CheckedOut.model_validate(data)
    grant = ledger.grants.get(left.offer_id)
    if grant is not None:  # its nights after the last one slept are free again
        last = min(grant.last, left.last_night)
        ledger.grants[left.offer_id] = Grant(
            grant.kind, grant.placement_id, grant.bed_ids, grant.first, last
        )
    stay = ledger.stays.get(left.stay_id)
    if stay is not None:
        ledger.stays[left.stay_id] = StayFacts(
            stay.first, min(stay.last, left.last_night), left.last_night + timedelta(days=1)
        )


_STEPS = {
    ev.SiteDeclared.TYPE: _site,
    ev.RoomAdded.TYPE: _room,
    ev.BedAdded.TYPE: _bed,
    ev.BedOutOfService.TYPE: _outage,
    ev.PlacementRequested.TYPE: _requested,
    ev.BedOffered.TYPE: _offered,
    ev.BedHeld.TYPE: _held,
    ev.OfferExpired.TYPE: _expired,
    ev.CheckedIn.TYPE: _checked_in,
    ev.CheckedOut.TYPE: _checked_out,
}


def bed_states(ledger: Ledger, night: date) -> dict[str, Night]:
    """Each bed's state on `night`, with the board's own rule (domain.board.state)."""
    given: dict[str, str] = {}
    for grant in ledger.grants.values():
        if grant.first <= night <= grant.last:
            for bed_id in grant.bed_ids:  # a stay outranks an offer or hold, as on the board
                if given.get(bed_id) != "stay":
                    given[bed_id] = grant.kind
    return {
        bed.bed_id: state(
            BedFacts(
                bed.extra_first_night,
                bed.extra_last_night,
                tuple(ledger.outages.get(bed.bed_id, ())),
                given.get(bed.bed_id),
            ),
            night,
        )
        for bed in ledger.beds.values()
    }


@dataclass(frozen=True)
class SiteCounts:
    """A site's beds that night: all, per room kind (ordinary beds), and the extra capacity."""

    site_id: str
    label: str
    confidential: bool
    counts: dict[str, int]
    by_kind: dict[str, dict[str, int]]
    extra: dict[str, int]


@dataclass(frozen=True)
class Lengths:
    """Nights slept by the households that left: how many left, the mean, median, longest."""

    households: int
    mean: float | None
    median: float | None
    longest: int | None

    @classmethod
    def of(cls, nights: list[int]) -> Lengths:
        """The summary of these lengths of stay (None when nobody left)."""
        if not nights:
            return cls(0, None, None, None)
        return cls(len(nights), round(sum(nights) / len(nights), 2), median(nights), max(nights))


@dataclass(frozen=True)
class Figures:
    """A night's figures, as the events up to `as_of` tell them."""

    night: date
    as_of: datetime
    counts: dict[str, int]
    extra: dict[str, int]
    sites: list[SiteCounts]
    occupancy_rate: float | None  # occupied among the beds in service that night
    arrivals: int  # stays beginning that night
    departures: int  # households that left that day (their last night was the one before)
    stayed_left_that_day: Lengths
    stayed_left_so_far: Lengths
    waiting: int  # requests not placed (checked in) by `as_of`
    waiting_with_offer: int  # of which an offer or hold is open on a night from `night` on
    oldest_wait_days: int | None


def figures(ledger: Ledger, night: date, as_of: datetime) -> Figures:
    """The night's figures from a ledger replayed up to `as_of`."""
    states = bed_states(ledger, night)
    sites = [_site_counts(ledger, site, states) for site in ledger.sites.values()]
    sites.sort(key=lambda s: s.label)
    total = counts(states.values())
    extra = counts(states[b.bed_id] for b in ledger.beds.values() if b.extra_block)
    in_service = total["free"] + total["held"] + total["occupied"]
    left = [s for s in ledger.stays.values() if s.left is not None]
    waiting = [p for p in ledger.requested if p not in ledger.placed]
    offered = {
        g.placement_id for g in ledger.grants.values() if g.kind != "stay" and g.last >= night
    }
    oldest = min((ledger.requested[p] for p in waiting), default=None)
    return Figures(
        night=night,
        as_of=as_of,
        counts=total,
        extra=extra,
        sites=sites,
        occupancy_rate=round(total["occupied"] / in_service, 4) if in_service else None,
        arrivals=sum(1 for s in ledger.stays.values() if s.first == night),
        departures=sum(1 for s in left if s.left == night),
        stayed_left_that_day=Lengths.of([_slept(s) for s in left if s.left == night]),
        stayed_left_so_far=Lengths.of([_slept(s) for s in left if s.left and s.left <= night]),
        waiting=len(waiting),
        waiting_with_offer=sum(1 for p in waiting if p in offered),
        oldest_wait_days=(as_of - oldest).days if oldest is not None else None,
    )


def _slept(stay: StayFacts) -> int:
    return max(0, (stay.last - stay.first).days + 1)


def _site_counts(ledger: Ledger, site: ev.SiteDeclared, states: dict[str, Night]) -> SiteCounts:
    by_kind: dict[str, list[Night]] = {}
    extra: list[Night] = []
    everything: list[Night] = []
    for bed in ledger.beds.values():
        room = ledger.rooms.get(bed.room_id)
        if bed.site_id != site.site_id or room is None:
            continue
        everything.append(states[bed.bed_id])
        if bed.extra_block:
            extra.append(states[bed.bed_id])
        else:
            by_kind.setdefault(room.kind, []).append(states[bed.bed_id])
    return SiteCounts(
        site_id=site.site_id,
        label=site.label,
        confidential=site.confidential,
        counts=counts(everything),
        by_kind={kind: counts(found) for kind, found in sorted(by_kind.items())},
        extra=counts(extra),
    )


def morning_after(night: date, report_hour: time, zone: tzinfo) -> datetime:
    """The instant a night's figures are final: the report hour of the morning after, in the
    centre's time zone. Read earlier, they are the bookings so far."""
    return datetime.combine(night + timedelta(days=1), report_hour, zone)
