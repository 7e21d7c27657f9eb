"""Free text about a person (notes, task titles, appointment places, reasons) is written
encrypted with the person's own key, fetched from intake's key store (reading it back:
queries/sealing.py)."""

from __future__ import annotations

from services.casework.queries.sealing import KEY_STORE_AWAY
from shared.crypto import encrypt_field
from shared.keystore import KeyStoreClient, KeyStoreUnavailable, PersonKeyGone
from shared.web import Gone, Unavailable


async def seal(keys: KeyStoreClient, person_id: str, text: str, aad: str) -> str:
    """The text encrypted for the person; 410 once they are erased, 503 if the key store is
    away (nothing is written in clear instead)."""
    try:
        key = await keys.key(person_id)
    except PersonKeyGone as exc:
        raise Gone("This person was erased: nothing more can be written about them.") from exc
    except KeyStoreUnavailable as exc:
        raise Unavailable(KEY_STORE_AWAY) from exc
    return encrypt_field(key, text, aad=aad)
