"""An operator's SMSC over SMPP 3.4 (smpplib, blocking, run in a worker thread)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
from typing import Any

from smpplib import consts, exceptions, gsm, smpp
from smpplib.client import Client

from services.notifications.providers.base import (
    Accepted,
    Found,
    Outgoing,
    Permanent,
    ProviderError,
    Retryable,
    UnknownOutcome,
)

# smpplib logs whole PDUs in hex at DEBUG (numbers and texts): keep its logger at WARNING.
LOGGER = "passerelle.smpp"
STATUS = "accepted"  # submit_sm_resp only says the SMSC took the message
E164 = re.compile(r"\+[1-9]\d{6,14}")
BROKEN = (exceptions.ConnectionError, exceptions.PDUError, exceptions.UnknownCommandError, OSError)
AUTH_REFUSED = {consts.SMPP_ESME_RINVPASWD, consts.SMPP_ESME_RINVSYSID}
# SMSC answers that mean "not now": the message was not taken, sending again is safe.
TRANSIENT = {
    consts.SMPP_ESME_RTHROTTLED,
    consts.SMPP_ESME_RMSGQFUL,
    consts.SMPP_ESME_RSYSERR,
}


def _address(number: str) -> tuple[int, int, str]:
    """(TON, NPI, digits) of an E.164 number, a short code or an alphanumeric sender."""
    if number.startswith("+") and number[1:].isdigit():
        return consts.SMPP_TON_INTL, consts.SMPP_NPI_ISDN, number[1:]
    if number.isdigit():
        return consts.SMPP_TON_UNK, consts.SMPP_NPI_ISDN, number
    return consts.SMPP_TON_ALNUM, consts.SMPP_NPI_UNK, number


def _status_error(status: int) -> ProviderError:
    reason = f"smpp_{status:#04x}"
    return Retryable(reason) if status in TRANSIENT else Permanent(reason)


class SmppProvider:
    """Binds as a transmitter once and reuses the connection; binds again after a failure.

    Every text goes out as UCS-2 (data_coding 0x08), split with a UDH when longer than
    70 characters; the id returned is the SMSC's message_id for the first part.
    """

    name = "smpp"
    can_find = False

    def __init__(
        self,
        host: str,
        port: int,
        system_id: str,
        password: str,
        source_addr: str,
        *,
        timeout: float = 10.0,
    ) -> None:
        self._host, self._port, self._timeout = host, port, timeout
        self._system_id, self._password = system_id, password
        self._source = _address(source_addr)
        self._client: Client | None = None
        self._lock = threading.Lock()  # one conversation at a time on the connection
        logging.getLogger(LOGGER).setLevel(logging.WARNING)

    async def send(self, message: Outgoing) -> Accepted:
        """Submit every part of the message; the first part's SMSC id identifies it."""
        if not E164.fullmatch(message.to):
            raise Permanent("smpp_invalid_number")
        try:
            parts, coding, esm_class = gsm.make_parts(
                message.body, encoding=consts.SMPP_ENCODING_ISO10646
            )
        except exceptions.MessageTooLong as exc:
            raise Permanent("smpp_too_long") from exc
        return await asyncio.to_thread(self._send, message.to, parts, coding, esm_class)

    def _send(self, to: str, parts: list[bytes], coding: int, esm_class: int) -> Accepted:
        with self._lock:
            client = self._ready()
            ids: list[str] = []
            for part in parts:
                fields = self._fields(to, part, coding, esm_class)
                try:
                    ids.append(self._submit(client, fields))
                except ProviderError as exc:
                    if ids:  # the person already has part of it: resending would repeat that
                        raise UnknownOutcome("smpp_partial_submit") from exc
                    raise
        return Accepted(ids[0], STATUS)

    def _fields(self, to: str, part: bytes, coding: int, esm_class: int) -> dict[str, Any]:
        source_ton, source_npi, source = self._source
        dest_ton, dest_npi, dest = _address(to)
        return {
            "source_addr_ton": source_ton,
            "source_addr_npi": source_npi,
            "source_addr": source,
            "dest_addr_ton": dest_ton,
            "dest_addr_npi": dest_npi,
            "destination_addr": dest,
            "short_message": part,
            "data_coding": coding,
            "esm_class": esm_class,
        }

    def _ready(self) -> Client:
        """A bound client: the current one if it still answers, else a new connection."""
        if self._client is not None and not self._alive(self._client):
            self._drop()
        if self._client is None:
            self._client = self._bind()
        return self._client

    def _bind(self) -> Client:
        client = Client(
            self._host,
            self._port,
            timeout=self._timeout,
            logger_name=LOGGER,
            allow_unknown_opt_params=True,
        )
        try:
            client.connect()
            client.bind_transmitter(system_id=self._system_id, password=self._password)
        except exceptions.PDUError as exc:
            client.disconnect()
            status = exc.args[1] if len(exc.args) > 1 else None
            if status in AUTH_REFUSED:
                raise Permanent("smpp_auth") from exc
            raise Retryable("smpp_bind_refused") from exc
        except BROKEN as exc:
            client.disconnect()
            raise Retryable("smpp_unreachable") from exc
        return client

    def _alive(self, client: Client) -> bool:
        # The SMSC may have closed an idle connection: probe before submitting anything.
        try:
            probe = smpp.make_pdu("enquire_link", client=client)
            client.send_pdu(probe)
            self._response(client, probe.sequence, "enquire_link_resp")
        except BROKEN:
            return False
        return True

    def _submit(self, client: Client, fields: dict[str, Any]) -> str:
        pdu = smpp.make_pdu("submit_sm", client=client, **fields)
        try:
            client.send_pdu(pdu)
            resp = self._response(client, pdu.sequence, "submit_sm_resp")
        except BROKEN as exc:
            self._drop()
            raise UnknownOutcome("smpp_no_answer") from exc
        if resp.command == "generic_nack" or resp.status != consts.SMPP_ESME_ROK:
            raise _status_error(int(resp.status or consts.SMPP_ESME_RSYSERR))
        message_id = resp.message_id
        return message_id.decode("ascii") if isinstance(message_id, bytes) else str(message_id)

    def _response(self, client: Client, sequence: int, command: str) -> Any:
        """Read until the answer to `sequence` (or its generic_nack), answering keep-alives."""
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            pdu = client.read_pdu()
            if pdu.command == "enquire_link":
                answer = smpp.make_pdu("enquire_link_resp", client=client)
                answer.sequence = pdu.sequence
                client.send_pdu(answer)
            elif pdu.command == "unbind":
                raise exceptions.ConnectionError("unbound by the SMSC")
            elif pdu.sequence == sequence and pdu.command in (command, "generic_nack"):
                return pdu
        raise TimeoutError(command)

    def _drop(self) -> None:
        if self._client is not None:
            self._client.disconnect()
        self._client = None

    async def find(self, reference: str) -> Found | None:
        """SMPP cannot look a message up by our reference."""
        return None

    async def close(self) -> None:
        """Unbind and disconnect."""
        await asyncio.to_thread(self._close)

    def _close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
            if client is None:
                return
            with contextlib.suppress(*BROKEN):  # closing anyway
                client.unbind()
            client.disconnect()
