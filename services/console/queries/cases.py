"""What the case pages show, each part from its service: the case and its work from casework,
the SMS states from notifications, the partners from intake. A part whose service does not
answer is missing, not the page."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from services.console.domain.cases import pending_first
from services.console.queries.services import Services, Unreachable

PAGE = 50


@dataclass
class CaseView:
    """A case's page: the case, each part of its work, and the services that did not answer."""

    case: dict[str, Any]
    procedures: list[dict[str, Any]] = field(default_factory=list)
    deadlines: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    appointments: list[dict[str, Any]] = field(default_factory=list)
    reminders: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    shares: list[dict[str, Any]] = field(default_factory=list)
    partners: list[dict[str, Any]] = field(default_factory=list)
    unavailable: set[str] = field(default_factory=set)


@dataclass
class Inbox:
    """What waits for my organisation's answer: referrals received, and cases offered."""

    referrals: list[dict[str, Any]] = field(default_factory=list)
    offers: list[dict[str, Any]] = field(default_factory=list)


async def _each(
    services: Services, token: str, asked: dict[str, tuple[str, str]]
) -> tuple[dict[str, Any], set[str]]:
    """Ask every (service, path) at once: the answers by name, and the services down."""
    answers = await asyncio.gather(
        *(services.get(service, path, token) for service, path in asked.values()),
        return_exceptions=True,
    )
    found: dict[str, Any] = {}
    down: set[str] = set()
    for (name, (service, _path)), answer in zip(asked.items(), answers, strict=True):
        if isinstance(answer, Unreachable):
            down.add(service)
        elif isinstance(answer, BaseException):
            raise answer
        else:
            found[name] = answer
    return found, down


async def cases(services: Services, token: str, **filters: Any) -> dict[str, Any]:
    """A page of my organisation's cases, newest first."""
    given = {key: value for key, value in filters.items() if value not in (None, "")}
    found: dict[str, Any] = await services.get("casework", "/cases", token, limit=PAGE, **given)
    return found


async def procedures(services: Services, token: str) -> list[dict[str, Any]]:
    """The procedures a case can follow, as casework lists them."""
    found: list[dict[str, Any]] = await services.get("casework", "/procedures", token) or []
    return found


async def case_view(services: Services, token: str, case_id: str) -> CaseView | None:
    """Everything a case's page shows; None when the case is not visible to me."""
    case = await services.get("casework", f"/cases/{case_id}", token)
    if case is None:
        return None
    base = f"/cases/{case_id}"
    asked = {
        name: ("casework", f"{base}/{name}")
        for name in ("deadlines", "timeline", "appointments", "tasks", "notes", "documents")
    }
    asked |= {
        "shares": ("casework", f"{base}/shares"),
        "procedures": ("casework", "/procedures"),
        "partners": ("intake", "/partners"),
    }
    found, down = await _each(services, token, asked)
    view = CaseView(case, unavailable=down)
    for name, answer in found.items():
        setattr(view, name, answer or [])
    await _reminders(services, token, view)
    return view


async def _reminders(services: Services, token: str, view: CaseView) -> None:
    """The SMS states of the case's appointments, from notifications."""
    asked = {
        a["id"]: ("notifications", f"/appointments/{a['id']}/messages") for a in view.appointments
    }
    found, down = await _each(services, token, asked)
    view.reminders = {key: answer or [] for key, answer in found.items()}
    view.unavailable |= down


async def inbox(services: Services, token: str) -> Inbox:
    """The referrals my organisation received (pending first) and the offers made to it."""
    asked = {
        "referrals": ("casework", "/referrals/incoming"),
        "offers": ("casework", "/shares"),
    }
    found, down = await _each(services, token, asked)
    if down:
        raise Unreachable("casework")
    referrals = found["referrals"]["items"] if found.get("referrals") else []
    return Inbox([dict(r) for r in pending_first(referrals)], found.get("offers") or [])
