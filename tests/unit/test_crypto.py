"""Field encryption and data-key wrapping."""

from __future__ import annotations

import base64

import pytest

from shared.crypto import (
    CryptoError,
    MasterKey,
    MasterKeyRing,
    decrypt_field,
    encrypt_field,
    generate_key,
    is_encrypted,
    key_id_of,
)

NAME = "Zyxwvu Canary-Name"


def test_generated_keys_are_32_random_bytes() -> None:
    first, second = generate_key(), generate_key()
    assert len(first) == 32
    assert first != second


def test_field_round_trips_and_hides_the_plaintext() -> None:
    key = generate_key()
    token = encrypt_field(key, NAME, aad="person:p-1:name")
    assert token.startswith("enc:v1:")
    assert token.isascii()
    assert NAME not in token
    assert "Zyxwvu" not in token
    assert decrypt_field(key, token, aad="person:p-1:name") == NAME


def test_same_plaintext_encrypts_differently_each_time() -> None:
    key = generate_key()
    assert encrypt_field(key, NAME, aad="a") != encrypt_field(key, NAME, aad="a")


def test_unicode_and_empty_values_round_trip() -> None:
    key = generate_key()
    for value in ("", "Émilie Ñúñez 李小龍 ☎"):
        assert decrypt_field(key, encrypt_field(key, value, aad="x"), aad="x") == value


def test_wrong_aad_fails() -> None:
    key = generate_key()
    token = encrypt_field(key, NAME, aad="person:p-1:name")
    with pytest.raises(CryptoError):
        decrypt_field(key, token, aad="person:p-2:name")


def test_wrong_key_fails() -> None:
    token = encrypt_field(generate_key(), NAME, aad="a")
    with pytest.raises(CryptoError):
        decrypt_field(generate_key(), token, aad="a")


def test_tampered_ciphertext_fails() -> None:
    key = generate_key()
    token = encrypt_field(key, NAME, aad="a")
    raw = bytearray(base64.urlsafe_b64decode(token[len("enc:v1:") :] + "=="))
    raw[15] ^= 0x01
    tampered = "enc:v1:" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(CryptoError):
        decrypt_field(key, tampered, aad="a")


@pytest.mark.parametrize(
    "token",
    ["Zyxwvu", "enc:v1:", "enc:v1:!!!!", "enc:v1:AAAA", "enc:v2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
)
def test_malformed_tokens_raise_crypto_error(token: str) -> None:
    with pytest.raises(CryptoError):
        decrypt_field(generate_key(), token, aad="a")


def test_error_messages_never_contain_plaintext_or_key() -> None:
    key = generate_key()
    token = encrypt_field(key, NAME, aad="a")
    with pytest.raises(CryptoError) as caught:
        decrypt_field(key, token, aad="b")
    assert "Zyxwvu" not in str(caught.value)
    assert key.hex() not in str(caught.value)


def test_bad_data_key_length_is_rejected() -> None:
    with pytest.raises(CryptoError):
        encrypt_field(b"short", NAME, aad="a")


def test_is_encrypted() -> None:
    assert is_encrypted(encrypt_field(generate_key(), NAME, aad="a"))
    assert is_encrypted("enc:v2:whatever")
    assert not is_encrypted(NAME)
    assert not is_encrypted("encrypted: no")


def test_wrap_unwrap_round_trip_with_key_id_prefix() -> None:
    master = MasterKey(generate_key(), key_id="k1")
    data_key = generate_key()
    wrapped = master.wrap(data_key, "person-1")
    assert wrapped.startswith(b"k1")
    assert data_key not in wrapped
    assert key_id_of(wrapped) == "k1"
    assert master.unwrap(wrapped, "person-1") == data_key


def test_unwrap_for_another_subject_fails() -> None:
    master = MasterKey(generate_key())
    wrapped = master.wrap(generate_key(), "person-1")
    with pytest.raises(CryptoError):
        master.unwrap(wrapped, "person-2")


def test_unwrap_with_another_master_key_fails() -> None:
    wrapped = MasterKey(generate_key()).wrap(generate_key(), "person-1")
    with pytest.raises(CryptoError):
        MasterKey(generate_key()).unwrap(wrapped, "person-1")


def test_tampered_wrapped_key_fails() -> None:
    master = MasterKey(generate_key())
    wrapped = bytearray(master.wrap(generate_key(), "person-1"))
    wrapped[-1] ^= 0x80
    with pytest.raises(CryptoError):
        master.unwrap(bytes(wrapped), "person-1")


def test_relabelled_key_id_fails() -> None:
    raw = generate_key()
    wrapped = MasterKey(raw, key_id="k1").wrap(generate_key(), "person-1")
    with pytest.raises(CryptoError):
        MasterKey(raw, key_id="k2").unwrap(b"k2" + wrapped[2:], "person-1")


def test_master_key_from_base64_matches_raw_key() -> None:
    raw = generate_key()
    data_key = generate_key()
    wrapped = MasterKey(raw).wrap(data_key, "s")
    assert MasterKey.from_b64(base64.b64encode(raw).decode()).unwrap(wrapped, "s") == data_key
    assert (
        MasterKey.from_b64(base64.urlsafe_b64encode(raw).decode()).unwrap(wrapped, "s") == data_key
    )


@pytest.mark.parametrize("text", ["not base64 at all!", base64.b64encode(b"short").decode()])
def test_master_key_from_bad_base64_is_rejected(text: str) -> None:
    with pytest.raises(CryptoError):
        MasterKey.from_b64(text)


def test_master_key_repr_hides_the_key() -> None:
    raw = generate_key()
    text = repr(MasterKey(raw))
    assert raw.hex() not in text
    assert base64.b64encode(raw).decode() not in text
    assert "k1" in text


def test_key_ring_unwraps_old_keys_and_wraps_with_current() -> None:
    old, new = MasterKey(generate_key(), key_id="k1"), MasterKey(generate_key(), key_id="k2")
    data_key = generate_key()
    wrapped_old = old.wrap(data_key, "p")
    ring = MasterKeyRing(new, old)
    assert ring.unwrap(wrapped_old, "p") == data_key
    assert ring.needs_rewrap(wrapped_old)
    rewrapped = ring.wrap(ring.unwrap(wrapped_old, "p"), "p")
    assert key_id_of(rewrapped) == "k2"
    assert not ring.needs_rewrap(rewrapped)
    with pytest.raises(CryptoError):
        MasterKeyRing(new).unwrap(wrapped_old, "p")
