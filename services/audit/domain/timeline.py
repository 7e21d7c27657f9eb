"""A timeline across services, without I/O: the events about one person (or one case) from
every source, in the order they happened, each with who did it and for which organisation.

What an event says in clear (ids, dates, statuses) is shown as it travelled. Of its personal
fields, those an auditor may read (a person's chosen name, an appointment's place) are shown
in clear while the person's key exists, `[erased]` once it is gone; every other ciphertext
(notes, reasons, phone numbers, compositions) is left out, as casework's own timeline does.
Decrypting is the caller's: it passes a function that opens one field with the person's key."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.audit.domain.asof import Recorded, in_order
from shared.events.casework import place_aad

ERASED = "[erased]"
ENCRYPTED_PREFIX = "enc:v1:"

Decrypt = Callable[[str, str, str], str | None]
"""(person id, ciphertext, associated data) -> the text, or None if it cannot be read (the
person's key is gone, or the ciphertext is not theirs)."""

_APPOINTMENTS = (
    "casework.appointment_scheduled.v1",
    "casework.appointment_rescheduled.v1",
    "casework.appointment_cancelled.v1",
    "casework.appointment_attended.v1",
    "casework.appointment_missed.v1",
)


def _name_aad(data: Mapping[str, Any]) -> str:
    return str(data.get("person_id", ""))


def _place_aad(data: Mapping[str, Any]) -> str:
    return place_aad(str(data.get("case_id", "")), str(data.get("appointment_id", "")))


READABLE: dict[tuple[str, str], Callable[[Mapping[str, Any]], str]] = {
    ("intake.person_registered.v1", "chosen_name"): _name_aad,
    ("intake.person_updated.v1", "chosen_name"): _name_aad,
    **{(kind, "place"): _place_aad for kind in _APPOINTMENTS},
}
"""The personal fields an auditor reads, by event type and field, and the associated data
each was sealed with (it binds the ciphertext to its person and purpose)."""


@dataclass(frozen=True)
class Entry:
    """One event of a timeline: what happened, when, who did it, and where it is recorded."""

    time: datetime
    source: str
    seq: int
    type: str
    subject: str
    actor: str | None
    actororg: str | None
    data: dict[str, Any]


def timeline(events: Iterable[Recorded], decrypt: Decrypt | None) -> list[Entry]:
    """The events oldest first (ties by source, then sequence), their readable personal
    fields opened with `decrypt` (`[erased]` without it or when it cannot)."""
    return [
        Entry(
            time=event.time,
            source=event.source,
            seq=event.seq,
            type=event.type,
            subject=event.subject,
            actor=event.actor,
            actororg=event.actororg,
            data=shown(event, decrypt),
        )
        for event in in_order(events)
    ]


def is_sealed(value: object) -> bool:
    """Whether a value is a personal field as it travels (an `enc:v1:` token)."""
    return isinstance(value, str) and value.startswith(ENCRYPTED_PREFIX)


def shown(event: Recorded, decrypt: Decrypt | None) -> dict[str, Any]:
    """The event's data as an auditor sees it: clear fields as they are, readable personal
    fields opened (or `[erased]`), other personal fields left out."""
    data: dict[str, Any] = {}
    for key, value in event.data.items():
        if not is_sealed(value):
            data[key] = value
            continue
        aad = READABLE.get((event.type, key))
        if aad is not None:
            data[key] = _opened(event.data, str(value), aad(event.data), decrypt)
    return data


def _opened(data: Mapping[str, Any], token: str, aad: str, decrypt: Decrypt | None) -> str:
    person_id = data.get("person_id")
    if decrypt is None or not isinstance(person_id, str):
        return ERASED
    text = decrypt(person_id, token, aad)
    return ERASED if text is None else text


def persons_named(events: Iterable[Recorded]) -> set[str]:
    """The persons whose keys open the readable fields of these events."""
    return {
        str(e.data["person_id"])
        for e in events
        if isinstance(e.data.get("person_id"), str)
        and any((e.type, key) in READABLE and is_sealed(v) for key, v in e.data.items())
    }
