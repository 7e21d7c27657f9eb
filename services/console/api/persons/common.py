"""The person's page, shared by the persons routes: shown, or shown again with intake's refusal
beside the form it concerns; and the way back to it after a change."""

from __future__ import annotations

from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.api.deps import ConsoleDep
from services.console.domain import persons as rules
from services.console.domain.problems import NOT_FOUND
from services.console.models import BrowserSession
from services.console.queries import persons as queries
from services.console.queries.services import Answer
from shared.web import NotFound

NAMES = {
    "services": rules.SERVICES,
    "statuses": rules.STATUSES,
    "situations": rules.SITUATIONS,
    "needs": rules.NEEDS,
    "urgencies": rules.URGENCIES,
    "relationships": rules.RELATIONSHIPS,
}
"""Intake's codes, as the console names them in the user's language."""


async def show(
    console: ConsoleDep,
    signed: BrowserSession,
    person_id: str,
    errors: dict[str, str],
    status: int = 200,
    given: dict[str, str] | None = None,
) -> HTMLResponse:
    """The person's page; not found when the user's organisation may not see them."""
    coordinator = rules.may_export_and_erase(signed.roles)
    found = await queries.person_file(console.services, signed.access_token, person_id, coordinator)
    if found is None:
        raise NotFound(NOT_FOUND)
    # a merged record changes through the surviving one; a partner reads the file
    own = rules.may_change(found.person, signed.organisation_id, signed.roles)
    own = own and not found.person.get("merged_into")
    page = console.pages.render(
        signed.locale,
        "persons/person.html",
        user=signed,
        file=found,
        person=found.person,
        consents=found.consents,
        partners=found.partners,
        offered=rules.offered_services(found.partners),
        partner_names={p["id"]: p["name"] for p in found.partners},
        reasons=rules.reasons,
        names=NAMES,
        coordinator=coordinator,
        own=own,
        errors=errors,
        given=given or {},
        page="persons",
    )
    return HTMLResponse(page, status_code=status)


async def after(
    console: ConsoleDep,
    signed: BrowserSession,
    person_id: str,
    answer: Answer,
    fields: dict[str, str],
    action: str,
    given: dict[str, str] | None = None,
) -> Response:
    """Back to the person's page after a change (303); a refusal shows there, as a sentence
    beside the field or the action, with intake's status."""
    if answer.ok:
        return RedirectResponse(f"/persons/{person_id}", status_code=303)
    errors = rules.refusal(answer.status, answer.body, fields, action)
    return await show(console, signed, person_id, errors, answer.status, given)


def unconfirmed(key: str) -> dict[str, str]:
    """The sentence beside a confirmation box left unticked."""
    return {key: rules.NOT_CONFIRMED}
