"""Blind-index keys of a person: what to find them by, without storing a name in clear.

Pure (no I/O): names become folded words (case, accents, script and order ignored), a
phonetic code per word, prefixes for part of a name, the E.164 phone, and the birth-year
band; each is then hashed with a service secret (HMAC-SHA256), its kind in the hash input.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum

import jellyfish

from services.intake.domain.matching import BIRTH_YEAR_TOLERANCE, name_tokens
from services.intake.domain.phones import InvalidPhone, to_e164

PREFIX_MIN, PREFIX_MAX = 3, 10
"""Part of a name: the first 3 to 10 letters of a word."""

BAND_YEARS = 5
"""Birth years are grouped in bands of five; a lookup also reads the neighbouring band."""

DIGEST_CHARS = 32
"""128 bits of HMAC-SHA256 in hex: collisions stay negligible at any city's scale."""

MAX_QUERY_WORDS = 8


class Kind(StrEnum):
    """What a blind-index row stands for; part of the hash input, so kinds never collide."""

    PHONE = "phone"
    NAME = "name"  # every word of one name, sorted
    SOUND = "sound"  # the phonetic codes of one name, sorted
    WORD = "word"
    WORD_SOUND = "word_sound"
    PREFIX = "prefix"
    WORD_YEARS = "word_years"  # a word within a birth-year band


class Rank(IntEnum):
    """How well a search word matched; a result is as good as its weakest word."""

    PREFIX = 1
    PHONETIC = 2
    EXACT = 3


Term = tuple[Kind, str]


class InvalidQuery(ValueError):
    """The search text cannot be searched for (the message says why)."""


class Blinder:
    """Keyed hashes of terms: equal terms give equal digests, and nothing else can be read."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the index key must be at least 16 bytes")
        self._key = key

    def digest(self, term: Term) -> str:
        """HMAC-SHA256 of the kind and value, truncated to DIGEST_CHARS hex characters."""
        kind, value = term
        message = f"{kind.value}\x1f{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:DIGEST_CHARS]

    def __repr__(self) -> str:
        return "Blinder(key=<hidden>)"


def sound(word: str) -> str:
    """The word's phonetic code (Metaphone): 'Mohamed', 'Muhammad' and 'Mohammed' agree, and
    so do 'Mariam' and 'Maryam' (a y inside a word is read as the i it transliterates)."""
    if not word.isalpha():
        return word
    return str(jellyfish.metaphone(word[:1] + word[1:].replace("y", "i")))


def year_band(year: int) -> int:
    """The band of five birth years a year falls in."""
    return year // BAND_YEARS


def compatible_bands(year: int) -> set[int]:
    """The bands holding every birth year compatible with `year` (its own and a neighbour)."""
    return {year_band(year - BIRTH_YEAR_TOLERANCE), year_band(year + BIRTH_YEAR_TOLERANCE)}


def prefixes(word: str) -> list[str]:
    """The word's beginnings that a search for part of it may type (not the whole word)."""
    return [word[:n] for n in range(PREFIX_MIN, min(len(word) - 1, PREFIX_MAX) + 1)]


def indexed_terms(names: Iterable[str], phone: str | None, birth_year: int | None) -> set[Term]:
    """Every term a person is found by: their names' keys, phone and birth-year band."""
    terms: set[Term] = {(Kind.PHONE, phone)} if phone else set()
    for name in names:
        words = name_tokens(name)
        if not words:
            continue
        terms |= {(Kind.NAME, " ".join(sorted(words))), (Kind.SOUND, _sounds(words))}
        for word in words:
            terms.add((Kind.WORD, word))
            terms |= {(Kind.PREFIX, prefix) for prefix in prefixes(word)}
            if len(code := sound(word)) >= 2:
                terms.add((Kind.WORD_SOUND, code))
            if birth_year is not None:
                terms.add((Kind.WORD_YEARS, f"{word}|{year_band(birth_year)}"))
    return terms


DUPLICATE_WEIGHTS = {
    Kind.PHONE: 100,
    Kind.NAME: 50,
    Kind.SOUND: 40,
    Kind.WORD_YEARS: 10,
    Kind.WORD: 3,
}
"""How much a shared term says two records are one person; only the best few are compared."""


def duplicate_probes(
    names: Iterable[str], phone: str | None, birth_year: int | None
) -> dict[Term, int]:
    """The terms a possible duplicate shares with this person, with their weights."""
    probes: dict[Term, int] = {(Kind.PHONE, phone): DUPLICATE_WEIGHTS[Kind.PHONE]} if phone else {}
    for name in names:
        words = name_tokens(name)
        if not words:
            continue
        probes[(Kind.NAME, " ".join(sorted(words)))] = DUPLICATE_WEIGHTS[Kind.NAME]
        probes[(Kind.SOUND, _sounds(words))] = DUPLICATE_WEIGHTS[Kind.SOUND]
        for word in words:
            probes[(Kind.WORD, word)] = DUPLICATE_WEIGHTS[Kind.WORD]
            for band in compatible_bands(birth_year) if birth_year is not None else ():
                probes[(Kind.WORD_YEARS, f"{word}|{band}")] = DUPLICATE_WEIGHTS[Kind.WORD_YEARS]
    return probes


@dataclass(frozen=True)
class Probe:
    """A term to look up for one word of a search, and how good a match through it is."""

    term: Term
    rank: Rank


@dataclass(frozen=True)
class Query:
    """A parsed search: a person must match every group (one per word, or the phone)."""

    groups: tuple[tuple[Probe, ...], ...]
    phone: bool = False


_PHONE_LIKE = re.compile(r"[0-9\s().+\-/]+")


def parse_query(text: str) -> Query:
    """A search for a name, part of a name, or a phone number in any common format."""
    digits = sum(c.isdigit() for c in text)
    if _PHONE_LIKE.fullmatch(text.strip()) and digits >= 6:
        try:
            phone = to_e164(text)
        except InvalidPhone as exc:
            raise InvalidQuery(f"q looks like a phone number but is not one: {exc}") from None
        return Query(((Probe((Kind.PHONE, phone), Rank.EXACT),),), phone=True)
    words = list(dict.fromkeys(name_tokens(text)))[:MAX_QUERY_WORDS]
    if not words:
        raise InvalidQuery("q has no letter or digit to search for")
    return Query(tuple(_word_probes(word) for word in words))


def _word_probes(word: str) -> tuple[Probe, ...]:
    probes = [Probe((Kind.WORD, word), Rank.EXACT)]
    if len(code := sound(word)) >= 2:
        probes.append(Probe((Kind.WORD_SOUND, code), Rank.PHONETIC))
    if len(word) >= PREFIX_MIN:
        probes.append(Probe((Kind.PREFIX, word[:PREFIX_MAX]), Rank.PREFIX))
    return tuple(probes)


def _sounds(words: list[str]) -> str:
    return " ".join(sorted(sound(word) or word for word in words))
