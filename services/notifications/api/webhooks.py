"""The provider's webhooks: delivery receipts, and inbound SMS (STOP, START). Both are
signed by the provider (Twilio's scheme); a bad signature is refused, a malformed body is a
400 with the reason. A signature proves who sent a callback, not when: one already handled
(an inbound SMS by its id, a receipt by its message's id and status) is answered and ignored."""

from __future__ import annotations

from urllib.parse import parse_qsl

import phonenumbers
import structlog
from fastapi import APIRouter, Request, Response

from services.notifications.api.deps import Now, SecretsDep, SettingsDep, Units
from services.notifications.domain.keywords import intent
from services.notifications.handlers import answers, receipts
from services.notifications.providers.signature import valid
from services.notifications.schemas.webhooks import InboundCreate, ReceiptCreate
from services.notifications.settings import NotificationsSettings
from shared.outbox import Metadata
from shared.web import Forbidden, ProblemError

router = APIRouter(prefix="/webhooks/sms", tags=["provider webhooks"])
log = structlog.get_logger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
PROVIDER = Metadata(actor="service:sms-provider")


async def _signed_form(request: Request, settings: NotificationsSettings) -> dict[str, str]:
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise ProblemError("expected an application/x-www-form-urlencoded body")
    try:
        params = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError as exc:
        raise ProblemError("the body is not UTF-8") from exc
    url = settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    token = settings.twilio.auth_token.get_secret_value()
    if not valid(token, url, params, request.headers.get("x-twilio-signature")):
        log.warning("webhook.bad_signature", path=request.url.path)
        raise Forbidden("The request signature does not match.")
    return params


def _require(params: dict[str, str], *names: str) -> list[str]:
    missing = [n for n in names if not params.get(n)]
    if missing:
        raise ProblemError(f"missing field(s): {', '.join(missing)}")
    return [params[n] for n in names]


def _bounded(provider_id: str, status: str) -> None:
    # what a callback is remembered by must fit its row
    if len(provider_id) > 64 or len(status) > 32:
        raise ProblemError("MessageSid or MessageStatus is too long")


def _e164(sender: str) -> str:
    try:
        number = phonenumbers.parse(sender, "FR")
    except phonenumbers.NumberParseException as exc:
        raise ProblemError("From is not a phone number") from exc
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@router.post("/status")
async def delivery_receipt(
    request: Request, settings: SettingsDep, units: Units, now: Now
) -> Response:
    """A delivery receipt: delivered, or undelivered/failed (the message is undeliverable)."""
    params = await _signed_form(request, settings)
    provider_id, status = _require(params, "MessageSid", "MessageStatus")
    _bounded(provider_id, status)
    receipt = ReceiptCreate(
        provider_id, status, params.get("ErrorCode"), request.query_params.get("ref")
    )
    async with units(PROVIDER) as uow:
        if await receipts.receive(uow, receipt, now):
            await uow.commit()
    return Response(status_code=204)


@router.post("/inbound")
async def inbound(
    request: Request, settings: SettingsDep, secrets: SecretsDep, units: Units, now: Now
) -> Response:
    """An SMS from a person: STOP (and synonyms) opts the number out at once, START opts it
    back in; each is an event and gets a confirmation."""
    params = await _signed_form(request, settings)
    sender, body, sid = _require(params, "From", "Body", "MessageSid")
    number = _e164(sender)
    asked = intent(body)
    if asked is None:
        log.info("inbound.unrecognised")
        return Response(EMPTY_TWIML, media_type="application/xml")
    _bounded(sid, "received")
    async with units(PROVIDER) as uow:
        if await answers.answer(uow, InboundCreate(sid, number, asked), secrets, now):
            await uow.commit()
            log.info("inbound.keyword", action=asked[0], keyword=asked[1])
    return Response(EMPTY_TWIML, media_type="application/xml")
