"""Duplicate suggestions: same phone, or similar names with compatible birth years.

Pure rules (no I/O): a suggestion carries a score and its reasons, and is never a merge.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from anyascii import anyascii
from rapidfuzz import fuzz

NAME_THRESHOLD = 0.85
"""Names at least this similar (0..1) are worth a look."""

BIRTH_YEAR_TOLERANCE = 2
"""Declared birth years are often approximate; further apart than this, not the same person."""


@dataclass(frozen=True)
class Profile:
    """What matching needs of a person: plaintext stays inside intake's process."""

    person_id: str
    names: tuple[str, ...]
    phone_e164: str | None = None
    birth_year: int | None = None


@dataclass(frozen=True)
class Suggestion:
    """A possible duplicate, with how sure (0..1) and why."""

    person_id: str
    score: float
    reasons: tuple[str, ...]


def name_tokens(name: str) -> list[str]:
    """The words of a name in ASCII lower case, accents dropped and other scripts transliterated."""
    ascii_name = anyascii(unicodedata.normalize("NFKC", name)).casefold()
    return re.findall(r"[a-z0-9]+", ascii_name)


def name_key(name: str) -> str:
    """Case-, accent-, order- and script-insensitive form of a name: sorted ASCII tokens."""
    return " ".join(sorted(name_tokens(name)))


def name_similarity(a: str, b: str) -> float:
    """How alike two names are (0..1), whatever their case, accents, order or script."""
    return fuzz.token_sort_ratio(name_key(a), name_key(b)) / 100


def birth_years_compatible(a: int | None, b: int | None) -> bool | None:
    """True or False when both are known; None when either is unknown."""
    if a is None or b is None:
        return None
    return abs(a - b) <= BIRTH_YEAR_TOLERANCE


def suggest(candidate: Profile, others: Iterable[Profile]) -> list[Suggestion]:
    """Possible duplicates of `candidate` among `others`, best first."""
    found = [s for other in others if (s := _compare(candidate, other)) is not None]
    return sorted(found, key=lambda s: (-s.score, s.person_id))


def _compare(candidate: Profile, other: Profile) -> Suggestion | None:
    if other.person_id == candidate.person_id:
        return None
    reasons: list[str] = []
    score = 0.0
    if candidate.phone_e164 and candidate.phone_e164 == other.phone_e164:
        reasons.append("same phone")
        score = 0.9
    similarity = max(
        (name_similarity(a, b) for a in candidate.names for b in other.names), default=0.0
    )
    years = birth_years_compatible(candidate.birth_year, other.birth_year)
    if similarity >= NAME_THRESHOLD and years is not False:
        reasons.append(f"similar name ({similarity:.2f})")
        score = max(score, similarity * (0.9 if years else 0.75))
        if years:
            reasons.append("compatible birth years")
        if "same phone" in reasons:
            score = min(1.0, score + 0.1)
    return Suggestion(other.person_id, round(score, 3), tuple(reasons)) if reasons else None
