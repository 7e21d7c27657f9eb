"""The household of a request, as intake composed it: read with the person's key (and each
registered member's own details with theirs), down to what priority and rooms need."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from services.housing.models import IntakeFacts
from shared.crypto import CryptoError, decrypt_field
from shared.keystore import KeyStoreClient, KeyStoreUnavailable, PersonKeyGone


def household_aad(person_id: str, household_id: str) -> str:
    """The associated data intake seals a household's parts with (its contract with housing,
    in shared/events/intake.py's HouseholdComposed)."""
    return f"{person_id}:household:{household_id}"


async def household_members(
    keys: KeyStoreClient, known: IntakeFacts | None, person_id: str, today: date
) -> tuple[list[dict[str, object]], str | None]:
    """The members' ages, sex and flags (the person first), and why not all is known, if so:
    the person alone when intake's composition cannot be read."""
    alone: list[dict[str, object]] = [_member(None, None, None, None)]
    if known is None or known.composition is None or known.household_id is None:
        return alone, "no_household"
    try:
        key = await keys.key(person_id)
        document = json.loads(
            decrypt_field(key, known.composition, aad=household_aad(person_id, known.household_id))
        )
    except PersonKeyGone:
        return alone, "person_erased"
    except KeyStoreUnavailable:
        return alone, "key_store_unavailable"
    except (CryptoError, ValueError):
        return alone, "composition_unreadable"
    members = [_member(None, None, document.get("flags"), today)]
    for entry in document.get("members", []):
        entry = await _own_details(keys, entry, known.household_id)
        members.append(
            _member(entry.get("birth_date"), entry.get("birth_year"), entry.get("flags"), today)
        )
    return members, None


async def _own_details(
    keys: KeyStoreClient, entry: dict[str, Any], household_id: str
) -> dict[str, Any]:
    sealed = entry.pop("sealed", None)
    if sealed is None or not entry.get("person_id"):
        return entry
    try:
        key = await keys.key(entry["person_id"])
        own = json.loads(
            decrypt_field(key, sealed, aad=household_aad(entry["person_id"], household_id))
        )
    except (PersonKeyGone, KeyStoreUnavailable, CryptoError, ValueError):
        return entry  # their details are not known: the member counts, of unknown age
    return {**entry, **own}


def _member(
    birth_date: str | None, birth_year: int | None, flags: dict[str, Any] | None, today: date | None
) -> dict[str, object]:
    age: int | None = None
    if today is not None and birth_date:
        born = date.fromisoformat(birth_date)
        age = today.year - born.year - int((today.month, today.day) < (born.month, born.day))
    elif today is not None and birth_year:
        age = today.year - int(birth_year)
    flags = flags or {}
    return {
        "age": age,
        "sex": "unknown",
        "pregnant": bool(flags.get("pregnant")),
        "health": bool(flags.get("health_condition") or flags.get("reduced_mobility")),
    }
