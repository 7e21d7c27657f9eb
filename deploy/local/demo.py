"""Demo data for `make run`, entered through the services' HTTP APIs as staff would: the city
and two partner associations, a few persons, a referral waiting for its partner's answer, a
case with a legal deadline, and an appointment with its SMS reminders planned."""

from __future__ import annotations

import json
import time as clock
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from shared.auth import DEV_JWT_SECRET, mint_token

CITY, ASSOC_X, ASSOC_Y = "city-montreuil", "assoc-x", "assoc-y"
PARTNERS = [
    {
        "id": CITY,
        "name": "Ville de Montreuil, accueil des résidents étrangers",
        "services": ["administrative_help", "french_course", "forum", "emergency_shelter"],
    },
    {"id": ASSOC_X, "name": "Association X", "services": ["legal_support", "health_access"]},
    {"id": ASSOC_Y, "name": "Association Y", "services": ["legal_support", "administrative_help"]},
]
# a user of each organisation, with the roles such a person has there
USERS = {
    CITY: ("city-desk", ["intake", "caseworker"]),
    ASSOC_X: ("x-caseworker", ["caseworker"]),
    ASSOC_Y: ("y-coordinator", ["caseworker", "coordinator"]),
}
PERSONS = {
    "mariam": {
        "chosen_name": "Mariam",
        "preferred_language": "prs-AF",
        "phone": "06 12 34 56 78",
        "sms_consent": True,
    },
    "yonas": {"chosen_name": "Yonas", "preferred_language": "ti"},
    "oksana": {"chosen_name": "Oksana", "preferred_language": "uk"},
}
PLACE = "Maison des associations, 35 rue de Paris, Montreuil"
PARIS = ZoneInfo("Europe/Paris")


class DemoFailed(RuntimeError):
    """A demo request was refused, or the services did not catch up in time."""


@dataclass
class Demo:
    """What the demo made, kept in .local/demo.json so a second run reuses it."""

    persons: dict[str, str]
    referral_id: str
    case_id: str
    appointment_id: str
    appointment_at: str = ""


def token(org: str, ttl_seconds: int = 8 * 3600) -> str:
    """A development token for the demo user of `org`."""
    user, roles = USERS[org]
    return mint_token(DEV_JWT_SECRET, user_id=user, org=org, roles=roles, ttl_seconds=ttl_seconds)


def seed(local: Path, urls: dict[str, str]) -> Demo:
    """Enter the demo data once per .local/ (a later run finds it there and adds nothing)."""
    marker = local / "demo.json"
    if marker.exists():
        return Demo(**json.loads(marker.read_text()))
    intake = _client(urls["intake"])
    casework = _client(urls["casework"])
    notifications = _client(urls["notifications"])
    coordinator = _bearer(
        mint_token(DEV_JWT_SECRET, user_id="city-coordinator", org=CITY, roles=["coordinator"])
    )
    for partner in PARTNERS:
        _expect(intake.post("/partners", json=partner, headers=coordinator), 201, 409)
    desk = _bearer(token(CITY))
    persons = {
        key: str(_expect(intake.post("/persons", json=body, headers=desk), 201)["id"])
        for key, body in PERSONS.items()
    }
    referral_id = _refer(intake, desk, persons["yonas"])
    case_id, appointment_id, starts = _case_with_appointment(casework, desk, persons["mariam"])
    _until(
        lambda: notifications.get(f"/appointments/{appointment_id}/messages", headers=desk),
        lambda r: r.status_code == 200 and len(r.json()) >= 2,
        "the reminders planned in notifications",
    )
    answerer = _bearer(token(ASSOC_Y))
    _until(
        lambda: casework.get(f"/referrals/incoming/{referral_id}", headers=answerer),
        lambda r: r.status_code == 200,
        "the referral in the partner's inbox",
    )
    demo = Demo(persons, referral_id, case_id, appointment_id, starts)
    marker.write_text(json.dumps(asdict(demo)))
    return demo


def _refer(intake: httpx.Client, desk: dict[str, str], person_id: str) -> str:
    """With the person's consent, refer them to a partner that answers each referral itself."""
    consent = {"purpose": "share_with_partner", "partner_id": ASSOC_Y}
    _expect(intake.post(f"/persons/{person_id}/consents", json=consent, headers=desk), 201)
    referral = {"partner_id": ASSOC_Y, "service": "legal_support"}
    created = intake.post(f"/persons/{person_id}/referrals", json=referral, headers=desk)
    return str(_expect(created, 201)["id"])


def _case_with_appointment(
    casework: httpx.Client, desk: dict[str, str], person_id: str
) -> tuple[str, str, str]:
    """A CNDA appeal, followed by the demo caseworker, whose rejection letter came 25 days ago
    (its one-month deadline is days away), and a lawyer's appointment three days ahead."""
    today = datetime.now(PARIS).date()
    body = {"person_id": person_id, "case_type": "cnda_appeal", "on": _day(today, -25)}
    # casework learns of the person from intake's events, a moment after the registration
    opened = _until(
        lambda: casework.post("/cases", json=body, headers=desk),
        lambda r: r.status_code != 404,
        "the person known to casework",
    )
    case = _expect(opened, 201)
    case_id = str(case["id"])
    assignment = {"assignee": USERS[CITY][0], "version": case["version"]}
    _expect(casework.put(f"/cases/{case_id}/assignee", json=assignment, headers=desk), 200)
    starts = datetime.combine(today + timedelta(days=3), time(10), tzinfo=PARIS).isoformat()
    appointment = {"kind": "lawyer", "starts_at": starts, "place": PLACE}
    scheduled = casework.post(f"/cases/{case_id}/appointments", json=appointment, headers=desk)
    return case_id, str(_expect(scheduled, 201)["id"]), starts


def _day(today: date, days: int) -> str:
    return (today + timedelta(days=days)).isoformat()


def _client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=10)


def _bearer(jwt: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {jwt}"}


def _expect(response: httpx.Response, *statuses: int) -> dict[str, object]:
    """The response's JSON body when its status is one of `statuses`, else DemoFailed."""
    if response.status_code not in statuses:
        raise DemoFailed(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:300]}"
        )
    body = response.json()
    return body if isinstance(body, dict) else {}


def _until(
    call: Callable[[], httpx.Response],
    done: Callable[[httpx.Response], bool],
    what: str,
    timeout: float = 90,
) -> httpx.Response:
    """Call until `done` (the services talk through Kafka: they catch up in a moment)."""
    deadline = clock.monotonic() + timeout
    while True:
        response = call()
        if done(response):
            return response
        if clock.monotonic() > deadline:
            raise DemoFailed(f"{what}: not there after {timeout:.0f} s ({response.status_code})")
        clock.sleep(0.3)


def welcome(urls: dict[str, str], bootstrap: str, made: Demo, local: Path) -> str:
    """Where to look, what the demo holds, a token per organisation, and what to try."""
    names = "\n                 ".join(
        f"{person_id} {key.title()}" for key, person_id in made.persons.items()
    )
    tokens = "\n".join(
        f"  export {org.split('-')[-1].upper()}={token(org)}\n"
        f"    # {org}, user {USERS[org][0]}, roles {', '.join(USERS[org][1])}"
        for org in USERS
    )
    casework, referral = urls["casework"], made.referral_id
    return f"""
Passerelle is running.

  console        {urls["console"]}  (sign in as a demo user of any organisation)
  intake         {urls["intake"]}/docs
  casework       {casework}/docs
  notifications  {urls["notifications"]}/docs
  housing        {urls["housing"]}/docs
  audit          {urls["audit"]}/readyz  (the chains' state; /docs with an auditor's token)
  sms (fake)     {urls["fake-sms"]}/_control/messages  (also {local / "sms"})
  kafka          {bootstrap}
  logs           {local / "logs"}

Demo data:
  organisations  {CITY} (the city), {ASSOC_X} and {ASSOC_Y} (partner associations)
  persons        {names}
  referral       {referral}: Yonas to {ASSOC_Y} (legal support), waiting for its answer
  case           {made.case_id}: Mariam's CNDA appeal, its deadline days away
  appointment    {made.appointment_id}: Mariam with a lawyer, {made.appointment_at},
                 two SMS reminders planned (2 days and 2 hours before)

Development tokens (8 h), one user of each organisation:
{tokens}

Try:
  curl -H "Authorization: Bearer $MONTREUIL" {casework}/day
  curl -H "Authorization: Bearer $MONTREUIL" {casework}/cases/{made.case_id}/deadlines
  curl -H "Authorization: Bearer $MONTREUIL" \\
    {urls["notifications"]}/appointments/{made.appointment_id}/messages
  curl -H "Authorization: Bearer $Y" {casework}/referrals/incoming
  curl -X POST -H "Authorization: Bearer $Y" {casework}/referrals/incoming/{referral}/accept

Press Ctrl-C to stop everything."""
