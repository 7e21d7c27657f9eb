"""A local stand-in for Twilio's Messages API, with faults to arm: a real HTTP server.

    python -m deploy.local.fake_sms --port 8090 --account-sid AC_test --auth-token secret

It records what it is sent, posts signed status callbacks ("sent", then "delivered"),
and under /_control/ lets tests and people arm faults, list or clear messages, and
simulate a reply from a person. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import re
import signal
import socket
import sys
import uuid
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from types import FrameType
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.notifications.settings import DEV_SMS_TOKEN

API_VERSION = "2010-04-01"
MESSAGES = f"/{API_VERSION}/Accounts/{{sid}}/Messages.json"
E164 = re.compile(r"\+[1-9]\d{6,14}")
HANG_SECONDS = 30.0
UNDELIVERED = "30003"  # Twilio: unreachable destination handset
DEFAULT_NUMBER = "+33700000000"  # the number a simulated reply is sent to

Fault = Literal["error_5xx", "throttle", "timeout", "accept_then_timeout", "undelivered"]


class FaultIn(BaseModel):
    """Arm `kind` for the next `times` sends."""

    kind: Fault
    times: int = Field(default=1, ge=1, le=1000)


class InboundIn(BaseModel):
    """A reply from a person, to post to a webhook as Twilio would."""

    sender: str = Field(alias="from", pattern=rf"^{E164.pattern}$")
    body: str
    webhook: str
    to: str = DEFAULT_NUMBER


def signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's X-Twilio-Signature, written here apart from the code it checks."""
    payload = url + "".join(key + params[key] for key in sorted(params))
    mac = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def twilio_error(
    status: int, code: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An error in Twilio's shape."""
    more = f"https://www.twilio.com/docs/errors/{code}"
    body = {"code": code, "message": message, "more_info": more, "status": status}
    return JSONResponse(body, status_code=status, headers=headers)


def new_sid() -> str:
    return "SM" + uuid.uuid4().hex


@dataclass
class FakeSms:
    """The fake's state: what it was sent and the faults still armed."""

    account_sid: str
    auth_token: str
    record: Path | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    faults: deque[str] = field(default_factory=deque)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    http: httpx.AsyncClient | None = None

    def authorized(self, sid: str, request: Request) -> bool:
        """Basic auth with our account SID and auth token, on our own account's path."""
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            given = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        expected = f"{self.account_sid}:{self.auth_token}"
        same = hmac.compare_digest(given.encode(), expected.encode())
        return scheme.lower() == "basic" and same and sid == self.account_sid

    def take_fault(self) -> str | None:
        return self.faults.popleft() if self.faults else None

    def add(self, form: Mapping[str, str], fault: str | None) -> dict[str, Any]:
        """Record an accepted message."""
        callback = form.get("StatusCallback") or None
        query = dict(parse_qsl(urlsplit(callback).query)) if callback else {}
        message = {
            "sid": new_sid(),
            "to": form["To"],
            "from": form["From"],
            "body": form["Body"],
            "reference": form.get("PasserelleReference") or query.get("ref"),
            "status": "queued",
            "error_code": None,
            "status_callback": callback,
            "undelivered": fault == "undelivered",
            "created_at": datetime.now(UTC).isoformat(),
        }
        self.messages.append(message)
        if self.record is not None:
            with self.record.open("a", encoding="utf-8") as sink:
                sink.write(json.dumps(message, ensure_ascii=False) + "\n")
        return message

    def in_background(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def post_signed(self, url: str, form: dict[str, str]) -> int:
        """POST `form` to `url` with Twilio's signature; the answer's status code."""
        assert self.http is not None
        headers = {"X-Twilio-Signature": signature(self.auth_token, url, form)}
        response = await self.http.post(url, data=form, headers=headers)
        return response.status_code

    async def report(self, message: dict[str, Any]) -> None:
        """Status callbacks: "sent", then "delivered" or "undelivered"."""
        final = "undelivered" if message["undelivered"] else "delivered"
        for status in ("sent", final):
            message["status"] = status
            form = {
                "AccountSid": self.account_sid,
                "ApiVersion": API_VERSION,
                "MessageSid": message["sid"],
                "SmsSid": message["sid"],
                "MessageStatus": status,
                "SmsStatus": status,
                "From": message["from"],
                "To": message["to"],
            }
            if status == "undelivered":
                message["error_code"] = form["ErrorCode"] = UNDELIVERED
            try:
                await self.post_signed(message["status_callback"], form)
            except httpx.HTTPError as exc:  # Twilio does not retry status callbacks either
                print(f"fake-sms: status callback failed ({type(exc).__name__})", file=sys.stderr)


def resource(fake: FakeSms, message: dict[str, Any]) -> dict[str, Any]:
    """A message as Twilio's API shows it."""
    created = format_datetime(datetime.fromisoformat(message["created_at"]))
    return {
        "sid": message["sid"],
        "account_sid": fake.account_sid,
        "api_version": API_VERSION,
        "direction": "outbound-api",
        "to": message["to"],
        "from": message["from"],
        "body": message["body"],
        "status": message["status"],
        "error_code": message["error_code"],
        "num_segments": "1",
        "date_created": created,
        "date_updated": created,
        "uri": MESSAGES.format(sid=fake.account_sid).replace(".json", f"/{message['sid']}.json"),
        "passerelle_reference": message["reference"],
    }


def invalid(form: Mapping[str, str]) -> JSONResponse | None:
    """Twilio's answer to a message it would refuse, or None."""
    if not form.get("From"):
        return twilio_error(400, 21603, "A 'From' phone number is required.")
    if not E164.fullmatch(form.get("To", "")):
        return twilio_error(400, 21211, "Invalid 'To' Phone Number")
    if not form.get("Body"):
        return twilio_error(400, 21602, "Message body is required.")
    if len(form["Body"]) > 1600:
        return twilio_error(400, 21617, "The concatenated message body exceeds 1600 characters.")
    return None


async def create_message(fake: FakeSms, sid: str, request: Request) -> Response:
    """POST Messages.json: refuse, fail as armed, or record, answer and report."""
    if not fake.authorized(sid, request):
        return twilio_error(401, 20003, "Authenticate", {"WWW-Authenticate": 'Basic realm="fake"'})
    form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
    fault = fake.take_fault()
    if fault == "error_5xx":
        return twilio_error(503, 20503, "Service Unavailable")
    if fault == "throttle":
        return twilio_error(429, 20429, "Too Many Requests", {"Retry-After": "1"})
    if fault == "timeout":
        await asyncio.sleep(HANG_SECONDS)
        return twilio_error(503, 20503, "Service Unavailable")
    refused = invalid(form)
    if refused is not None:
        return refused
    message = fake.add(form, fault)
    answer = resource(fake, message)  # taken now: the callbacks move the status on
    if message["status_callback"]:
        fake.in_background(fake.report(message))
    if fault == "accept_then_timeout":
        await asyncio.sleep(HANG_SECONDS)
    return JSONResponse(answer, status_code=201)


def create_app(fake: FakeSms) -> FastAPI:
    """The fake's HTTP API: Twilio's Messages resource and the /_control/ routes."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=10) as http:
            fake.http = http
            yield
            for task in list(fake.tasks):
                task.cancel()
            await asyncio.gather(*fake.tasks, return_exceptions=True)

    app = FastAPI(title="fake SMS provider", lifespan=lifespan)

    @app.post(MESSAGES)
    async def send(sid: str, request: Request) -> Response:
        return await create_message(fake, sid, request)

    @app.get(MESSAGES)
    async def list_messages(sid: str, request: Request) -> Response:
        if not fake.authorized(sid, request):
            return twilio_error(401, 20003, "Authenticate")
        wanted = request.query_params.get("PasserelleReference")
        to = request.query_params.get("To")
        found = [
            resource(fake, m)
            for m in reversed(fake.messages)  # newest first, as Twilio lists them
            if (wanted is None or m["reference"] == wanted) and (to is None or m["to"] == to)
        ]
        return JSONResponse({"messages": found})

    add_control_routes(app, fake)
    return app


def add_control_routes(app: FastAPI, fake: FakeSms) -> None:
    """Faults, recorded messages, simulated replies and health (no auth: loopback only)."""

    @app.post("/_control/faults")
    async def arm(fault: FaultIn) -> dict[str, list[str]]:
        fake.faults.extend([fault.kind] * fault.times)
        return {"armed": list(fake.faults)}

    @app.get("/_control/faults")
    async def armed() -> dict[str, list[str]]:
        return {"armed": list(fake.faults)}

    @app.get("/_control/messages")
    async def recorded() -> dict[str, list[dict[str, Any]]]:
        return {"messages": fake.messages}

    @app.delete("/_control/messages", status_code=204)
    async def clear() -> None:
        fake.messages.clear()
        fake.faults.clear()

    @app.post("/_control/inbound")
    async def inbound(reply: InboundIn) -> Response:
        sid = new_sid()
        form = {
            "AccountSid": fake.account_sid,
            "ApiVersion": API_VERSION,
            "MessageSid": sid,
            "SmsSid": sid,
            "SmsMessageSid": sid,
            "From": reply.sender,
            "To": reply.to,
            "Body": reply.body,
            "NumMedia": "0",
            "NumSegments": "1",
        }
        try:
            status = await fake.post_signed(reply.webhook, form)
        except httpx.HTTPError as exc:
            error = {"detail": f"webhook unreachable ({type(exc).__name__})"}
            return JSONResponse(error, status_code=502)
        return JSONResponse({"webhook_status": status, "message_sid": sid})

    @app.get("/_control/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}


class Server(uvicorn.Server):
    """uvicorn, announcing the address once it accepts connections."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            port = self.servers[0].sockets[0].getsockname()[1]
            print(f"fake-sms listening on http://127.0.0.1:{port}", flush=True)


def _stopped(signum: int, frame: FrameType | None) -> None:
    # uvicorn handles SIGTERM/SIGINT while serving, then raises the signal again once shut
    # down: by then the stop is done, so exit with success.
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    """Serve the fake until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m deploy.local.fake_sms", description=__doc__)
    parser.add_argument("--port", type=int, default=8090, help="0 picks a free port")
    parser.add_argument("--account-sid", default="AC0000000000local")
    parser.add_argument(
        "--auth-token", default=DEV_SMS_TOKEN, help="notifications' development default"
    )
    parser.add_argument("--record", type=Path, help="also append each message to this file")
    args = parser.parse_args(argv)
    fake = FakeSms(args.account_sid, args.auth_token, args.record)
    config = uvicorn.Config(
        create_app(fake),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    for stop in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop, _stopped)
    asyncio.run(Server(config).serve())


if __name__ == "__main__":
    main()
