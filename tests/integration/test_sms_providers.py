"""SMS providers against real servers: the fake Twilio process, a webhook, a tiny SMSC."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from smpplib import consts, smpp
from smpplib.client import SimpleSequenceGenerator

from services.notifications.providers import signature
from services.notifications.providers.base import (
    Accepted,
    Found,
    Outgoing,
    Permanent,
    Retryable,
    UnknownOutcome,
)
from services.notifications.providers.dev import FileProvider
from services.notifications.providers.smpp import SmppProvider
from services.notifications.providers.twilio import TwilioProvider
from tests.integration.fake_sms_process import FakeSmsProcess
from tests.support.wait import eventually

pytestmark = pytest.mark.integration

SENDER = "Passerelle"
NUMBER = "+33612345678"
TEXT = "Rendez-vous mardi 14 h, 12 rue de Paris. Infos : 01 00 00 00 00"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- a webhook receiver: what notifications' API will be, reduced to recording ---------


@dataclass
class Received:
    url: str
    params: list[tuple[str, str]]
    signature: str | None

    @property
    def form(self) -> dict[str, str]:
        return dict(self.params)


@dataclass
class Receiver:
    """An HTTP server in its own thread that records form posts and checks signatures."""

    auth_token: str
    url: str = ""
    received: list[Received] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/{hook}")
        async def hook(request: Request) -> Response:
            params = parse_qsl((await request.body()).decode(), keep_blank_values=True)
            sig = request.headers.get("x-twilio-signature")
            self.received.append(Received(str(request.url), params, sig))
            ok = signature.valid(self.auth_token, str(request.url), params, sig)
            return Response(status_code=200 if ok else 403)

        return app

    async def posts(self, path: str, count: int) -> list[Received]:
        async def probe() -> list[Received]:
            return [r for r in self.received if urlsplit(r.url).path == path]

        return await eventually(probe, lambda r: len(r) >= count, timeout=15, what=path)


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeSmsProcess]:
    """The fake provider, a real process on a port it picked, recording to a file."""
    folder = tmp_path_factory.mktemp("fake-sms")
    process = FakeSmsProcess(folder / "fake.log", record=folder / "record.jsonl")
    process.start()
    yield process
    assert process.stop() == 0, process.log()


@pytest.fixture(scope="module")
def receiver(fake: FakeSmsProcess) -> Iterator[Receiver]:
    """A webhook server (uvicorn in a thread) that checks signatures with the fake's token."""
    state = Receiver(fake.auth_token)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    state.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(state.app(), log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the webhook receiver did not start"
    yield state
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture(autouse=True)
async def clean(fake: FakeSmsProcess, receiver: Receiver) -> None:
    await fake.clear()
    receiver.received.clear()


TwilioFactory = Callable[..., TwilioProvider]


@pytest.fixture
async def twilio(fake: FakeSmsProcess) -> AsyncIterator[TwilioFactory]:
    """Make TwilioProviders on the fake (read timeout 1 s); all closed after the test."""
    made: list[TwilioProvider] = []

    def make(*, token: str | None = None, lookup: bool = True, url: str = "") -> TwilioProvider:
        http = httpx.AsyncClient(base_url=url or fake.url, timeout=httpx.Timeout(5, read=1))
        provider = TwilioProvider(
            http, fake.account_sid, token or fake.auth_token, SENDER, lookup=lookup
        )
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.close()


def outgoing(reference: str, callback: str | None = None, body: str = TEXT) -> Outgoing:
    return Outgoing(to=NUMBER, body=body, reference=reference, status_callback=callback)


# --- Twilio's API on the fake -------------------------------------------------------------


async def test_send_is_recorded_once_with_our_reference(
    fake: FakeSmsProcess, twilio: TwilioFactory
) -> None:
    accepted = await twilio().send(outgoing("appt-1:two_days:r1"))

    (message,) = await fake.messages()
    assert accepted == Accepted(message["sid"], "queued")
    assert accepted.provider_id.startswith("SM")
    assert (message["reference"], message["to"], message["from"], message["body"]) == (
        "appt-1:two_days:r1",
        NUMBER,
        SENDER,
        TEXT,
    )
    assert fake.record is not None
    recorded = [json.loads(line) for line in fake.record.read_text().splitlines()]
    assert recorded[-1]["sid"] == accepted.provider_id


async def test_status_callbacks_arrive_signed_in_order(
    twilio: TwilioFactory, receiver: Receiver, fake: FakeSmsProcess
) -> None:
    accepted = await twilio().send(outgoing("appt-2:two_days:r1", f"{receiver.url}/status?x=1"))

    sent, delivered = await receiver.posts("/status", 2)
    assert [sent.form["MessageStatus"], delivered.form["MessageStatus"]] == ["sent", "delivered"]
    for callback in (sent, delivered):
        assert callback.form["MessageSid"] == accepted.provider_id
        assert signature.valid(fake.auth_token, callback.url, callback.params, callback.signature)
        assert parse_qs(urlsplit(callback.url).query) == {"x": ["1"], "ref": ["appt-2:two_days:r1"]}
    found = await twilio().find("appt-2:two_days:r1")
    assert found == Found(accepted.provider_id, "delivered")


async def test_undelivered_is_reported_with_its_error_code(
    twilio: TwilioFactory, receiver: Receiver, fake: FakeSmsProcess
) -> None:
    await fake.arm("undelivered")
    await twilio().send(outgoing("appt-3:two_hours:r1", f"{receiver.url}/status"))

    _, final = await receiver.posts("/status", 2)
    assert (final.form["MessageStatus"], final.form["ErrorCode"]) == ("undelivered", "30003")


async def test_a_5xx_is_retryable_and_nothing_is_recorded(
    twilio: TwilioFactory, fake: FakeSmsProcess
) -> None:
    await fake.arm("error_5xx")
    with pytest.raises(Retryable) as failure:
        await twilio().send(outgoing("appt-4:two_days:r1"))
    assert failure.value.reason == "twilio_20503"
    assert await fake.messages() == []


async def test_throttling_is_retryable_after_the_delay_given(
    twilio: TwilioFactory, fake: FakeSmsProcess
) -> None:
    await fake.arm("throttle")
    with pytest.raises(Retryable) as failure:
        await twilio().send(outgoing("appt-5:two_days:r1"))
    assert failure.value.retry_after == 1.0
    assert await fake.messages() == []
    assert await twilio().send(outgoing("appt-5:two_days:r1"))  # the next one goes through


async def test_a_timeout_before_recording_is_unknown_and_the_lookup_finds_nothing(
    twilio: TwilioFactory, fake: FakeSmsProcess
) -> None:
    provider = twilio()
    await fake.arm("timeout")
    with pytest.raises(UnknownOutcome):
        await provider.send(outgoing("appt-6:two_days:r1"))
    assert await provider.find("appt-6:two_days:r1") is None  # so resending is safe
    assert await fake.messages() == []


async def test_a_timeout_after_accepting_is_unknown_and_the_lookup_finds_the_message(
    twilio: TwilioFactory, fake: FakeSmsProcess
) -> None:
    provider = twilio()
    await fake.arm("accept_then_timeout")
    with pytest.raises(UnknownOutcome):
        await provider.send(outgoing("appt-7:two_days:r1"))

    found = await provider.find("appt-7:two_days:r1")
    (message,) = await fake.messages()
    assert found is not None  # so it must not be sent again
    assert found.provider_id == message["sid"]


async def test_wrong_credentials_are_permanent(twilio: TwilioFactory, fake: FakeSmsProcess) -> None:
    with pytest.raises(Permanent) as failure:
        await twilio(token="not-the-token").send(outgoing("appt-8:two_days:r1"))
    assert failure.value.reason == "twilio_20003"
    assert await fake.messages() == []


async def test_an_invalid_number_is_permanent_and_the_reason_holds_no_number(
    twilio: TwilioFactory,
) -> None:
    message = Outgoing(to="+33 6 12", body=TEXT, reference="appt-9:two_days:r1")
    with pytest.raises(Permanent) as failure:
        await twilio().send(message)
    assert failure.value.reason == "twilio_21211"


async def test_an_unreachable_provider_is_retryable(twilio: TwilioFactory) -> None:
    provider = twilio(url=f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(Retryable) as failure:
        await provider.send(outgoing("appt-10:two_days:r1"))
    assert failure.value.reason == "twilio_unreachable"


async def test_without_lookup_the_reference_travels_in_the_callback_url_only(
    twilio: TwilioFactory, receiver: Receiver, fake: FakeSmsProcess
) -> None:
    provider = twilio(lookup=False)  # as against the real Twilio
    await provider.send(outgoing("appt-11:two_days:r1", f"{receiver.url}/status"))

    assert not provider.can_find
    assert await provider.find("appt-11:two_days:r1") is None
    (message,) = await fake.messages()
    assert message["reference"] == "appt-11:two_days:r1"  # read from the callback's ref=


async def test_a_reply_reaches_the_webhook_signed(fake: FakeSmsProcess, receiver: Receiver) -> None:
    reply = {"from": NUMBER, "body": "STOP", "webhook": f"{receiver.url}/inbound"}
    answer = (await fake.control("POST", "inbound", json=reply)).json()

    assert answer["webhook_status"] == 200  # the receiver accepted the signature
    (posted,) = await receiver.posts("/inbound", 1)
    assert (posted.form["From"], posted.form["Body"]) == (NUMBER, "STOP")
    assert posted.form["MessageSid"] == answer["message_sid"]


async def test_the_fake_stops_cleanly_on_sigterm_while_a_request_hangs(tmp_path: Path) -> None:
    other = FakeSmsProcess(tmp_path / "fake.log")
    other.start()
    try:
        await other.arm("timeout")
        async with httpx.AsyncClient(base_url=other.url, auth=(other.account_sid, "secret")) as h:
            path = f"/2010-04-01/Accounts/{other.account_sid}/Messages.json"
            hanging = asyncio.create_task(h.post(path, data={"To": NUMBER}))
            await eventually(other.armed, lambda armed: armed == [], what="the send hangs")
            # Well before the 30 s the request would hang: shutdown does not wait for it.
            assert await asyncio.to_thread(other.stop, 10) == 0
            assert (await hanging).status_code >= 500  # cut short, never accepted
    finally:
        if other.process and other.process.poll() is None:
            other.process.kill()


# --- signatures -----------------------------------------------------------------------------

# Twilio's own SDK tests (twilio-python, tests/unit/test_request_validator.py).
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}


def test_signatures_match_twilios_published_examples() -> None:
    assert signature.sign("12345", DOC_URL, DOC_PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    assert signature.sign("12345", DOC_URL, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    # Twilio may sign with or without the port: both forms are accepted.
    with_port = DOC_URL.replace(".com", ".com:1234")
    assert signature.valid("12345", with_port, DOC_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert signature.valid("12345", DOC_URL, DOC_PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w=")


@pytest.mark.parametrize(
    ("token", "url", "params", "sig"),
    [
        ("12345", DOC_URL, {**DOC_PARAMS, "Digits": "9999"}, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ("12345", DOC_URL + "&baz=3", DOC_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ("54321", DOC_URL, DOC_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ("12345", DOC_URL, DOC_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8"),
        ("12345", DOC_URL, DOC_PARAMS, None),
    ],
    ids=["tampered-param", "other-url", "other-token", "truncated", "missing"],
)
def test_a_bad_signature_is_rejected(
    token: str, url: str, params: dict[str, str], sig: str | None
) -> None:
    assert not signature.valid(token, url, params, sig)


# --- the development file provider -----------------------------------------------------------


async def test_the_file_provider_writes_a_line_and_finds_it(tmp_path: Path) -> None:
    provider = FileProvider(tmp_path / "sms" / "messages.jsonl")
    accepted = await provider.send(outgoing("appt-12:two_days:r1", body="Bonjour, مرحبا"))
    await provider.send(outgoing("appt-13:two_days:r1"))

    lines = (tmp_path / "sms" / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    assert (first["to"], first["body"], first["reference"]) == (
        NUMBER,
        "Bonjour, مرحبا",
        "appt-12:two_days:r1",
    )
    assert await provider.find("appt-12:two_days:r1") == Found(accepted.provider_id, "sent")
    assert await provider.find("appt-99:two_days:r1") is None


async def test_the_file_provider_without_a_file_writes_to_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    provider = FileProvider(None)
    await provider.send(outgoing("appt-14:two_days:r1"))

    assert json.loads(capsys.readouterr().err)["reference"] == "appt-14:two_days:r1"
    assert not provider.can_find
    assert await provider.find("appt-14:two_days:r1") is None


# --- SMPP against a minimal SMSC ----------------------------------------------------------


@dataclass
class Smsc:
    """Just enough of an SMSC: bind_transmitter, submit_sm, enquire_link and unbind."""

    password: str = "pw"
    silent: bool = False  # never answer submit_sm
    status: int = consts.SMPP_ESME_ROK  # the submit_sm_resp status
    drop_after_submit: bool = False
    binds: int = 0
    submits: list[Any] = field(default_factory=list)
    port: int = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        numbers = SimpleSequenceGenerator()
        try:
            while True:
                head = await reader.readexactly(4)
                raw = head + await reader.readexactly(struct.unpack(">L", head)[0] - 4)
                pdu = smpp.parse_pdu(raw, client=numbers, allow_unknown_opt_params=True)
                answer = self.answer(pdu, numbers)
                if answer is not None:
                    writer.write(answer.generate())
                    await writer.drain()
                if pdu.command == "unbind" or (
                    pdu.command == "submit_sm" and self.drop_after_submit
                ):
                    break
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()

    def answer(self, pdu: Any, numbers: SimpleSequenceGenerator) -> Any:
        if pdu.command == "bind_transmitter":
            self.binds += 1
            ok = pdu.password.decode() == self.password
            status = consts.SMPP_ESME_ROK if ok else consts.SMPP_ESME_RINVPASWD
            reply = smpp.make_pdu("bind_transmitter_resp", client=numbers, status=status)
            reply.system_id = "fake-smsc"
        elif pdu.command == "submit_sm":
            self.submits.append(pdu)
            if self.silent:
                return None
            reply = smpp.make_pdu("submit_sm_resp", client=numbers, status=self.status)
            reply.message_id = f"smsc-{len(self.submits)}" if self.status == 0 else ""
        elif pdu.command in ("enquire_link", "unbind"):
            reply = smpp.make_pdu(f"{pdu.command}_resp", client=numbers)
        else:
            return None
        reply.sequence = pdu.sequence
        return reply


@pytest.fixture
async def smsc() -> AsyncIterator[Smsc]:
    state = Smsc()
    server = await asyncio.start_server(state.serve, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    async with server:
        yield state


@pytest.fixture
async def smpp_provider(smsc: Smsc) -> AsyncIterator[SmppProvider]:
    provider = SmppProvider("127.0.0.1", smsc.port, "passerelle", "pw", SENDER, timeout=1)
    yield provider
    await provider.close()


def text_of(pdus: list[Any]) -> str:
    """The text of submitted parts (UCS-2, without their UDH when split)."""
    return "".join(
        (p.short_message[6:] if p.esm_class == 0x40 else p.short_message).decode("utf-16-be")
        for p in pdus
    )


async def test_smpp_submits_one_ucs2_message_and_returns_the_smsc_id(
    smsc: Smsc, smpp_provider: SmppProvider
) -> None:
    accepted = await smpp_provider.send(outgoing("appt-20:two_days:r1", body="Rendez-vous 14 h"))

    assert accepted == Accepted("smsc-1", "accepted")
    (pdu,) = smsc.submits
    assert (pdu.destination_addr, pdu.dest_addr_ton, pdu.data_coding) == (b"33612345678", 1, 8)
    assert (pdu.source_addr, pdu.source_addr_ton) == (SENDER.encode(), consts.SMPP_TON_ALNUM)
    assert text_of(smsc.submits) == "Rendez-vous 14 h"


async def test_smpp_splits_a_long_text_into_parts_with_a_header(
    smsc: Smsc, smpp_provider: SmppProvider
) -> None:
    body = "موعدكم يوم الثلاثاء الساعة الثانية، ١٢ شارع باريس. " * 3  # over 70 characters
    accepted = await smpp_provider.send(outgoing("appt-21:two_days:r1", body=body))

    assert len(smsc.submits) == 3
    assert {p.esm_class for p in smsc.submits} == {consts.SMPP_GSMFEAT_UDHI}
    assert text_of(smsc.submits) == body
    assert accepted.provider_id == "smsc-1"


async def test_smpp_reuses_its_connection_and_binds_again_after_a_drop(
    smsc: Smsc, smpp_provider: SmppProvider
) -> None:
    await smpp_provider.send(outgoing("appt-22:two_days:r1"))
    await smpp_provider.send(outgoing("appt-22:two_hours:r1"))
    assert smsc.binds == 1

    smsc.drop_after_submit = True
    await smpp_provider.send(outgoing("appt-23:two_days:r1"))
    second = await smpp_provider.send(outgoing("appt-23:two_hours:r1"))
    assert (smsc.binds, second.provider_id) == (2, "smsc-4")


async def test_smpp_without_a_submit_answer_is_an_unknown_outcome(
    smsc: Smsc, smpp_provider: SmppProvider
) -> None:
    smsc.silent = True
    with pytest.raises(UnknownOutcome):
        await smpp_provider.send(outgoing("appt-24:two_days:r1"))
    assert len(smsc.submits) == 1


async def test_smpp_throttling_is_retryable_and_a_bad_number_permanent(
    smsc: Smsc, smpp_provider: SmppProvider
) -> None:
    smsc.status = consts.SMPP_ESME_RTHROTTLED
    with pytest.raises(Retryable):
        await smpp_provider.send(outgoing("appt-25:two_days:r1"))
    smsc.status = consts.SMPP_ESME_RINVDSTADR
    with pytest.raises(Permanent) as failure:
        await smpp_provider.send(outgoing("appt-25:two_days:r2"))
    assert failure.value.reason == "smpp_0x0b"


async def test_smpp_unreachable_is_retryable_and_a_wrong_password_permanent(smsc: Smsc) -> None:
    nowhere = SmppProvider("127.0.0.1", closed_port(), "passerelle", "pw", SENDER, timeout=1)
    with pytest.raises(Retryable):
        await nowhere.send(outgoing("appt-26:two_days:r1"))
    refused = SmppProvider("127.0.0.1", smsc.port, "passerelle", "wrong", SENDER, timeout=1)
    with pytest.raises(Permanent) as failure:
        await refused.send(outgoing("appt-26:two_days:r1"))
    assert failure.value.reason == "smpp_auth"
    assert smsc.submits == []
