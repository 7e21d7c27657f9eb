"""What an inbound SMS asks: STOP and its synonyms opt the number out, START opts it back
in; case, accents and surrounding words do not matter."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

STOP_WORDS = frozenset(
    {"STOP", "ARRET", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "CANCEL", "STOPP", "DESABONNER"}
)
START_WORDS = frozenset({"START", "UNSTOP"})
Intent = tuple[Literal["stop", "start"], str]
"""What an inbound SMS asks, and the word it used."""


def _words(body: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", body)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.findall(r"[A-Z]+", plain.upper())


def intent(body: str) -> Intent | None:
    """("stop", keyword) or ("start", keyword) for a body that asks it, else None. A stop word
    anywhere wins over a start word: when in doubt, send nothing."""
    words = _words(body)
    for word in words:
        if word in STOP_WORDS:
            return "stop", word
    for word in words:
        if word in START_WORDS:
            return "start", word
    return None
