"""The rules of the centre's plan as its operator edits it: declaring a site, adding rooms and
beds, putting a bed out of service. Each returns the event it causes; time and ids come in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from services.housing.domain.plan import (
    ExtraCapacity,
    RoomKind,
    SitePlan,
    check_label,
    check_period,
)
from shared.errors import Refused
from shared.events.housing import BedAdded, BedOutOfService, RoomAdded, SiteDeclared


@dataclass(frozen=True)
class RoomFacts:
    """What the rules need to know of a room to add a bed to it."""

    room_id: str
    site_id: str
    organisation_id: str
    kind: RoomKind
    bed_labels: frozenset[str]


@dataclass(frozen=True)
class Period:
    """Nights from `first` to `last`, both included."""

    first: date
    last: date

    def overlaps(self, other: Period) -> bool:
        """Whether the two periods share a night."""
        return self.first <= other.last and other.first <= self.last


def declare_site(site: SitePlan, organisation_id: str, now: datetime) -> SiteDeclared:
    """A site of the plan, run by `organisation_id`."""
    return SiteDeclared(
        site_id=site.id,
        code=site.code,
        label=site.name,
        organisation_id=organisation_id,
        confidential=site.confidential,
        declared_at=now,
    )


def add_room(
    *,
    room_id: str,
    site_id: str,
    organisation_id: str,
    label: str,
    kind: RoomKind,
    accessible: bool,
    cot: bool,
    taken: Iterable[str],
    now: datetime,
) -> RoomAdded:
    """A new room of the site; its label is the site's only room of that name (409)."""
    label = check_label(label, "label")
    if label in set(taken):
        raise Refused(f"the site already has a room labelled {label!r}")
    return RoomAdded(
        room_id=room_id,
        site_id=site_id,
        organisation_id=organisation_id,
        label=label,
        kind=kind.value,
        accessible=accessible,
        cot=cot,
        added_at=now,
    )


def add_bed(
    room: RoomFacts, *, bed_id: str, label: str, extra: ExtraCapacity | None, now: datetime
) -> BedAdded:
    """A new bed of the room: a single room holds one bed, labels are unique in a room (409)."""
    label = check_label(label, "label")
    if room.kind is RoomKind.SINGLE and room.bed_labels:
        raise Refused("a single room holds one bed, and this one has it already")
    if label in room.bed_labels:
        raise Refused(f"the room already has a bed labelled {label!r}")
    if extra is not None:
        check_period(extra.first_night, extra.last_night, "extra")
    return BedAdded(
        bed_id=bed_id,
        room_id=room.room_id,
        site_id=room.site_id,
        organisation_id=room.organisation_id,
        label=label,
        extra_block=extra.id if extra else None,
        extra_first_night=extra.first_night if extra else None,
        extra_last_night=extra.last_night if extra else None,
        added_at=now,
    )


def put_out_of_service(
    room: RoomFacts,
    *,
    outage_id: str,
    bed_id: str,
    period: Period,
    outages: Iterable[Period],
    held: Iterable[date],
    now: datetime,
) -> BedOutOfService:
    """The bed cannot be given for the period: not over another outage of it, nor over a
    night it is already offered, held or slept in (409, naming the nights)."""
    check_period(period.first, period.last)
    if any(period.overlaps(other) for other in outages):
        raise Refused("the bed is already out of service on some of these nights")
    taken = sorted(night for night in held if period.first <= night <= period.last)
    if taken:
        nights = ", ".join(night.isoformat() for night in taken[:5])
        raise Refused(f"the bed is given on {nights}: move its household first")
    return BedOutOfService(
        outage_id=outage_id,
        bed_id=bed_id,
        site_id=room.site_id,
        organisation_id=room.organisation_id,
        first_night=period.first,
        last_night=period.last,
        recorded_at=now,
    )
