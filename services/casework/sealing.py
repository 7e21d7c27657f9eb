"""Free text about a person (notes, task titles, appointment places) is kept encrypted with
the person's own key, fetched from intake's key store: erasing the key erases the text."""

from __future__ import annotations

from shared.crypto import CryptoError, decrypt_field, encrypt_field
from shared.keystore import KeyStoreClient, KeyStoreUnavailable, PersonKeyGone
from shared.web import Gone, Unavailable

ERASED = "[erased]"


async def seal(keys: KeyStoreClient, person_id: str, text: str, aad: str) -> str:
    """The text encrypted for the person; 410 once they are erased, 503 if the key store is
    away (nothing is written in clear instead)."""
    try:
        key = await keys.key(person_id)
    except PersonKeyGone as exc:
        raise Gone("This person was erased: nothing more can be written about them.") from exc
    except KeyStoreUnavailable as exc:
        raise Unavailable("The key store does not answer; try again shortly.") from exc
    return encrypt_field(key, text, aad=aad)


async def unseal(keys: KeyStoreClient, person_id: str, token: str, aad: str) -> str:
    """The text in clear, or `[erased]` once the person's key is gone."""
    if not token:
        return ERASED
    try:
        key = await keys.key(person_id)
    except PersonKeyGone:
        return ERASED
    except KeyStoreUnavailable as exc:
        raise Unavailable("The key store does not answer; try again shortly.") from exc
    try:
        return decrypt_field(key, token, aad=aad)
    except CryptoError:
        return ERASED
