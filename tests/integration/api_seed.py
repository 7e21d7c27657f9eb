"""The owner's data, seeded through the services' own APIs: one person of the city's with one
of everything (the city also runs the housing centre), and the id of each by the name of the
path parameter that takes it."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.integration.api_world import COORDINATOR, NAME, PARTNER, SECRET_NOTE, STAFF, World


async def seed(world: World) -> dict[str, str]:
    """One person of the owner's with one of everything; the id of each, by the name of the
    path parameter that takes it."""
    intake, casework = world.clients["intake"], world.clients["casework"]
    partner = {"id": PARTNER, "name": "La Cimade", "services": ["legal_support"]}
    await _made(intake.post("/partners", json=partner, headers=COORDINATOR))
    person = await _made(
        intake.post(
            "/persons",
            json={"chosen_name": NAME, "phone": "06 12 34 56 78", "sms_consent": True},
            headers=STAFF,
        )
    )
    twin = await _made(intake.post("/persons", json={"chosen_name": "Farid B"}, headers=STAFF))
    p = f"/persons/{person['id']}"
    ids = {"person_id": person["id"], "partner_id": PARTNER}
    ids["consent_id"] = (
        await _made(
            intake.post(
                f"{p}/consents",
                json={"purpose": "share_with_partner", "partner_id": PARTNER},
                headers=STAFF,
            )
        )
    )["id"]
    ids["referral_id"] = (
        await _made(
            intake.post(
                f"{p}/referrals",
                json={"partner_id": PARTNER, "service": "legal_support"},
                headers=STAFF,
            )
        )
    )["id"]
    ids["hold_id"] = (
        await _made(intake.post(f"{p}/legal-holds", json={"reason": "appeal"}, headers=STAFF))
    )["id"]
    ids["household_id"] = (
        await _made(
            intake.post("/households", json={"reference_person_id": person["id"]}, headers=STAFF)
        )
    )["id"]
    ids["merge_id"] = (
        await _made(
            intake.post(
                f"{p}/merges",
                json={"duplicate_id": twin["id"], "reason": "the same person, registered twice"},
                headers=STAFF,
            )
        )
    )["id"]
    await world.sync()
    ids |= await _seed_case(casework, person["id"])
    await world.sync()
    messages = await _made(
        world.clients["notifications"].get(
            f"/appointments/{ids['appointment_id']}/messages", headers=STAFF
        )
    )
    assert messages, "the appointment should have planned reminders"
    ids["message_id"] = messages[0]["id"]
    ids |= await _seed_housing(world.clients["housing"], person["id"])
    await world.sync()
    world.ids = ids
    return ids


async def _seed_case(casework: httpx.AsyncClient, person_id: str) -> dict[str, str]:
    """A case of the person's, shared with the partner, with an appointment, a task, a note."""
    case = await _made(
        casework.post(
            "/cases", json={"person_id": person_id, "case_type": "cnda_appeal"}, headers=STAFF
        )
    )
    c = f"/cases/{case['id']}"
    share = await _made(
        casework.post(
            f"{c}/shares", json={"organisation_id": PARTNER, "kind": "referral"}, headers=STAFF
        )
    )
    appointment = await _made(
        casework.post(
            f"{c}/appointments",
            json={"kind": "lawyer", "starts_at": _in_a_month(), "place": "Cabinet"},
            headers=STAFF,
        )
    )
    task = await _made(casework.post(f"{c}/tasks", json={"title": "Call"}, headers=STAFF))
    await _made(casework.post(f"{c}/notes", json={"text": SECRET_NOTE}, headers=STAFF))
    deadlines = await _made(casework.get(f"{c}/deadlines", headers=STAFF))
    assert deadlines, "a CNDA appeal should start a legal deadline"
    return {
        "case_id": case["id"],
        "share_id": share["id"],
        "appointment_id": appointment["id"],
        "task_id": task["id"],
        "deadline_id": deadlines[0]["id"],
    }


async def _seed_housing(housing: httpx.AsyncClient, person_id: str) -> dict[str, str]:
    """The person's placement, offered beds for tomorrow and checked in; a room of its own
    with a bed held tonight; a social housing application with a proposal."""
    sites = await _made(housing.get("/sites", headers=STAFF))
    site = next(s for s in sites if not s["confidential"])
    at = f"/sites/{site['id']}"
    room = await _made(
        housing.post(f"{at}/rooms", json={"label": "M", "kind": "single"}, headers=STAFF)
    )
    bed = await _made(
        housing.post(f"/rooms/{room['id']}/beds", json={"label": "M-1"}, headers=STAFF)
    )
    placement = await _made(
        housing.post("/placements", json={"person_id": person_id}, headers=STAFF)
    )
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    free = await _made(
        housing.get(
            "/rooms/availability",
            params={"first_night": tomorrow, "member": "30m"},
            headers=STAFF,
        )
    )
    choice = free["choices"][0]
    offered = {
        "placement_id": placement["id"],
        "room_id": choice["room_id"],
        "bed_ids": choice["bed_ids"],
        "first_night": tomorrow,
        "household": {"members": [{"age": 30, "sex": "m"}]},
    }
    offer = await _made(housing.post("/offers", json=offered, headers=STAFF))
    stay = await _made(housing.post(f"/offers/{offer['id']}/check-in", headers=STAFF))
    hold = await _made(housing.post("/holds", json={"bed_id": bed["id"]}, headers=STAFF))
    return {
        "site_id": site["id"],
        "room_id": room["id"],
        "bed_id": bed["id"],
        "placement_id": placement["id"],
        "offer_id": hold["id"],  # still open: its check-in is there to be refused
        "stay_id": stay["id"],
    } | await _seed_application(housing, person_id)


async def _seed_application(housing: httpx.AsyncClient, person_id: str) -> dict[str, str]:
    """The person's social housing application, filed two months ago, with a proposal."""
    filed_on = date.today() - timedelta(days=60)
    number = f"093{filed_on:%y%m}9304800123K"  # département, year and month of filing, …
    application = await _made(
        housing.post(
            "/applications",
            json={"person_id": person_id, "number": number, "filed_on": filed_on.isoformat()},
            headers=STAFF,
        )
    )
    proposal = await _made(
        housing.post(
            f"/applications/{application['id']}/proposals",
            json={"dwelling": f"{SECRET_NOTE} T3", "commission_on": date.today().isoformat()},
            headers=STAFF,
        )
    )
    return {"application_id": application["id"], "proposal_id": proposal["id"]}


def _in_a_month() -> str:
    """A morning a month from now: ahead of every clock, out of quiet hours."""
    day = datetime.now(UTC) + timedelta(days=30)
    return day.replace(hour=9, minute=30, second=0, microsecond=0).isoformat()


async def _made(request: Awaitable[httpx.Response]) -> Any:
    """The JSON of a seeding call's answer, which must be a success."""
    response = await request
    assert response.status_code in (200, 201), (response.request.url, response.text)
    return response.json()
