"""A person's timeline across services, as audit folds it from envelopes built with the real
contracts: in time order whatever order they came in, names and places in clear while the
person's key exists, `[erased]` after, and other personal text never shown."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from services.audit.domain.timeline import ERASED, Decrypt, persons_named, timeline
from shared.crypto import CryptoError, decrypt_field, encrypt_field, generate_key
from shared.events import casework, intake, notifications
from tests.unit.test_audit_asof import History

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PERSON, CASE = "person-1", "case-1"
KEY = generate_key()


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def journey() -> History:
    history = History()
    history.add(
        intake.PersonRegistered(
            person_id=PERSON,
            organisation_id="city",
            chosen_name=encrypt_field(KEY, "Amina", aad=PERSON),
            phone=encrypt_field(KEY, "+33612345678", aad=intake.phone_aad(PERSON)),
            registered_at=at(0),
        ),
        at(0),
        org="city",
    )
    history.add(
        casework.CaseOpened(
            case_id=CASE,
            person_id=PERSON,
            organisation_id="cimade",
            service="legal_support",
            opened_at=at(5),
            case_type="asylum_normal",
        ),
        at(5),
        actor="bob",
        org="cimade",
    )
    history.add(
        casework.NoteAdded(
            case_id=CASE,
            note_id="n-1",
            organisation_id="cimade",
            text=encrypt_field(KEY, "confidential", aad=f"{CASE}:note:n-1"),
            added_at=at(5),
        ),
        at(5),
        actor="bob",
        org="cimade",
    )
    history.add(
        casework.AppointmentScheduled(
            case_id=CASE,
            appointment_id="a-1",
            person_id=PERSON,
            organisation_id="cimade",
            kind="prefecture",
            revision=1,
            starts_at=at(60 * 24),
            timezone="Europe/Paris",
            place=encrypt_field(KEY, "Préfecture, guichet 3", aad=casework.place_aad(CASE, "a-1")),
        ),
        at(5),
        actor="bob",
        org="cimade",
    )
    history.add(
        notifications.ReminderPlanned(
            appointment_id="a-1",
            person_id=PERSON,
            kind="day_before",
            revision=1,
            due_at=at(60 * 6),
            deferred=False,
        ),
        at(5),
        actor="service:notifications",
        org="passerelle",
    )
    return history


def opener(key: bytes | None) -> Decrypt:
    """Opens a field with `key`, as audit's query does with the person's key (None: gone)."""

    def decrypt(person_id: str, token: str, aad: str) -> str | None:
        assert person_id == PERSON
        if key is None:
            return None
        try:
            return decrypt_field(key, token, aad=aad)
        except CryptoError:
            return None

    return decrypt


def test_events_from_every_source_in_time_order_ties_by_source_then_sequence() -> None:
    history = journey()
    entries = timeline(reversed(history.events), opener(KEY))
    assert [(e.source, e.seq, e.type) for e in entries] == [
        ("intake", 1, "intake.person_registered.v1"),
        ("casework", 1, "casework.case_opened.v1"),
        ("casework", 2, "casework.note_added.v1"),
        ("casework", 3, "casework.appointment_scheduled.v1"),
        ("notifications", 1, "notifications.reminder_planned.v1"),
    ]
    assert [(e.actor, e.actororg) for e in entries[:2]] == [("alice", "city"), ("bob", "cimade")]
    assert entries[1].time == at(5)
    assert entries[1].data["organisation_id"] == "cimade"


def test_names_and_places_in_clear_while_the_key_exists_other_personal_text_never() -> None:
    entries = timeline(journey().events, opener(KEY))
    registered, _, note, scheduled, _ = entries
    assert registered.data["chosen_name"] == "Amina"
    assert "phone" not in registered.data
    assert "text" not in note.data
    assert scheduled.data["place"] == "Préfecture, guichet 3"
    shown = json.dumps([e.data for e in entries], default=str)
    assert "enc:v1:" not in shown
    assert "+33612345678" not in shown
    assert "confidential" not in shown


def test_erased_once_the_key_is_gone_or_without_a_decrypter() -> None:
    for decrypt in (opener(None), None):
        registered, *_, scheduled, _ = timeline(journey().events, decrypt)
        assert registered.data["chosen_name"] == ERASED
        assert scheduled.data["place"] == ERASED
        assert registered.data["person_id"] == PERSON  # ids stay, for statistics and audit


def test_a_ciphertext_of_another_key_reads_as_erased() -> None:
    entries = timeline(journey().events, opener(generate_key()))
    assert entries[0].data["chosen_name"] == ERASED


def test_the_persons_whose_keys_open_the_readable_fields() -> None:
    assert persons_named(journey().events) == {PERSON}
