"""What the persons pages gather from intake and casework: a person's whole file, and the
search results with what tells two persons apart."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx

from services.console.domain.persons import is_erased
from services.console.domain.problems import N_
from services.console.queries.services import Services, Unreachable

SHOWN_DUPLICATES = 5
"""The possible duplicates a person's page names (intake lists them best first)."""


@dataclass
class PersonFile:
    """A person and all the console shows around them; `cases` is None when casework does
    not answer."""

    person: dict[str, Any]
    erased: bool = False
    consents: list[dict[str, Any]] = field(default_factory=list)
    referrals: list[dict[str, Any]] = field(default_factory=list)
    partners: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    household: dict[str, Any] | None = None
    needs: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] | None = field(default_factory=list)
    holds: list[dict[str, Any]] = field(default_factory=list)


async def read(services: Services, service: str, path: str, token: str, **params: Any) -> Any:
    """What a service answers, None when it is absent or refused to this user (a 4xx)."""
    try:
        return await services.get(service, path, token, **params)
    except httpx.HTTPStatusError:
        return None


async def person_file(
    services: Services, token: str, person_id: str, coordinator: bool = False
) -> PersonFile | None:
    """The person's file as the user's organisation may see it; None when it may not. A
    coordinator also sees the legal holds (intake lists them in the person's export)."""
    base = f"/persons/{person_id}"
    person = await services.get("intake", base, token)
    if person is None:
        return None
    if is_erased(person):
        return PersonFile(person, erased=True)
    answers = await asyncio.gather(
        read(services, "intake", f"{base}/consents", token),
        read(services, "intake", f"{base}/referrals", token),
        read(services, "intake", "/partners", token),
        read(services, "intake", f"{base}/duplicates", token),
        read(services, "intake", f"{base}/merges", token),
        read(services, "intake", f"{base}/household", token),
        read(services, "intake", f"{base}/needs-assessments", token),
        cases_of(services, token, person_id),
        holds_of(services, token, person_id) if coordinator else _nothing(),
    )
    consents, referrals, partners, duplicates, merges, household, needs, cases, holds = answers
    return PersonFile(
        person,
        consents=consents or [],
        referrals=referrals or [],
        partners=partners or [],
        duplicates=await named(services, token, (duplicates or [])[:SHOWN_DUPLICATES]),
        merges=await merges_named(services, token, person_id, merges or []),
        household=household,
        needs=needs or [],
        cases=cases,
        holds=holds,
    )


async def holds_of(services: Services, token: str, person_id: str) -> list[dict[str, Any]]:
    """The legal holds on the person's erasure, standing ones first."""
    found = await read(services, "intake", f"/persons/{person_id}/export", token)
    holds = list(found["legal_holds"]) if found else []
    return sorted(holds, key=lambda hold: hold.get("lifted_at") is not None)


async def _nothing() -> list[dict[str, Any]]:
    return []


async def cases_of(services: Services, token: str, person_id: str) -> list[dict[str, Any]] | None:
    """The person's cases the user's organisation may see; None when casework does not answer."""
    try:
        page = await read(services, "casework", "/cases", token, person_id=person_id)
    except Unreachable:
        return None
    return list(page["items"]) if page else []


async def named(
    services: Services, token: str, duplicates: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The suggested duplicates with their persons (name, year of birth, language)."""
    persons = await asyncio.gather(
        *(read(services, "intake", f"/persons/{d['person_id']}", token) for d in duplicates)
    )
    return [{**d, "person": p} for d, p in zip(duplicates, persons, strict=True) if p is not None]


async def merges_named(
    services: Services, token: str, person_id: str, merges: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each merge with the other record's person (its name, when the user may see it)."""
    others = [m["merged_id"] if m["survivor_id"] == person_id else m["survivor_id"] for m in merges]
    persons = await asyncio.gather(
        *(read(services, "intake", f"/persons/{other}", token) for other in others)
    )
    return [
        {**m, "other_id": other, "other": p}
        for m, other, p in zip(merges, others, persons, strict=True)
    ]


async def search(services: Services, token: str, q: str | None) -> Any:
    """A page of persons: those matching `q` (each line with its year of birth, so two
    namesakes can be told apart), or the newest registrations."""
    if not q:
        return await services.get("intake", "/persons", token)
    try:
        return await services.get("intake", "/persons", token, q=q, limit=SEARCH_PAGE)
    except httpx.HTTPStatusError as refused:  # e.g. digits that are neither a phone nor a year
        if refused.response.status_code != 422:
            raise
        return {"items": [], "total": 0, "refused": UNSEARCHABLE}


UNSEARCHABLE = N_("Write a name, a phone number or a year of birth.")
"""What intake's refusal of a search says to the caseworker."""
SEARCH_PAGE = 20
"""The matches a search shows."""
