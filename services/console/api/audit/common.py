"""What the auditors' pages share: the auditor's session, the instant a date (and time)
chosen on the page stands for, and the names of audit's codes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Query

from services.console.api.deps import Signed
from services.console.domain import cases, persons
from services.console.domain.problems import N_, NOT_FOUND
from services.console.models import BrowserSession
from shared.web import NotFound

AUDITOR = "auditor"
ZONE = ZoneInfo("Europe/Paris")
"""The dates and times an auditor chooses are the city's."""


async def _auditor(signed: Signed) -> BrowserSession:
    if AUDITOR not in signed.roles.split():
        raise NotFound(NOT_FOUND)
    return signed


AuditorSession = Annotated[BrowserSession, Depends(_auditor)]
"""A signed-in auditor; anyone else finds no audit page (a 404, as for what they may not see)."""
Day = Annotated[date | None, Query(description="the date the file is shown as of")]
Hour = Annotated[time | None, Query(description="the time on that date (its end if unset)")]


def as_of(on: date | None, at: time | None) -> datetime | None:
    """The instant a chosen date and time stand for, in the city's zone: the end of the day
    when no time is given (the file as it stood that evening); None for now."""
    if on is None:
        return None
    if at is None:
        return datetime.combine(on + timedelta(days=1), time(), ZONE) - timedelta(microseconds=1)
    return datetime.combine(on, at.replace(tzinfo=None), ZONE)


def as_of_params(on: date | None, at: time | None) -> dict[str, str]:
    """Audit's `as_of` query for a chosen date and time (none: as things stand now)."""
    instant = as_of(on, at)
    return {} if instant is None else {"as_of": instant.isoformat()}


EVENTS = {
    **cases.EVENTS,
    "intake.person_registered.v1": N_("Person registered"),
    "intake.person_updated.v1": N_("Person's details changed"),
    "intake.person_erased.v1": N_("Person's data erased"),
    "intake.person_key_released.v1": N_("Person's key released"),
    "intake.persons_merged.v1": N_("Duplicates merged"),
    "intake.persons_split.v1": N_("Merge undone"),
    "intake.consent_given.v1": N_("Consent given"),
    "intake.consent_withdrawn.v1": N_("Consent withdrawn"),
    "intake.consent_overridden.v1": N_("Went ahead without consent"),
    "intake.referral_requested.v1": N_("Referral requested"),
    "intake.referral_status_changed.v1": N_("Referral's status changed"),
    "intake.needs_assessed.v1": N_("Needs assessed"),
    "intake.household_composed.v1": N_("Household composed"),
    "intake.household_dissolved.v1": N_("Household dissolved"),
    "intake.legal_hold_placed.v1": N_("Legal hold placed"),
    "intake.legal_hold_lifted.v1": N_("Legal hold lifted"),
    "notifications.reminder_planned.v1": N_("SMS reminder planned"),
    "notifications.reminder_cleared.v1": N_("SMS reminder cancelled"),
    "notifications.sms_sent.v1": N_("SMS sent"),
    "notifications.sms_delivered.v1": N_("SMS delivered"),
    "notifications.sms_failed.v1": N_("SMS failed"),
    "notifications.opted_in.v1": N_("Agreed to SMS"),
    "notifications.opted_out.v1": N_("Refused SMS (STOP)"),
    "housing.placement_requested.v1": N_("Place in the centre requested"),
    "housing.bed_offered.v1": N_("Beds offered"),
    "housing.checked_in.v1": N_("Checked in"),
    "housing.checked_out.v1": N_("Checked out"),
    "housing.application_filed.v1": N_("Social housing application filed"),
    "housing.application_renewed.v1": N_("Social housing application renewed"),
}
"""The events the console names in words; others show their type."""

STATES = {**cases.STATES, **persons.STATUSES, **persons.SERVICES}
"""Where a deadline, an appointment, an offer or a referral stands, and the services."""

RESOURCES = {
    "person": N_("Person's file"),
    "household": N_("Household"),
    "person_history": N_("History of the file"),
    "needs_assessments": N_("Needs assessments"),
    "export": N_("Export of the file"),
    "key_release": N_("Release of the person's key"),
    "case": N_("Case"),
    "case_notes": N_("Case notes"),
    "case_tasks": N_("Tasks"),
    "application": N_("Social housing application"),
    "placement": N_("Placement"),
    "contact": N_("Contact details"),
    "messages": N_("Messages"),
}
"""What a recorded read was of."""

CHAINS = {
    "ok": N_("verified"),
    "waiting": N_("waiting for missing events"),
    "broken": N_("broken"),
}
"""Where a service's chain stands."""
