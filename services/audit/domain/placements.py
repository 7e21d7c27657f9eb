"""A housing placement as it was at an instant, folded from housing's events without I/O: the
household's request, the coordinators' moves of it, the beds offered or held for it, and its
stays, with beds and nights.

Offers, holds and stays carry the names of housing's answers (`OfferPublic`, `StayPublic`).
The request's status is read from them (housing's table keeps the request waiting): `offered`
while an offer or hold is open, `placed` while the household sleeps in its beds, `closed` once
it left, `waiting` otherwise."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from services.audit.domain.asof import Recorded, contracts_of, decode, until
from shared.events import housing as hs
from shared.events.base import Event

CONTRACTS = contracts_of(hs.CONTRACTS)


@dataclass(frozen=True)
class Offer:
    """Beds of one room offered to the household for some nights (`kind` offer), or one bed
    held for tonight (`kind` hold), and where it stands."""

    id: str
    kind: str
    placement_id: str
    site_id: str
    room_id: str
    bed_ids: tuple[str, ...]
    first_night: date
    nights: int
    status: str
    expires_at: datetime
    offered_by: str | None
    offered_at: datetime
    closed_at: datetime | None = None
    split_id: str | None = None


@dataclass(frozen=True)
class Stay:
    """The household sleeping in the beds of a taken offer, from check-in to check-out."""

    id: str
    offer_id: str
    placement_id: str
    room_id: str
    bed_ids: tuple[str, ...]
    first_night: date
    last_night: date
    checked_in_by: str | None
    checked_in_at: datetime
    checked_out_by: str | None = None
    checked_out_at: datetime | None = None
    check_out_reason: str | None = None
    flagged: bool = False
    last_night_slept: date | None = None
    """Once the household left: its last night (the day before it checked out)."""

    @property
    def nights(self) -> int:
        """The nights booked, or once the household left, the nights it slept."""
        last = self.last_night if self.last_night_slept is None else self.last_night_slept
        return max((min(last, self.last_night) - self.first_night).days + 1, 0)


@dataclass(frozen=True)
class Override:
    """A coordinator's move of the request on the waiting list (its reason stays sealed)."""

    id: str
    position: int | None
    above: str | None
    made_by: str
    made_at: datetime


@dataclass
class Placement:
    """A household's request for a place, as it stood."""

    id: str
    person_id: str
    organisation_id: str
    referral_id: str | None
    household_size: int
    household_known: bool
    requested_by: str | None
    requested_at: datetime
    overrides: list[Override] = field(default_factory=list)
    offers: dict[str, Offer] = field(default_factory=dict)
    stays: dict[str, Stay] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """waiting, offered, placed or closed (see the module's docstring)."""
        if any(s.checked_out_at is None for s in self.stays.values()):
            return "placed"
        if any(o.status == "offered" for o in self.offers.values()):
            return "offered"
        return "closed" if self.stays else "waiting"


def placement_as_of(
    placement_id: str, events: Iterable[Recorded], as_of: datetime | None
) -> Placement | None:
    """The placement as it stood at `as_of` (now, without it), from housing's events about it
    (others are ignored); None if it was not requested by then."""
    placement: Placement | None = None
    for event in until(events, as_of):
        contract = decode(event, CONTRACTS) if event.source == "housing" else None
        if getattr(contract, "placement_id", None) != placement_id:
            continue
        if isinstance(contract, hs.PlacementRequested):
            placement = _requested(contract, event)
        elif placement is not None and contract is not None:
            handler = _HANDLERS.get(type(contract))
            if handler is not None:
                handler(placement, contract, event)
    return placement


def _requested(event: hs.PlacementRequested, recorded: Recorded) -> Placement:
    return Placement(
        id=event.placement_id,
        person_id=event.person_id,
        organisation_id=event.organisation_id,
        referral_id=event.referral_id,
        household_size=event.household_size,
        household_known=event.household_known,
        requested_by=recorded.actor,
        requested_at=event.requested_at,
    )


def _overridden(placement: Placement, event: hs.PlacementOverridden, _: Recorded) -> None:
    placement.overrides.append(
        Override(
            id=event.override_id,
            position=event.position,
            above=event.above,
            made_by=event.overridden_by,
            made_at=event.overridden_at,
        )
    )


def _offered(placement: Placement, event: hs.BedOffered, recorded: Recorded) -> None:
    placement.offers[event.offer_id] = Offer(
        id=event.offer_id,
        kind="offer",
        placement_id=event.placement_id,
        site_id=event.site_id,
        room_id=event.room_id,
        bed_ids=tuple(event.bed_ids),
        first_night=event.first_night,
        nights=event.nights,
        status="offered",
        expires_at=event.expires_at,
        offered_by=recorded.actor,
        offered_at=event.offered_at,
        split_id=event.split_id,
    )


def _held(placement: Placement, event: hs.BedHeld, recorded: Recorded) -> None:
    placement.offers[event.offer_id] = Offer(
        id=event.offer_id,
        kind="hold",
        placement_id=event.placement_id,
        site_id=event.site_id,
        room_id=event.room_id,
        bed_ids=(event.bed_id,),
        first_night=event.night,
        nights=1,
        status="offered",
        expires_at=event.expires_at,
        offered_by=recorded.actor,
        offered_at=event.held_at,
    )


def _expired(placement: Placement, event: hs.OfferExpired, _: Recorded) -> None:
    offer = placement.offers.get(event.offer_id)
    if offer is not None:
        placement.offers[offer.id] = replace(offer, status="expired", closed_at=event.expired_at)


def _checked_in(placement: Placement, event: hs.CheckedIn, recorded: Recorded) -> None:
    offer = placement.offers.get(event.offer_id)
    if offer is not None:
        placement.offers[offer.id] = replace(offer, status="taken", closed_at=event.checked_in_at)
    placement.stays[event.stay_id] = Stay(
        id=event.stay_id,
        offer_id=event.offer_id,
        placement_id=event.placement_id,
        room_id=event.room_id,
        bed_ids=tuple(event.bed_ids),
        first_night=event.first_night,
        last_night=event.last_night,
        checked_in_by=recorded.actor,
        checked_in_at=event.checked_in_at,
    )


def _checked_out(placement: Placement, event: hs.CheckedOut, recorded: Recorded) -> None:
    stay = placement.stays.get(event.stay_id)
    if stay is None:
        return
    placement.stays[stay.id] = replace(
        stay,
        last_night_slept=event.last_night,
        checked_out_by=recorded.actor,
        checked_out_at=event.checked_out_at,
        check_out_reason=event.reason,
        flagged=event.flagged,
    )


_HANDLERS: dict[type[Event], Callable[[Placement, Any, Recorded], None]] = {
    hs.PlacementOverridden: _overridden,
    hs.BedOffered: _offered,
    hs.BedHeld: _held,
    hs.OfferExpired: _expired,
    hs.CheckedIn: _checked_in,
    hs.CheckedOut: _checked_out,
}
"""What each event does to the placement; a split and a suggestion change nothing by
themselves (a split's offers arrive as offers, a suggestion is only a suggestion)."""
