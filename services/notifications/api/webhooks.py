"""The provider's webhooks: delivery receipts, and inbound SMS (STOP, START). Both are
signed by the provider (Twilio's scheme); a bad signature is refused, a malformed body is a
400 with the reason. A signature proves who sent a callback, not when: one already handled
(an inbound SMS by its id, a receipt by its message's id and status) is answered and ignored."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl

import phonenumbers
import structlog
from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.notifications import messages
from services.notifications.api.deps import NotificationsDep
from services.notifications.container import Notifications
from services.notifications.keywords import intent
from services.notifications.models import Contact, Message, OptOut, ProviderCallback
from services.notifications.providers.signature import valid
from shared.events.notifications import OptedIn, OptedOut, SmsDelivered
from shared.outbox import Metadata
from shared.web import Forbidden, ProblemError

router = APIRouter(prefix="/webhooks/sms", tags=["provider webhooks"])
log = structlog.get_logger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
PROVIDER = Metadata(actor="service:sms-provider")


async def _signed_form(request: Request, notifications: Notifications) -> dict[str, str]:
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise ProblemError("expected an application/x-www-form-urlencoded body")
    try:
        params = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError as exc:
        raise ProblemError("the body is not UTF-8") from exc
    url = notifications.settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    token = notifications.settings.twilio.auth_token.get_secret_value()
    if not valid(token, url, params, request.headers.get("x-twilio-signature")):
        log.warning("webhook.bad_signature", path=request.url.path)
        raise Forbidden("The request signature does not match.")
    return params


def _require(params: dict[str, str], *names: str) -> list[str]:
    missing = [n for n in names if not params.get(n)]
    if missing:
        raise ProblemError(f"missing field(s): {', '.join(missing)}")
    return [params[n] for n in names]


async def _first_time(
    session: AsyncSession, kind: str, provider_id: str, status: str, now: datetime
) -> bool:
    """Record a callback as handled, in the caller's transaction; False for a replay."""
    if len(provider_id) > 64 or len(status) > 32:
        raise ProblemError("MessageSid or MessageStatus is too long")
    if await session.get(ProviderCallback, (kind, provider_id, status)) is not None:
        log.info("webhook.replay_ignored", kind=kind)
        return False
    session.add(
        ProviderCallback(kind=kind, provider_id=provider_id, status=status, received_at=now)
    )
    try:
        await session.flush()
    except IntegrityError:  # the same callback, handled at this very moment
        log.info("webhook.replay_ignored", kind=kind)
        return False
    return True


@router.post("/status")
async def delivery_receipt(request: Request, notifications: NotificationsDep) -> Response:
    """A delivery receipt: delivered, or undelivered/failed (the message is undeliverable)."""
    params = await _signed_form(request, notifications)
    provider_id, status = _require(params, "MessageSid", "MessageStatus")
    now = notifications.clock()
    async with notifications.unit_of_work(PROVIDER) as uow:
        # a receipt comes once per status (sent, delivered...): the pair is what repeats
        if not await _first_time(uow.session, "status", provider_id, status, now):
            return Response(status_code=204)
        found = await uow.session.execute(
            select(Message).where(col(Message.provider_id) == provider_id)
        )
        message = found.scalars().first()
        reference = request.query_params.get("ref")
        if message is None and reference:  # the receipt may outrun the provider's answer
            message = await messages.by_key(uow.session, reference)
        if message is None:
            log.info("webhook.unknown_message")
            return Response(status_code=204)
        if message.status == "sending":
            if status == "delivered":
                message.delivered_at = now  # the sender records it with the send
                await uow.commit()
            return Response(status_code=204)
        if status == "delivered" and message.status in ("sent", "unknown"):
            message.status, message.delivered_at, message.updated_at = "delivered", now, now
            uow.record(
                SmsDelivered(
                    key=message.key,
                    message_id=message.id,
                    appointment_id=message.appointment_id,
                    kind=message.kind,
                    revision=message.revision,
                    delivered_at=now,
                )
            )
        elif status in ("undelivered", "failed") and message.status in ("sent", "unknown"):
            reason = f"provider:{params.get('ErrorCode') or status}"
            messages.fail(message, uow.record, "undeliverable", reason, now)
        await uow.commit()
    return Response(status_code=204)


@router.post("/inbound")
async def inbound(request: Request, notifications: NotificationsDep) -> Response:
    """An SMS from a person: STOP (and synonyms) opts the number out at once, START opts it
    back in; each is an event and gets a confirmation."""
    params = await _signed_form(request, notifications)
    sender, body, sid = _require(params, "From", "Body", "MessageSid")
    try:
        number = phonenumbers.parse(sender, "FR")
    except phonenumbers.NumberParseException as exc:
        raise ProblemError("From is not a phone number") from exc
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    asked = intent(body)
    if asked is None:
        log.info("inbound.unrecognised")
        return Response(EMPTY_TWIML, media_type="application/xml")
    action, keyword = asked
    index = notifications.secrets.phone_index(e164)
    now = notifications.clock()
    async with notifications.unit_of_work(PROVIDER) as uow:
        # a replayed START must not undo a later STOP
        if not await _first_time(uow.session, "inbound", sid, "received", now):
            return Response(EMPTY_TWIML, media_type="application/xml")
        opt_out = await uow.session.get(OptOut, index)
        if action == "stop" and opt_out is None:
            uow.session.add(OptOut(phone_index=index, keyword=keyword, opted_out_at=now))
            uow.record(OptedOut(phone_index=index, keyword=keyword, opted_out_at=now))
        elif action == "start" and opt_out is not None:
            await uow.session.delete(opt_out)
            uow.record(OptedIn(phone_index=index, opted_in_at=now))
        key = f"inbound:{sid}"
        contact = (
            (await uow.session.execute(select(Contact).where(col(Contact.phone_index) == index)))
            .scalars()
            .first()
        )
        await messages.plan(
            uow.session,
            uow.record,
            key=key,
            kind=f"opt_{'out' if action == 'stop' else 'in'}_confirmation",
            revision=0,
            due_at=now,
            now=now,
            to_enc=notifications.secrets.seal_number(e164, key),
            language=contact.preferred_language if contact else None,
            organisation_id=contact.organisation_id if contact else None,
        )
        await uow.commit()
    log.info("inbound.keyword", action=action, keyword=keyword)
    return Response(EMPTY_TWIML, media_type="application/xml")
