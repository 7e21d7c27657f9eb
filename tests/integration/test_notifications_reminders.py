"""Appointment reminders from casework's events to the fake provider over HTTP: planned at
the right instants (DST included), replanned by revision, out of quiet hours, stopped by STOP,
retried after a 5xx, never sent twice (real PostgreSQL, a controllable clock)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from urllib.parse import urlencode

import httpx
import pytest

from services.notifications.providers.signature import sign
from services.notifications.sender import Sender
from tests.integration.conftest import NotificationsWorld, token

pytestmark = pytest.mark.integration

CITY = "city-montreuil"
DESK = token(CITY, "intake", "caseworker")
CASEWORKER = token(CITY, "caseworker", user="lea")
PHONE, E164 = "06 12 34 56 78", "+33612345678"
PLACE = "Cabinet de Me Martin, 12 rue de Paris, Montreuil"


async def reachable_person(client: httpx.AsyncClient, **extra: object) -> str:
    body = {"chosen_name": "Awa", "phone": PHONE, "sms_consent": True, **extra}
    response = await client.post("/persons", json=body, headers=DESK)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def appointment(world: NotificationsWorld, person_id: str, starts_at: str) -> dict:
    await world.sync()
    case = await world.casework.http.post(
        "/cases", json={"person_id": person_id, "case_type": "cnda_appeal"}, headers=CASEWORKER
    )
    assert case.status_code == 201, case.text
    scheduled = await world.casework.http.post(
        f"/cases/{case.json()['id']}/appointments",
        json={"kind": "lawyer", "starts_at": starts_at, "place": PLACE},
        headers=CASEWORKER,
    )
    assert scheduled.status_code == 201, scheduled.text
    await world.sync()
    return dict(scheduled.json())


async def move(
    world: NotificationsWorld, appointment_id: str, starts_at: str, revision: int
) -> None:
    moved = await world.casework.http.post(
        f"/appointments/{appointment_id}/reschedule",
        json={"starts_at": starts_at, "revision": revision},
        headers=CASEWORKER,
    )
    assert moved.status_code == 200, moved.text
    await world.sync()


async def plan_of(world: NotificationsWorld, appointment_id: str) -> list[dict]:
    response = await world.http.get(f"/appointments/{appointment_id}/messages", headers=CASEWORKER)
    assert response.status_code == 200, response.text
    return sorted(response.json(), key=lambda m: (m["revision"], m["due_at"]))


async def run_until(world: NotificationsWorld, instant: datetime) -> None:
    """Move the clock to `instant`, then let the sender work."""
    world.service.clock.set(instant)
    await world.tick()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize(
    ("starts_at", "two_days", "two_hours"),
    [
        # Tuesday 31 March 10:00 CEST (UTC+2); two days before is Sunday 29 March, the day
        # clocks go forward at 02:00: 10:00 that morning is already CEST, 08:00 UTC
        ("2026-03-31T10:00:00+02:00", "2026-03-29T08:00:00Z", "2026-03-31T06:00:00Z"),
        # Monday 26 October 11:00 CET (UTC+1); two days before is Saturday 24 October, still
        # CEST (the change is on the 25th): 11:00 CEST is 09:00 UTC; two hours before is
        # 09:00 CET, 08:00 UTC
        ("2026-10-26T11:00:00+01:00", "2026-10-24T09:00:00Z", "2026-10-26T08:00:00Z"),
    ],
    ids=["late-march", "late-october"],
)
async def test_reminders_land_at_the_right_utc_instants_across_dst(
    client: httpx.AsyncClient,
    notifications: NotificationsWorld,
    starts_at: str,
    two_days: str,
    two_hours: str,
) -> None:
    notifications.service.clock.set(at(starts_at) - timedelta(days=10))
    person_id = await reachable_person(client)
    booked = await appointment(notifications, person_id, starts_at)
    planned = await plan_of(notifications, booked["id"])
    assert [(m["kind"], m["due_at"], m["status"]) for m in planned] == [
        ("two_days", two_days, "queued"),
        ("two_hours", two_hours, "queued"),
    ]

    await run_until(notifications, at(two_days) - timedelta(seconds=1))
    assert await notifications.fake.messages() == [], "nothing before its time"
    await run_until(notifications, at(two_days))
    await run_until(notifications, at(two_hours))
    sent = await notifications.fake.messages()
    assert [m["to"] for m in sent] == [E164, E164]
    assert [m["reference"].split(":")[1] for m in sent] == ["two_days", "two_hours"]
    assert "Cabinet de Me Martin" in sent[0]["body"]
    states = [m["status"] for m in await plan_of(notifications, booked["id"])]
    assert states == ["sent", "sent"]


async def test_rescheduling_twice_leaves_one_live_plan_and_sends_none_of_the_old(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(at("2026-04-01T08:00:00Z"))
    person_id = await reachable_person(client)
    booked = await appointment(notifications, person_id, "2026-04-10T10:00:00+02:00")
    await move(notifications, booked["id"], "2026-04-14T14:00:00+02:00", 1)
    await move(notifications, booked["id"], "2026-04-20T09:30:00+02:00", 2)
    plan = await plan_of(notifications, booked["id"])
    assert [(m["revision"], m["status"]) for m in plan] == [
        (1, "cleared"),
        (1, "cleared"),
        (2, "cleared"),
        (2, "cleared"),
        (3, "queued"),
        (3, "queued"),
    ]
    for old in plan[:4]:  # the instants the earlier plans named, then the live ones
        await run_until(notifications, at(old["due_at"]))
    for live in plan[4:]:
        await run_until(notifications, at(live["due_at"]))
    sent = await notifications.fake.messages()
    assert [m["reference"].rsplit(":", 1)[1] for m in sent] == ["r3", "r3"]


async def test_quiet_hours_move_a_2130_reminder_to_0800_local_time(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(at("2026-05-10T08:00:00Z"))
    person_id = await reachable_person(client)
    # two days before 21:30 on Friday 22 May is 21:30 on Wednesday 20 May: quiet hours
    booked = await appointment(notifications, person_id, "2026-05-22T21:30:00+02:00")
    two_days = (await plan_of(notifications, booked["id"]))[0]
    assert two_days["kind"] == "two_days"
    assert two_days["due_at"] == "2026-05-21T06:00:00Z", "08:00 in Paris (CEST) the next morning"
    assert two_days["deferred"] is True


def signed(world: NotificationsWorld, path: str, params: dict[str, str]) -> dict:
    url = world.service.settings.public_url + path
    return {
        "content": urlencode(params),
        "headers": {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(world.fake.auth_token, url, params),
        },
    }


async def test_stop_between_scheduling_and_sending_blocks_and_start_restores(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(at("2026-06-01T08:00:00Z"))
    person_id = await reachable_person(client)
    booked = await appointment(notifications, person_id, "2026-06-10T11:00:00+02:00")
    stop = {
        "From": "+33 6 12 34 56 78",
        "To": "+33700000000",
        "Body": "Arrêt svp",
        "MessageSid": "SMin1",
    }
    answered = await notifications.http.post(
        "/webhooks/sms/inbound", **signed(notifications, "/webhooks/sms/inbound", stop)
    )
    assert answered.status_code == 200, answered.text
    await run_until(notifications, at("2026-06-08T09:00:00Z"))  # the two-day reminder is due
    plan = await plan_of(notifications, booked["id"])
    assert (plan[0]["status"], plan[0]["reason"]) == ("blocked", "opted_out")
    sent = await notifications.fake.messages()
    assert [(m["to"], m["reference"]) for m in sent] == [(E164, "inbound:SMin1")], (
        "only the confirmation of the STOP"
    )

    start = {**stop, "Body": "START", "MessageSid": "SMin2"}
    answered = await notifications.http.post(
        "/webhooks/sms/inbound", **signed(notifications, "/webhooks/sms/inbound", start)
    )
    assert answered.status_code == 200
    await run_until(notifications, at("2026-06-10T07:00:00Z"))  # the two-hour reminder
    plan = await plan_of(notifications, booked["id"])
    assert [m["status"] for m in plan] == ["blocked", "sent"]
    references = [m["reference"] for m in await notifications.fake.messages()]
    assert references == ["inbound:SMin1", "inbound:SMin2", f"{booked['id']}:two_hours:r1"]


async def test_a_provider_5xx_then_success_gives_one_message(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(at("2026-06-01T08:00:00Z"))
    booked = await appointment(
        notifications, await reachable_person(client), "2026-06-03T12:00:00+02:00"
    )
    await notifications.fake.arm("error_5xx", times=1)
    await run_until(notifications, at("2026-06-01T10:00:00Z"))
    first = (await plan_of(notifications, booked["id"]))[0]
    assert (first["status"], first["attempts"]) == ("queued", 1)
    assert await notifications.fake.messages() == []
    await run_until(notifications, at("2026-06-01T10:01:00Z"))  # the retry's backoff passed
    sent = await notifications.fake.messages()
    assert [m["reference"] for m in sent] == [f"{booked['id']}:two_days:r1"]
    assert (await plan_of(notifications, booked["id"]))[0]["status"] == "sent"
    await run_until(notifications, at("2026-06-01T10:02:00Z"))
    assert len(await notifications.fake.messages()) == 1, "never twice"


async def test_without_a_phone_a_reminder_is_blocked_with_its_reason(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(at("2026-06-01T08:00:00Z"))
    response = await client.post("/persons", json={"chosen_name": "Sans"}, headers=DESK)
    booked = await appointment(notifications, response.json()["id"], "2026-06-04T10:00:00+02:00")
    await run_until(notifications, at("2026-06-02T09:00:00Z"))
    plan = await plan_of(notifications, booked["id"])
    assert (plan[0]["status"], plan[0]["reason"]) == ("blocked", "no_phone")
    assert await notifications.fake.messages() == []


async def test_a_cancellation_clears_reminders_and_sends_a_short_notice(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(at("2026-06-01T08:00:00Z"))
    booked = await appointment(
        notifications, await reachable_person(client), "2026-06-10T10:00:00+02:00"
    )
    cancelled = await notifications.casework.http.post(
        f"/appointments/{booked['id']}/cancel", headers=CASEWORKER
    )
    assert cancelled.status_code == 200, cancelled.text
    await run_until(notifications, at("2026-06-01T08:01:00Z"))
    plan = await plan_of(notifications, booked["id"])
    assert [(m["kind"], m["status"]) for m in plan] == [
        ("two_days", "cleared"),
        ("two_hours", "cleared"),
        ("cancellation", "sent"),
    ]
    await run_until(notifications, at("2026-06-10T08:00:00Z"))
    assert len(await notifications.fake.messages()) == 1


async def test_a_manual_resend_records_who_asked_and_outsiders_see_nothing(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(at("2026-06-01T08:00:00Z"))
    person_id = await reachable_person(client)
    booked = await appointment(notifications, person_id, "2026-06-03T12:00:00+02:00")
    await run_until(notifications, at("2026-06-01T10:00:00Z"))
    first = (await plan_of(notifications, booked["id"]))[0]
    again = await notifications.http.post(f"/messages/{first['id']}/resend", headers=CASEWORKER)
    assert again.status_code == 201, again.text
    assert again.json()["requested_by"] == "lea"
    await run_until(notifications, at("2026-06-01T10:01:00Z"))
    assert len(await notifications.fake.messages()) == 2
    other = token("assoc-other", "caseworker")
    for path in (
        f"/persons/{person_id}/messages",
        f"/appointments/{booked['id']}/messages",
    ):
        assert (await notifications.http.get(path, headers=other)).status_code == 404
    assert (
        await notifications.http.post(f"/messages/{first['id']}/resend", headers=other)
    ).status_code == 404
    mine = await notifications.http.get(f"/persons/{person_id}/messages", headers=CASEWORKER)
    assert len(mine.json()) == 3
    assert PHONE not in mine.text
    assert E164 not in mine.text


async def test_webhooks_refuse_bad_signatures_and_malformed_bodies(
    notifications: NotificationsWorld,
) -> None:
    params = {"From": E164, "Body": "STOP", "MessageSid": "SMx"}
    forged = await notifications.http.post(
        "/webhooks/sms/inbound",
        content=urlencode(params),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": "forged",
        },
    )
    assert forged.status_code == 403
    missing = await notifications.http.post(
        "/webhooks/sms/inbound", **signed(notifications, "/webhooks/sms/inbound", {"Body": "STOP"})
    )
    assert missing.status_code == 400
    assert "From" in missing.json()["detail"]
    status = await notifications.http.post(
        "/webhooks/sms/status", content="{}", headers={"Content-Type": "application/json"}
    )
    assert status.status_code == 400


async def test_a_signed_delivery_receipt_marks_the_message_delivered(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(at("2026-06-01T08:00:00Z"))
    booked = await appointment(
        notifications, await reachable_person(client), "2026-06-03T12:00:00+02:00"
    )
    await run_until(notifications, at("2026-06-01T10:00:00Z"))
    [sent] = await notifications.fake.messages()
    receipt = {"MessageSid": sent["sid"], "MessageStatus": "delivered"}
    path = "/webhooks/sms/status"
    answered = await notifications.http.post(path, **signed(notifications, path, receipt))
    assert answered.status_code == 204
    assert (await plan_of(notifications, booked["id"]))[0]["status"] == "delivered"
    undelivered = {"MessageSid": sent["sid"], "MessageStatus": "undelivered", "ErrorCode": "30003"}
    again = await notifications.http.post(path, **signed(notifications, path, undelivered))
    assert again.status_code == 204
    assert (await plan_of(notifications, booked["id"]))[0]["status"] == "delivered", (
        "a late, contradicting receipt does not undo a delivery"
    )


async def test_withdrawn_sms_consent_stays_withdrawn_when_other_details_change(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(at("2026-06-01T08:00:00Z"))
    person_id = await reachable_person(client)
    given = await client.post(
        f"/persons/{person_id}/consents", json={"purpose": "sms_reminders"}, headers=DESK
    )
    withdrawn = await client.post(
        f"/persons/{person_id}/consents/{given.json()['id']}/withdraw", headers=DESK
    )
    assert withdrawn.status_code == 200
    changed = await client.patch(
        f"/persons/{person_id}", json={"preferred_language": "en"}, headers=DESK
    )
    assert changed.status_code == 200
    booked = await appointment(notifications, person_id, "2026-06-04T10:00:00+02:00")
    await run_until(notifications, at("2026-06-02T09:00:00Z"))
    plan = await plan_of(notifications, booked["id"])
    assert (plan[0]["status"], plan[0]["reason"]) == ("blocked", "no_sms_consent")
    assert await notifications.fake.messages() == []


async def test_a_notice_decided_at_night_waits_for_the_morning_and_a_resend_is_asked_once(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(at("2026-06-01T08:00:00Z"))
    booked = await appointment(
        notifications, await reachable_person(client), "2026-06-03T12:00:00+02:00"
    )
    await run_until(notifications, at("2026-06-01T10:00:00Z"))  # the two-day reminder goes
    first = (await plan_of(notifications, booked["id"]))[0]
    resend = f"/messages/{first['id']}/resend"
    notifications.service.clock.set(at("2026-06-01T20:30:00Z"))  # 22:30 in Paris
    assert (await notifications.http.post(resend, headers=CASEWORKER)).status_code == 201
    assert (await notifications.http.post(resend, headers=CASEWORKER)).status_code == 409
    await run_until(notifications, at("2026-06-01T20:31:00Z"))
    assert len(await notifications.fake.messages()) == 1, "not at night"
    waiting = [m for m in await plan_of(notifications, booked["id"]) if m["requested_by"]]
    assert [(m["status"], m["reason"]) for m in waiting] == [("queued", "quiet_hours")]
    await run_until(notifications, at("2026-06-02T06:00:00Z"))  # 08:00 in Paris
    assert len(await notifications.fake.messages()) == 2


async def test_two_workers_at_once_send_each_message_once(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(at("2026-06-01T08:00:00Z"))
    for hour in range(10, 16):
        await appointment(
            notifications, await reachable_person(client), f"2026-06-03T{hour}:00:00+02:00"
        )
    notifications.service.clock.set(at("2026-06-01T16:00:00Z"))  # every two-day reminder due
    await notifications.sync()
    other = Sender(notifications.service)
    sent = await asyncio.gather(notifications.sender.tick(), other.tick())
    assert sum(sent) == 6
    references = [m["reference"] for m in await notifications.fake.messages()]
    assert len(references) == len(set(references)) == 6


async def test_a_provider_that_keeps_failing_ends_in_failed_after_the_limit(
    client: httpx.AsyncClient, notifications: NotificationsWorld
) -> None:
    notifications.service.clock.set(at("2026-06-01T08:00:00Z"))
    booked = await appointment(
        notifications, await reachable_person(client), "2026-06-03T12:00:00+02:00"
    )
    limit = notifications.service.policy.max_attempts
    await notifications.fake.arm("error_5xx", times=limit)
    instant = at("2026-06-01T10:00:00Z")
    for _ in range(limit):
        await run_until(notifications, instant)
        instant += timedelta(hours=1)  # past every backoff (60 s, doubling)
    first = (await plan_of(notifications, booked["id"]))[0]
    assert (first["status"], first["attempts"]) == ("failed", limit)
    assert first["reason"].startswith("gave up after")
    assert await notifications.fake.messages() == []
