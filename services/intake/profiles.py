"""A person's personal details, kept as one document encrypted with their own key."""

from __future__ import annotations

import json
from typing import Any

from services.intake.models import Person
from services.intake.schemas import PersonCreate, PersonPublic
from shared.crypto import decrypt_field, encrypt_field
from shared.events.intake import language_aad, phone_aad

PROFILE_FIELDS = (
    "other_names",
    "languages",
    "phone",
    "birth_date",
    "birth_year",
    "nationality",
    "administrative_situation",
)


# each kind of field is bound to its person and its purpose by the associated data, so a
# ciphertext cannot be moved to another person or field unnoticed


def seal_name(data_key: bytes, person_id: str, name: str) -> str:
    """The chosen name, encrypted for the person."""
    return encrypt_field(data_key, name, aad=person_id)


def unseal_name(data_key: bytes, person_id: str, token: str) -> str:
    """The chosen name in clear (inside intake's process only)."""
    return decrypt_field(data_key, token, aad=person_id)


def seal_phone(data_key: bytes, person_id: str, phone: str) -> str:
    """A phone number, encrypted for the person (as it travels in events)."""
    return encrypt_field(data_key, phone, aad=phone_aad(person_id))


def seal_language(data_key: bytes, person_id: str, language: str | None) -> str | None:
    """A preferred language, encrypted for the person (as it travels in events)."""
    if language is None:
        return None
    return encrypt_field(data_key, language, aad=language_aad(person_id))


def seal(data_key: bytes, person_id: str, command: PersonCreate) -> str:
    """The optional details of a registration, encrypted for the person."""
    document = command.model_dump(mode="json", include=set(PROFILE_FIELDS))
    return encrypt_field(data_key, json.dumps(document), aad=f"{person_id}:profile")


def unseal(data_key: bytes, person_id: str, profile_enc: str | None) -> dict[str, Any]:
    """A person's details in clear (inside intake's process only)."""
    if profile_enc is None:
        return {}
    return dict(json.loads(decrypt_field(data_key, profile_enc, aad=f"{person_id}:profile")))


def public(person: Person, chosen_name: str, details: dict[str, Any]) -> PersonPublic:
    """The person as their organisation's staff see them."""
    return PersonPublic(
        id=person.id,
        organisation_id=person.organisation_id,
        chosen_name=chosen_name,
        preferred_language=person.preferred_language,
        sms_consent=person.sms_consent,
        timezone=person.timezone,
        registered_at=person.registered_at,
        merged_into=person.merged_into,
        **details,
    )
