"""Phone numbers: any common French or international format in, E.164 out, or a clear refusal."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "FR"


class InvalidPhone(ValueError):
    """The text is not a phone number that can exist."""


def to_e164(raw: str, region: str = DEFAULT_REGION) -> str:
    """'06 12 34 56 78', '+33 6 12 34 56 78', '0033612345678' -> '+33612345678'."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("no such phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
