"""Notifications' own keys: a keyed hash of phone numbers and a key for answers to numbers."""

from __future__ import annotations

from shared.crypto import MasterKey, blind_index, decrypt_field, encrypt_field


class Secrets:
    """Notifications' own keys: a keyed hash of phone numbers (to match a STOP to a number
    without storing numbers in clear) and a key for numbers answered outside any person."""

    def __init__(self, master: MasterKey) -> None:
        self._index = master.derive("phone-index")
        self._answers = master.derive("answers")

    def phone_index(self, e164: str) -> str:
        """A keyed hash of a phone number."""
        return blind_index(self._index, e164)

    def seal_number(self, e164: str, key: str) -> str:
        """A number, encrypted for one answer."""
        return encrypt_field(self._answers, e164, aad=f"answer:{key}")

    def open_number(self, token: str, key: str) -> str:
        """The number an answer goes to."""
        return decrypt_field(self._answers, token, aad=f"answer:{key}")
