"""SMS encodings and segment counts (3GPP TS 23.038 GSM 03.38 alphabet, UCS-2).

A message is GSM-7 when every character is in the basic table or its extension table (an
extension character costs two septets, an escape and the character); one other character
turns the whole message into UCS-2, counted in UTF-16 code units. A message longer than one
part is split with a user data header, which leaves 153 septets or 67 code units a part.
"""

from __future__ import annotations

from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# (units in a single part, units per part once split), by encoding.
_PART_SIZES: dict[Encoding, tuple[int, int]] = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


def encoding(text: str) -> Encoding:
    """GSM-7 if every character is in the GSM 03.38 tables, else UCS-2."""
    gsm = GSM7_BASIC | GSM7_EXTENSION
    return "GSM-7" if all(char in gsm for char in text) else "UCS-2"


def length(text: str) -> int:
    """Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2."""
    return sum(_units(text, encoding(text)))


def segments(text: str) -> int:
    """Parts the message is sent in: 0 for an empty text."""
    if not text:
        return 0
    kind = encoding(text)
    single, per_part = _PART_SIZES[kind]
    units = _units(text, kind)
    if sum(units) <= single:
        return 1
    # Handsets never split an escape pair or a surrogate pair across two parts.
    parts, used = 1, 0
    for unit in units:
        if used + unit > per_part:
            parts, used = parts + 1, 0
        used += unit
    return parts


def _units(text: str, kind: Encoding) -> list[int]:
    """The cost of each character of the text in the given encoding."""
    if kind == "GSM-7":
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]
