"""A person's personal details, kept as one document encrypted with their own key.

Pure computation: the data key is handed in; nothing is read or written here."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

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


def seal(data_key: bytes, person_id: str, command: BaseModel) -> str:
    """The optional details of a registration (or its update), encrypted for the person."""
    document = command.model_dump(mode="json", include=set(PROFILE_FIELDS))
    return encrypt_field(data_key, json.dumps(document), aad=f"{person_id}:profile")


def unseal(data_key: bytes, person_id: str, profile_enc: str | None) -> dict[str, Any]:
    """A person's details in clear (inside intake's process only)."""
    if profile_enc is None:
        return {}
    return dict(json.loads(decrypt_field(data_key, profile_enc, aad=f"{person_id}:profile")))


def birth_year(details: dict[str, Any]) -> int | None:
    """The year of birth the details give, or that of the birth date."""
    year = details.get("birth_year")
    if year:
        return int(year)
    born = details.get("birth_date")
    return int(born[:4]) if born else None
