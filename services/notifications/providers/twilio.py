"""Twilio's Messages API (or anything that speaks it, like deploy/local/fake_sms.py)."""

from __future__ import annotations

import email.utils
from datetime import UTC
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from services.notifications.providers.base import (
    Accepted,
    Found,
    Outgoing,
    Permanent,
    ProviderError,
    Retryable,
    UnknownOutcome,
)
from shared.clock import wall_clock

API_VERSION = "2010-04-01"
REFERENCE_FIELD = "PasserelleReference"
REFERENCE_QUERY = "ref"

# The provider never got a whole request, so it cannot have acted on it: sending again
# cannot make a duplicate. A write fails when the connection was refused or reset (an
# idle pooled connection the server closed) before the request was fully written.
NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
    httpx.WriteError,
)
# Nothing was sent either: the request itself cannot be made (a bug or bad configuration).
UNSENDABLE = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)
# Any other transport failure (a read timeout, a reset or hang-up while we wait for the
# answer) may come after the provider read the request and acted on it: unknown outcome.


def with_reference(callback: str, reference: str) -> str:
    """The status callback URL with our reference in its query (`ref=`)."""
    parts = urlsplit(callback)
    query = [*parse_qsl(parts.query, keep_blank_values=True), (REFERENCE_QUERY, reference)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds (a number or an HTTP date), or None when absent or unreadable."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - wall_clock()).total_seconds())


def _error_code(response: httpx.Response) -> str:
    # Twilio's error JSON has a numeric `code`; its `message` may quote the number, so skip it.
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError):
        code = None
    return f"twilio_{code}" if isinstance(code, int) else f"http_{response.status_code}"


def refusal(response: httpx.Response) -> ProviderError:
    """The error for a non-2xx answer: throttling and 5xx can be retried, other 4xx cannot."""
    if response.status_code == 429 or response.status_code >= 500:
        return Retryable(_error_code(response), retry_after(response))
    return Permanent(_error_code(response))


class TwilioProvider:
    """Sends through `POST /2010-04-01/Accounts/{sid}/Messages.json` (base URL in `http`).

    `lookup=True` sends our reference as the non-standard `PasserelleReference` field and
    lets `find()` list messages by it: only the local fake supports that. Real Twilio
    ignores unknown fields (warning 20001) and cannot filter by them, so keep it False
    there: `find()` then returns None. Either way the status callback URL carries
    `ref=<reference>`, so a callback can be matched even after an UnknownOutcome.
    `close()` closes `http`: the provider owns the client it is given.
    """

    name = "twilio"

    def __init__(
        self,
        http: httpx.AsyncClient,
        account_sid: str,
        auth_token: str,
        sender: str,
        *,
        lookup: bool = False,
    ) -> None:
        self._http = http
        self._auth = httpx.BasicAuth(account_sid, auth_token)
        self._path = f"/{API_VERSION}/Accounts/{account_sid}/Messages.json"
        self._sender = sender
        self.can_find = lookup

    def _form(self, message: Outgoing) -> dict[str, str]:
        form = {"To": message.to, "From": self._sender, "Body": message.body}
        if message.status_callback:
            form["StatusCallback"] = with_reference(message.status_callback, message.reference)
        if self.can_find:
            form[REFERENCE_FIELD] = message.reference
        return form

    async def send(self, message: Outgoing) -> Accepted:
        """Post the message once; the exception says whether a retry is safe."""
        try:
            response = await self._http.post(self._path, data=self._form(message), auth=self._auth)
        except NOT_SENT as exc:
            raise Retryable("twilio_unreachable") from exc
        except UNSENDABLE as exc:
            raise Permanent("twilio_bad_request") from exc
        except httpx.TransportError as exc:
            raise UnknownOutcome("twilio_no_answer") from exc
        if not response.is_success:
            raise refusal(response)
        created = _json(response)
        sid, status = created.get("sid"), created.get("status")
        if not isinstance(sid, str) or not sid:
            raise UnknownOutcome("twilio_unreadable_answer")
        return Accepted(sid, status if isinstance(status, str) else "queued")

    async def find(self, reference: str) -> Found | None:
        """The message sent under `reference`, or None if there is none or we cannot tell."""
        if not self.can_find:
            return None
        params = {REFERENCE_FIELD: reference}
        try:
            response = await self._http.get(self._path, params=params, auth=self._auth)
        except httpx.TransportError as exc:  # a read changes nothing: always safe to retry
            raise Retryable("twilio_unreachable") from exc
        if not response.is_success:
            raise refusal(response)
        messages = _json(response).get("messages")
        if not isinstance(messages, list):
            raise Retryable("twilio_unreadable_answer")
        if not messages:
            return None
        newest = messages[0]  # Twilio lists the newest first
        if not isinstance(newest, dict) or not isinstance(newest.get("sid"), str):
            raise Retryable("twilio_unreadable_answer")
        return Found(newest["sid"], str(newest.get("status", "queued")))

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._http.aclose()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
