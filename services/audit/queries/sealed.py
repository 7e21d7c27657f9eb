"""Opening a person's sealed fields for auditors, with their key from intake's key store:
`[erased]` once the key is gone, a 503 while the key store is away (never a guess)."""

from __future__ import annotations

from collections.abc import Iterable

from services.audit.domain.timeline import Decrypt
from shared.crypto import CryptoError, decrypt_field
from shared.keystore import KeyStoreClient, KeyStoreUnavailable, PersonKeyGone
from shared.web import Unavailable

KEY_STORE_AWAY = "The key store does not answer; try again shortly."


async def person_keys(keys: KeyStoreClient, persons: Iterable[str]) -> dict[str, bytes | None]:
    """Each person's data key, None for a person erased; asked of the key store each time
    (a key cached from before an erasure must never open a name after it)."""
    found: dict[str, bytes | None] = {}
    for person_id in sorted(set(persons)):
        keys.forget(person_id)
        try:
            found[person_id] = await keys.key(person_id)
        except PersonKeyGone:
            found[person_id] = None
        except KeyStoreUnavailable as exc:
            raise Unavailable(KEY_STORE_AWAY) from exc
    return found


def opener(found: dict[str, bytes | None]) -> Decrypt:
    """Opens one field with its person's key (None when the key is gone or does not fit)."""

    def decrypt(person_id: str, token: str, aad: str) -> str | None:
        key = found.get(person_id)
        if key is None:
            return None
        try:
            return decrypt_field(key, token, aad=aad)
        except CryptoError:
            return None

    return decrypt
