"""Reading free text about a person (notes, task titles, appointment places, reasons), kept
encrypted with the person's own key from intake's key store: erasing the key erases the text."""

from __future__ import annotations

from shared.crypto import CryptoError, decrypt_field
from shared.keystore import KeyStoreClient, KeyStoreUnavailable, PersonKeyGone
from shared.web import Unavailable

ERASED = "[erased]"
KEY_STORE_AWAY = "The key store does not answer; try again shortly."


async def unseal(keys: KeyStoreClient, person_id: str, token: str, aad: str) -> str:
    """The text in clear, or `[erased]` once the person's key is gone."""
    if not token:
        return ERASED
    try:
        key = await keys.key(person_id)
    except PersonKeyGone:
        return ERASED
    except KeyStoreUnavailable as exc:
        raise Unavailable(KEY_STORE_AWAY) from exc
    try:
        return decrypt_field(key, token, aad=aad)
    except CryptoError:
        return ERASED
