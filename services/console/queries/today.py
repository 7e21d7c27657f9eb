"""What the Today page shows: the caseworker's day from casework, the referrals waiting for an
answer, and the reminders' states from notifications; each from its own service."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from services.console.queries.services import Services, Unreachable

HORIZON_DAYS = 14
"""Deadlines shown ahead: the appeal delays that matter most are 15 days to a month."""
AT_ONCE = 3
"""Requests to notifications in flight at once: a service on SQLite answers one transaction at
a time, and a dozen at once queue for its lock (`python -m bench --only C1`: p50 halved)."""


@dataclass
class Today:
    """The parts of the page, and the services that could not give theirs."""

    day: dict[str, Any] | None = None
    waiting_referrals: list[dict[str, Any]] = field(default_factory=list)
    waiting_offers: list[dict[str, Any]] = field(default_factory=list)
    reminders: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    procedures: dict[str, str] = field(default_factory=dict)
    steps: dict[tuple[str, str], str] = field(default_factory=dict)
    unavailable: set[str] = field(default_factory=set)


async def today(services: Services, token: str, roles: frozenset[str]) -> Today:
    """The caseworker's Today page, from the services that answer."""
    view = Today()
    if not roles & {"caseworker", "coordinator"}:
        return view
    answers: list[Any] = list(
        await asyncio.gather(
            services.get("casework", "/day", token, days=HORIZON_DAYS),
            services.get("casework", "/referrals/incoming", token, status="pending"),
            services.get("casework", "/shares", token),
            services.get("casework", "/procedures", token),
            return_exceptions=True,
        )
    )
    day, incoming, offers, procedures = answers
    if any(isinstance(answer, Unreachable) for answer in answers):
        view.unavailable.add("casework")
    for answer in answers:
        if isinstance(answer, BaseException) and not isinstance(answer, Unreachable):
            raise answer
    view.day = day if isinstance(day, dict) else None
    view.waiting_referrals = incoming["items"] if isinstance(incoming, dict) else []
    view.waiting_offers = offers if isinstance(offers, list) else []
    for procedure in procedures if isinstance(procedures, list) else []:
        view.procedures[procedure["id"]] = procedure["label"]
        for step in procedure["steps"]:
            view.steps[procedure["id"], step["status"]] = step["label"]
    if view.day is not None:
        await _reminders(services, token, view)
    return view


async def _reminders(services: Services, token: str, view: Today) -> None:
    """The SMS states of this week's appointments, from notifications."""
    assert view.day is not None
    ids = [a["appointment_id"] for a in view.day["appointments_this_week"]]
    slots = asyncio.Semaphore(AT_ONCE)

    async def messages(appointment_id: str) -> Any:
        async with slots:
            if "notifications" in view.unavailable:
                return None  # it failed another request: the page does not wait for it again
            path = f"/appointments/{appointment_id}/messages"
            try:
                return await services.get("notifications", path, token)
            except Unreachable:
                view.unavailable.add("notifications")
                raise

    answers = await asyncio.gather(*(messages(i) for i in ids), return_exceptions=True)
    for appointment_id, answer in zip(ids, answers, strict=True):
        if isinstance(answer, Unreachable):
            view.unavailable.add("notifications")
        elif isinstance(answer, BaseException):
            raise answer
        elif answer is not None:
            view.reminders[appointment_id] = answer
