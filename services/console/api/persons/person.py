"""The persons pages: search, registration with a chosen name only, a person's page, changes
to their details and consents."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.api.deps import ConsoleDep, Signed, SignedForm
from services.console.api.persons.common import after, show
from services.console.domain.persons import DETAILS, changes
from services.console.domain.problems import NOT_FOUND, field_errors
from services.console.queries.persons import search
from shared.web import NotFound

router = APIRouter(tags=["persons"])
FORM_FIELDS = {"chosen_name", "phone", "preferred_language", "birth_year"}
CONSENT_FIELDS = {"purpose": "purpose", "partner_id": "partner_id"}


@router.get("/persons", response_class=HTMLResponse)
async def persons(
    signed: Signed,
    console: ConsoleDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    """Search by name, phone or year of birth; without a search, the newest registrations."""
    q = q.strip() if q else None
    found = await search(console.services, signed.access_token, q)
    page = console.pages.render(
        signed.locale, "persons/search.html", user=signed, q=q or "", found=found, page="persons"
    )
    return HTMLResponse(page)


@router.get("/persons/new", response_class=HTMLResponse)
async def new_person(signed: Signed, console: ConsoleDep) -> HTMLResponse:
    """The registration form: a chosen name is enough."""
    return _form(console, signed, {}, {})


@router.post("/persons", response_class=HTMLResponse)
async def register(
    signed: SignedForm,
    console: ConsoleDep,
    chosen_name: Annotated[str, Form(max_length=200)] = "",
    phone: Annotated[str, Form(max_length=60)] = "",
    preferred_language: Annotated[str, Form(max_length=35)] = "",
    birth_year: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Register the person at intake; its refusals come back as sentences beside the fields."""
    given = {
        "chosen_name": chosen_name,
        "phone": phone,
        "preferred_language": preferred_language,
        "birth_year": birth_year,
    }
    body: dict[str, Any] = {key: value.strip() for key, value in given.items() if value.strip()}
    answer = await console.services.post("intake", "/persons", signed.access_token, body)
    if answer.ok:
        return RedirectResponse(f"/persons/{answer.body['id']}", status_code=303)
    errors = field_errors(answer.status, answer.body, FORM_FIELDS)
    return _form(console, signed, given, errors, status=answer.status)


@router.get("/persons/{person_id}", response_class=HTMLResponse)
async def person_page(person_id: uuid.UUID, signed: Signed, console: ConsoleDep) -> HTMLResponse:
    """A person's file: details, consents, referrals, cases, duplicates, merges, household and
    needs; not found for another organisation's."""
    return await show(console, signed, str(person_id), {})


@router.post("/persons/{person_id}", response_class=HTMLResponse)
async def edit_details(
    person_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    chosen_name: Annotated[str, Form(max_length=200)] = "",
    phone: Annotated[str, Form(max_length=60)] = "",
    preferred_language: Annotated[str, Form(max_length=35)] = "",
    birth_year: Annotated[str, Form(max_length=8)] = "",
    administrative_situation: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Change the details the form changes; intake has no version for them, so only those
    that differ from the person's are sent and a change made meanwhile elsewhere stays."""
    given = {
        "chosen_name": chosen_name,
        "phone": phone,
        "preferred_language": preferred_language,
        "birth_year": birth_year,
        "administrative_situation": administrative_situation,
    }
    path = f"/persons/{person_id}"
    person = await console.services.get("intake", path, signed.access_token)
    if person is None:
        raise NotFound(NOT_FOUND)
    body = changes(person, given)
    if not body:
        return RedirectResponse(path, status_code=303)
    answer = await console.services.change("PATCH", "intake", path, signed.access_token, body)
    fields = {name: name for name in DETAILS}
    return await after(console, signed, str(person_id), answer, fields, "details", given)


@router.post("/persons/{person_id}/consents", response_class=HTMLResponse)
async def give_consent(
    person_id: uuid.UUID,
    signed: SignedForm,
    console: ConsoleDep,
    purpose: Annotated[str, Form(max_length=64)] = "",
    partner_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Record a consent the person gives (sharing names the partner)."""
    body = {"purpose": purpose, **({"partner_id": partner_id} if partner_id else {})}
    path = f"/persons/{person_id}/consents"
    answer = await console.services.post("intake", path, signed.access_token, body)
    return await after(console, signed, str(person_id), answer, CONSENT_FIELDS, "")


@router.post("/persons/{person_id}/consents/{consent_id}/withdraw", response_class=HTMLResponse)
async def withdraw_consent(
    person_id: uuid.UUID, consent_id: uuid.UUID, signed: SignedForm, console: ConsoleDep
) -> Response:
    """Record that the person withdraws a consent."""
    path = f"/persons/{person_id}/consents/{consent_id}/withdraw"
    answer = await console.services.post("intake", path, signed.access_token, {})
    return await after(console, signed, str(person_id), answer, CONSENT_FIELDS, "")


def _form(
    console: ConsoleDep,
    signed: Any,
    given: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    page = console.pages.render(
        signed.locale, "persons/new.html", user=signed, given=given, errors=errors, page="persons"
    )
    return HTMLResponse(page, status_code=status if errors else 200)
