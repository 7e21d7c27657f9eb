"""Housing's SMS from its events to the fake provider over HTTP: one per bed offer, in the
person's language, out of quiet hours and only while the offer is open, never twice, none
after STOP; cleared when the offer expires; one per renewal reminder (real PostgreSQL, a
controllable clock, housing's events handed over as Kafka would)."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from services.notifications.models import HousingNotice, Message
from shared.consumer import ConsumerRunner
from shared.events.base import Event
from shared.events.catalog import default_registry
from shared.events.envelope import Envelope
from shared.events.housing import TOPIC, BedOffered, OfferExpired, RenewalDue
from shared.kafka import IncomingRecord
from tests.integration.conftest import NotificationsWorld
from tests.integration.test_notifications_reminders import DESK, E164, reachable_person, signed

pytestmark = pytest.mark.integration

PARIS = ZoneInfo("Europe/Paris")


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=PARIS)


class Housing:
    """Housing's topic, as notifications' housing consumer reads it."""

    def __init__(self, world: NotificationsWorld) -> None:
        service = world.service
        config = next(r.config for r in service.runtime.consumers if TOPIC in r.config.topics)
        self.runner = ConsumerRunner(
            config,
            default_registry(),
            service.runtime.sessions,
            "127.0.0.1:1",  # never contacted: records are handed over directly
            outbox=service.runtime.outbox,
        )
        self.world, self.offset = world, 0

    async def publish(self, event: Event, *, envelope_id: str | None = None) -> None:
        """Hand one event over (a given envelope id: the same record delivered again)."""
        envelope = Envelope(
            id=envelope_id or str(uuid.uuid4()),
            source="housing",
            type=event.TYPE,
            subject=event.aggregate_key(),
            time=self.world.service.clock(),
            data=event.model_dump(mode="json"),
        )
        self.offset += 1
        value = json.dumps(envelope.to_wire()).encode()
        await self.runner.handle(
            IncomingRecord(TOPIC, 0, self.offset, event.aggregate_key(), value)
        )


def offer(person_id: str, expires_at: datetime, offer_id: str | None = None) -> BedOffered:
    return BedOffered(
        offer_id=offer_id or str(uuid.uuid4()),
        placement_id=str(uuid.uuid4()),
        site_id="site-1",
        room_id="room-1",
        bed_ids=["bed-1"],
        first_night=expires_at.date(),
        nights=3,
        expires_at=expires_at,
        offered_at=expires_at,
        person_id=person_id,
    )


async def at(world: NotificationsWorld, instant: datetime) -> list[dict]:
    """Move the clock, let the sender work, and return what the fake provider received."""
    world.service.clock.set(instant)
    await world.tick()
    return list(await world.fake.messages())


async def messages(world: NotificationsWorld) -> list[Message]:
    async with world.service.runtime.sessions() as session:
        return list((await session.execute(select(Message))).scalars())


async def test_a_bed_offer_sends_one_sms_in_the_persons_language_however_often_delivered(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(paris(2, 10))
    person_id = await reachable_person(client, preferred_language="en")
    await notifications.sync()
    housing = Housing(notifications)
    offered = offer(person_id, paris(2, 20))

    await housing.publish(offered, envelope_id="env-1")
    await housing.publish(offered, envelope_id="env-1")  # the same record again
    await housing.publish(offered)  # the same offer in another envelope
    sent = await at(notifications, paris(2, 10, 5))
    await at(notifications, paris(2, 11))

    assert len(await notifications.fake.messages()) == 1, "never twice"
    [sms] = sent
    assert (sms["to"], sms["reference"]) == (E164, f"offer:{offered.offer_id}")
    assert sms["body"] == (
        "A place is ready for you at the reception centre. Come before 8:00 PM today. "
        "Reply STOP to stop these texts."
    )


async def test_an_offer_at_night_waits_for_08_00_only_if_still_open(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(paris(2, 22))
    person_id = await reachable_person(client)  # no language: French
    await notifications.sync()
    housing = Housing(notifications)
    tonight_only = offer(person_id, paris(2, 23, 30))
    until_tomorrow = offer(person_id, paris(3, 20))
    await housing.publish(tonight_only)
    await housing.publish(until_tomorrow)

    assert await at(notifications, paris(2, 22, 1)) == [], "not during quiet hours"
    assert await at(notifications, paris(3, 7, 59)) == []
    sent = await at(notifications, paris(3, 8))

    assert [m["reference"] for m in sent] == [f"offer:{until_tomorrow.offer_id}"]
    assert "Venez aujourd'hui avant 20:00." in sent[0]["body"]
    assert all(m.key != f"offer:{tonight_only.offer_id}" for m in await messages(notifications))


async def test_an_offer_that_expires_before_its_sms_goes_sends_nothing(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(paris(2, 22))
    person_id = await reachable_person(client, preferred_language="ar")
    await notifications.sync()
    housing = Housing(notifications)
    offered = offer(person_id, paris(3, 20))
    await housing.publish(offered)
    expired = OfferExpired(
        offer_id=offered.offer_id,
        kind="offer",
        placement_id=offered.placement_id,
        site_id=offered.site_id,
        room_id=offered.room_id,
        bed_ids=offered.bed_ids,
        first_night=offered.first_night,
        nights=offered.nights,
        expired_at=paris(2, 23),
    )
    await housing.publish(expired)

    assert await at(notifications, paris(3, 9)) == []
    [message] = await messages(notifications)
    assert (message.status, message.reason) == ("cleared", "offer_expired")


async def test_after_stop_no_offer_sms_and_none_without_consent(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(paris(2, 10))
    person_id = await reachable_person(client)
    unconsenting = await reachable_person(client, sms_consent=False, phone="06 98 76 54 32")
    await notifications.sync()
    stop = {"From": E164, "To": "+33700000000", "Body": "STOP", "MessageSid": "SMin1"}
    path = "/webhooks/sms/inbound"
    answered = await notifications.http.post(path, **signed(notifications, path, stop))
    assert answered.status_code == 200, answered.text
    housing = Housing(notifications)
    await housing.publish(offer(person_id, paris(2, 20)))
    await housing.publish(offer(unconsenting, paris(2, 20)))

    sent = await at(notifications, paris(2, 10, 5))

    assert [m["reference"] for m in sent] == ["inbound:SMin1"], "only the STOP's confirmation"
    reasons = sorted((m.status, m.reason) for m in await messages(notifications) if m.person_id)
    assert reasons == [("blocked", "no_sms_consent"), ("blocked", "opted_out")]


async def test_one_renewal_reminder_per_kind_never_twice(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(paris(2, 22))
    person_id = await reachable_person(client, preferred_language="en")
    await notifications.sync()
    housing = Housing(notifications)

    def due(kind: str) -> RenewalDue:
        return RenewalDue(
            application_id="application-1",
            person_id=person_id,
            organisation_id="city-montreuil",
            due=date(2026, 4, 1),
            kind=kind,
            announced_at=paris(2, 22),
        )

    await housing.publish(due("month_before"))
    await housing.publish(due("month_before"))
    assert await at(notifications, paris(2, 23)) == [], "not at night"
    sent = await at(notifications, paris(3, 8))
    await housing.publish(due("week_before"))
    sent = await at(notifications, paris(3, 9))

    assert [m["body"] for m in sent] == 2 * [
        "Your social housing application must be renewed before Wednesday, April 1, 2026. "
        "Reply STOP to stop these texts."
    ]


async def test_after_erasure_the_persons_housing_notices_are_gone_and_nothing_is_sent(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(paris(2, 22))
    person_id = await reachable_person(client)
    other_id = await reachable_person(client, phone="06 98 76 54 32")
    await notifications.sync()
    housing = Housing(notifications)
    await housing.publish(offer(person_id, paris(3, 20)))
    await housing.publish(offer(other_id, paris(3, 20)))
    assert len(await notices(notifications)) == 2

    erased = await client.post(f"/persons/{person_id}/erasure", headers=DESK)
    assert erased.status_code == 200, erased.text
    await notifications.sync()

    assert [n.person_id for n in await notices(notifications)] == [other_id]
    mine = [m for m in await messages(notifications) if m.person_id == person_id]
    assert [(m.status, m.reason) for m in mine] == [("cleared", "person_erased")]
    assert [m["to"] for m in await at(notifications, paris(3, 8))] == ["+33698765432"]


async def notices(world: NotificationsWorld) -> list[HousingNotice]:
    async with world.service.runtime.sessions() as session:
        return list((await session.execute(select(HousingNotice))).scalars())
