"""A night's figures replayed from housing's events: a stay, a check-out the next day, an
expired offer, an outage, extra capacity counted apart and only on its block's nights, the
waiting list; a past night read later is what the events said then."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.housing.domain.figures import Figures, Recorded, figures, morning_after, replay
from shared.events import housing as ev
from shared.events.base import Event

PARIS = ZoneInfo("Europe/Paris")
MON, TUE, WED = date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9)
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def at(day: date, hour: int) -> datetime:
    """An instant of a day, in Paris."""
    return datetime.combine(day, time(hour), PARIS)


def recorded(event: Event, when: datetime) -> Recorded:
    """The event as housing's log holds it."""
    return Recorded(event.TYPE, when, event.model_dump(mode="json"))


def centre() -> list[Recorded]:
    """One site: a family room of 3 beds, a single room, a winter bed open from Tuesday."""
    site = ev.SiteDeclared(
        site_id="s1",
        code="c",
        label="Centre",
        organisation_id="city",
        confidential=False,
        declared_at=START,
    )
    out = [recorded(site, START)]
    for room, kind in (("r-fam", "family"), ("r-one", "single"), ("r-hall", "men_only")):
        out.append(
            recorded(
                ev.RoomAdded(
                    room_id=room,
                    site_id="s1",
                    organisation_id="city",
                    label=room,
                    kind=kind,
                    accessible=False,
                    cot=False,
                    added_at=START,
                ),
                START,
            )
        )
    beds = [("f1", "r-fam"), ("f2", "r-fam"), ("f3", "r-fam"), ("one", "r-one")]
    for bed, room in beds:
        out.append(
            recorded(
                ev.BedAdded(
                    bed_id=bed,
                    room_id=room,
                    site_id="s1",
                    organisation_id="city",
                    label=bed,
                    added_at=START,
                ),
                START,
            )
        )
    winter = ev.BedAdded(
        bed_id="w1",
        room_id="r-hall",
        site_id="s1",
        organisation_id="city",
        label="w1",
        extra_block="winter",
        extra_first_night=TUE,
        extra_last_night=WED,
        added_at=START,
    )
    return [*out, recorded(winter, START)]


def requested(placement: str, when: datetime) -> Recorded:
    asked = ev.PlacementRequested(
        placement_id=placement,
        person_id=f"person-{placement}",
        organisation_id="city",
        household_size=2,
        household_known=True,
        requested_at=when,
    )
    return recorded(asked, when)


def offered(offer: str, placement: str, beds: list[str], first: date, nights: int) -> Recorded:
    when = at(first, 15)
    made = ev.BedOffered(
        offer_id=offer,
        placement_id=placement,
        site_id="s1",
        room_id="r-fam",
        bed_ids=beds,
        first_night=first,
        nights=nights,
        expires_at=at(first, 20),
        offered_at=when,
    )
    return recorded(made, when)


def checked_in(offer: str, placement: str, beds: list[str], first: date, last: date) -> Recorded:
    came = ev.CheckedIn(
        stay_id=f"stay-{offer}",
        offer_id=offer,
        placement_id=placement,
        site_id="s1",
        room_id="r-fam",
        bed_ids=beds,
        first_night=first,
        last_night=last,
        checked_in_at=at(first, 18),
    )
    return recorded(came, at(first, 18))


def checked_out(offer: str, placement: str, beds: list[str], day: date) -> Recorded:
    left = ev.CheckedOut(
        stay_id=f"stay-{offer}",
        offer_id=offer,
        placement_id=placement,
        site_id="s1",
        room_id="r-fam",
        bed_ids=beds,
        reason="orientation",
        flagged=False,
        last_night=day - timedelta(days=1),
        checked_out_at=at(day, 10),
    )
    return recorded(left, at(day, 10))


def log() -> list[Recorded]:
    """A household of two from Monday for three nights, leaving on Wednesday morning; an
    offer of bed f3 on Tuesday not taken up; the single bed out of service on Tuesday; a
    second household still waiting."""
    expired = ev.OfferExpired(
        offer_id="o2",
        kind="offer",
        placement_id="p2",
        site_id="s1",
        room_id="r-fam",
        bed_ids=["f3"],
        first_night=TUE,
        nights=1,
        expired_at=at(TUE, 20),
    )
    outage = ev.BedOutOfService(
        outage_id="x",
        bed_id="one",
        site_id="s1",
        organisation_id="city",
        first_night=TUE,
        last_night=TUE,
        recorded_at=at(MON, 9),
    )
    return [
        *centre(),
        requested("p1", at(MON, 8) - timedelta(days=2)),
        requested("p2", at(MON, 9)),
        recorded(outage, at(MON, 9)),
        offered("o1", "p1", ["f1", "f2"], MON, 3),
        checked_in("o1", "p1", ["f1", "f2"], MON, MON + timedelta(days=2)),
        offered("o2", "p2", ["f3"], TUE, 1),
        recorded(expired, at(TUE, 20)),
        checked_out("o1", "p1", ["f1", "f2"], WED),
    ]


def night(day: date, until: datetime | None = None) -> Figures:
    """The night's figures as of `until`, or as recorded the morning after."""
    as_of = until or morning_after(day, time(9), PARIS)
    return figures(replay(log(), as_of), day, as_of)


def test_a_stay_occupies_its_beds_and_the_winter_bed_counts_only_on_its_nights() -> None:
    monday = night(MON)
    assert monday.counts == {"free": 2, "held": 0, "occupied": 2, "out_of_service": 0}
    assert monday.extra == {"free": 0, "held": 0, "occupied": 0, "out_of_service": 0}
    assert monday.arrivals == 1
    assert monday.departures == 0
    assert monday.occupancy_rate == 0.5
    [site] = monday.sites
    assert site.by_kind["family"]["occupied"] == 2
    assert site.by_kind["family"]["free"] == 1
    assert "men_only" not in site.by_kind, "the winter bed is counted apart, never by kind"


def test_an_expired_offer_frees_its_bed_and_an_outage_shows_that_night() -> None:
    before_deadline = night(TUE, at(TUE, 19))
    assert before_deadline.counts["held"] == 1, "f3 is offered until 20:00"
    tuesday = night(TUE)
    assert tuesday.counts == {"free": 2, "held": 0, "occupied": 2, "out_of_service": 1}
    assert tuesday.extra["free"] == 1, "the winter bed opens on Tuesday"
    assert tuesday.occupancy_rate == 0.5, "the bed out of service is not counted"


def test_a_check_out_the_next_morning_frees_the_beds_from_that_night() -> None:
    assert night(TUE).counts["occupied"] == 2, "Tuesday's report: they slept there"
    wednesday = night(WED)
    assert wednesday.counts["occupied"] == 0
    assert wednesday.departures == 1
    assert wednesday.stayed_left_that_day.households == 1
    assert wednesday.stayed_left_that_day.longest == 2, "Monday and Tuesday"
    assert night(TUE).departures == 0


def test_a_past_night_read_later_is_what_was_recorded_then() -> None:
    booked = night(WED, at(TUE, 12)).counts
    assert booked["occupied"] == 2, "on Tuesday, Wednesday was still booked for them"
    later = figures(replay(log(), at(WED, 23)), TUE, at(WED, 23))
    assert later.counts == night(TUE).counts


def test_the_waiting_list_is_the_requests_not_placed_and_its_oldest_age() -> None:
    sunday_night = figures(replay(log(), at(MON, 10)), MON - timedelta(days=1), at(MON, 10))
    assert (sunday_night.waiting, sunday_night.oldest_wait_days) == (2, 2)
    tuesday = night(TUE, at(TUE, 16))
    assert (tuesday.waiting, tuesday.waiting_with_offer) == (1, 1), "p1 placed, p2 offered"
    after = night(TUE)
    assert (after.waiting, after.waiting_with_offer, after.oldest_wait_days) == (1, 0, 2)


def test_events_after_the_instant_are_not_read() -> None:
    nothing = figures(replay(log(), START - timedelta(seconds=1)), MON, START)
    assert nothing.counts == {"free": 0, "held": 0, "occupied": 0, "out_of_service": 0}
    assert nothing.sites == []
    assert nothing.occupancy_rate is None
