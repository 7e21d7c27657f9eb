"""AES-256-GCM field encryption with per-subject data keys wrapped by rotating master keys."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID_BYTES = 2
FIELD_PREFIX = "enc:v1:"
WRAPPED_KEY_BYTES = KEY_ID_BYTES + NONCE_BYTES + KEY_BYTES + TAG_BYTES

_KEY_ID_RE = re.compile(r"[A-Za-z0-9]{2}")
_ENCRYPTED_RE = re.compile(r"enc:v[0-9]+:")
_WRAP_AAD = b"passerelle:wrap:v1:"


class CryptoError(Exception):
    """A value cannot be encrypted or decrypted (wrong key, wrong context, tampered, malformed)."""


def generate_key() -> bytes:
    """Return a fresh random 256-bit key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def _check_key(key: bytes, what: str) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise CryptoError(f"{what} must be {KEY_BYTES} bytes")


class MasterKey:
    """A key-encryption key identified by a two-character id (e.g. "k1") for rotation."""

    __slots__ = ("_aead", "_key_id", "_secret")

    def __init__(self, key: bytes, *, key_id: str = "k1") -> None:
        _check_key(key, "master key")
        if not _KEY_ID_RE.fullmatch(key_id):
            raise CryptoError("key id must be two ASCII letters or digits")
        self._aead = AESGCM(key)
        self._key_id = key_id
        self._secret = key

    def derive(self, purpose: str) -> bytes:
        """A 32-byte key for one purpose (e.g. a blind index), derived with HKDF-SHA256."""
        info = b"passerelle:" + purpose.encode("utf-8")
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(self._secret)

    @classmethod
    def from_b64(cls, value: str, *, key_id: str = "k1") -> MasterKey:
        """Build a master key from its standard or URL-safe base64 text."""
        text = value.strip().replace("-", "+").replace("_", "/")
        try:
            raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise CryptoError("master key is not valid base64") from None
        return cls(raw, key_id=key_id)

    @property
    def key_id(self) -> str:
        """The id written in front of every key this master key wraps."""
        return self._key_id

    def __repr__(self) -> str:
        return f"MasterKey(key_id={self._key_id!r}, key=<hidden>)"

    def _aad(self, subject: str) -> bytes:
        return _WRAP_AAD + self._key_id.encode("ascii") + b":" + subject.encode("utf-8")

    def wrap(self, data_key: bytes, subject: str) -> bytes:
        """Encrypt a subject's data key, bound to the subject id: key id | nonce | ciphertext."""
        _check_key(data_key, "data key")
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, data_key, self._aad(subject))
        return self._key_id.encode("ascii") + nonce + sealed

    def unwrap(self, wrapped: bytes, subject: str) -> bytes:
        """Decrypt a data key wrapped by this master key for this subject."""
        if key_id_of(wrapped) != self._key_id:
            raise CryptoError("data key was wrapped by another master key")
        nonce = wrapped[KEY_ID_BYTES : KEY_ID_BYTES + NONCE_BYTES]
        try:
            return self._aead.decrypt(
                nonce, wrapped[KEY_ID_BYTES + NONCE_BYTES :], self._aad(subject)
            )
        except InvalidTag:
            raise CryptoError("cannot unwrap data key") from None


def key_id_of(wrapped: bytes) -> str:
    """Return the id of the master key that wrapped this data key."""
    if not isinstance(wrapped, bytes) or len(wrapped) != WRAPPED_KEY_BYTES:
        raise CryptoError("malformed wrapped key")
    try:
        return wrapped[:KEY_ID_BYTES].decode("ascii")
    except UnicodeDecodeError:
        raise CryptoError("malformed wrapped key") from None


class MasterKeyRing:
    """The current master key (wraps) and older ones (still unwrap) during a rotation."""

    def __init__(self, current: MasterKey, *previous: MasterKey) -> None:
        self.current = current
        self._keys = {key.key_id: key for key in (*previous, current)}
        if len(self._keys) != len(previous) + 1:
            raise CryptoError("master key ids must be unique")

    def wrap(self, data_key: bytes, subject: str) -> bytes:
        """Wrap with the current master key."""
        return self.current.wrap(data_key, subject)

    def unwrap(self, wrapped: bytes, subject: str) -> bytes:
        """Unwrap with whichever known master key wrapped it."""
        key = self._keys.get(key_id_of(wrapped))
        if key is None:
            raise CryptoError("data key was wrapped by an unknown master key")
        return key.unwrap(wrapped, subject)

    def needs_rewrap(self, wrapped: bytes) -> bool:
        """Tell whether this wrapped key still uses an older master key."""
        return key_id_of(wrapped) != self.current.key_id


def encrypt_field(data_key: bytes, plaintext: str, *, aad: str) -> str:
    """Encrypt a text field into an ASCII token "enc:v1:<base64url(nonce|ciphertext)>"."""
    _check_key(data_key, "data key")
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(data_key).encrypt(nonce, plaintext.encode("utf-8"), aad.encode("utf-8"))
    return FIELD_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")


def decrypt_field(data_key: bytes, token: str, *, aad: str) -> str:
    """Decrypt a token made by encrypt_field with the same key and associated data."""
    _check_key(data_key, "data key")
    if not token.startswith(FIELD_PREFIX):
        raise CryptoError("not an enc:v1 token")
    body = token[len(FIELD_PREFIX) :]
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise CryptoError("malformed encrypted field") from None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise CryptoError("malformed encrypted field")
    try:
        clear = AESGCM(data_key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad.encode())
    except InvalidTag:
        raise CryptoError("cannot decrypt field") from None
    return clear.decode("utf-8")


def blind_index(key: bytes, value: str) -> str:
    """A keyed hash to find equal values without storing them: HMAC-SHA256, hex."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def is_encrypted(value: str) -> bool:
    """Tell whether a value is an encrypted-field token (of any version)."""
    return _ENCRYPTED_RE.match(value) is not None
