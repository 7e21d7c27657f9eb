"""A claimed message checked again just before it is sent (everything may have changed since
it was planned), and rendered in the person's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.notifications.domain.housing import KINDS as housing_kinds
from services.notifications.domain.messages import Status
from services.notifications.domain.policy import Policy
from services.notifications.domain.secrets import Secrets
from services.notifications.domain.sending import (
    NotNow,
    Ready,
    check_appointment,
    check_contact,
    check_hour,
    template_of,
)
from services.notifications.domain.texts import Templates
from services.notifications.handlers import housing
from services.notifications.models import Contact, KnownAppointment, Message, OptOut
from shared.crypto import CryptoError, decrypt_field
from shared.events.casework import place_aad
from shared.events.intake import phone_aad

PersonKey = bytes | NotNow | None
"""A person's data key, or why it could not be had (None: the message needs none)."""


async def prepare(
    session: AsyncSession,
    message: Message,
    key: PersonKey,
    *,
    secrets: Secrets,
    templates: Templates,
    policy: Policy,
    now: datetime,
) -> Ready:
    """The message, ready to go; NotNow for one that may not go now."""
    if message.to_enc is not None:
        return _answer(message, message.to_enc, secrets, templates, policy)
    if message.kind in housing_kinds:
        return await _housing(
            session, message, key, secrets=secrets, templates=templates, policy=policy, now=now
        )
    appointment = await session.get(KnownAppointment, message.appointment_id)
    if appointment is None:
        raise NotNow(Status.BLOCKED, "no_appointment")
    check_appointment(message.kind, message.revision, message.requested_by, appointment, now)
    contact, phone_enc = check_contact(await session.get(Contact, message.person_id))
    if not isinstance(key, bytes):  # the key store's answer, given before the transaction
        raise key or NotNow(Status.QUEUED, "no_key")
    try:
        phone = decrypt_field(key, phone_enc, aad=phone_aad(contact.person_id))
        place = decrypt_field(
            key,
            appointment.place_enc,
            aad=place_aad(appointment.case_id, appointment.appointment_id),
        )
    except CryptoError as exc:
        raise NotNow(Status.BLOCKED, "unreadable_contact") from exc
    index = secrets.phone_index(phone)
    if await session.get(OptOut, index) is not None:
        raise NotNow(Status.BLOCKED, "opted_out")
    check_hour(ZoneInfo(contact.timezone), policy.quiet, now)
    text = templates.render(
        template_of(message.kind),
        contact.preferred_language,
        starts_at=appointment.starts_at,
        zone=ZoneInfo(appointment.timezone),
        place=place,
        contact_phone=policy.contact_phone(appointment.organisation_id),
    )
    return Ready(phone, text.text, index, message.key)


async def _housing(
    session: AsyncSession,
    message: Message,
    key: PersonKey,
    *,
    secrets: Secrets,
    templates: Templates,
    policy: Policy,
    now: datetime,
) -> Ready:
    """A bed offer's or a renewal's SMS: still in time, consented, not STOPped, not at night."""
    notice, contact, phone_enc = await housing.checked(session, message, now)
    if not isinstance(key, bytes):
        raise key or NotNow(Status.QUEUED, "no_key")
    try:
        phone = decrypt_field(key, phone_enc, aad=phone_aad(contact.person_id))
    except CryptoError as exc:
        raise NotNow(Status.BLOCKED, "unreadable_contact") from exc
    index = secrets.phone_index(phone)
    if await session.get(OptOut, index) is not None:
        raise NotNow(Status.BLOCKED, "opted_out")
    check_hour(ZoneInfo(contact.timezone), policy.quiet, now)
    text = housing.render(templates, notice, contact.preferred_language)
    return Ready(phone, text.text, index, message.key)


def _answer(
    message: Message, to_enc: str, secrets: Secrets, templates: Templates, policy: Policy
) -> Ready:
    """An answer to a number (a STOP's confirmation): no appointment, no person's key."""
    to = secrets.open_number(to_enc, message.key)
    text = templates.render(
        message.kind,
        message.language,
        starts_at=None,
        zone=None,
        place=None,
        contact_phone=policy.contact_phone(message.organisation_id),
    )
    return Ready(to, text.text, None, message.key)
