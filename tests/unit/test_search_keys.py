"""The blind-index keys that find a person: folding, phonetic codes, prefixes, phones, years."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.intake.domain.search_keys import (
    Blinder,
    InvalidQuery,
    Kind,
    Rank,
    compatible_bands,
    duplicate_probes,
    indexed_terms,
    parse_query,
    prefixes,
    sound,
)
from services.intake.settings import DEV_INDEX_KEY, IntakeSettings
from shared.auth import AuthSettings
from shared.checkpoints import new_private_base64

KEY = b"k" * 32


def terms_of(name: str, phone: str | None = None, year: int | None = None) -> set:
    return indexed_terms([name], phone, year)


def query_finds(query: str, name: str, phone: str | None = None) -> bool:
    """Whether every group of the query meets a term the person is indexed under."""
    person = terms_of(name, phone)
    return all(any(probe.term in person for probe in group) for group in parse_query(query).groups)


def test_case_accents_order_and_script_are_folded() -> None:
    full = (Kind.NAME, "aminata diallo")
    assert full in terms_of("DIALLO Aminata")
    assert full in terms_of("Aminata Diallo")
    assert (Kind.NAME, "ndiaye ngone") in terms_of("Ngoné  NDIAYE")
    assert terms_of("Мария Иванова") == terms_of("ivanova mariya")


def test_each_word_is_a_key_of_its_own() -> None:
    terms = terms_of("Aminata Bintou Diallo")
    assert {(Kind.WORD, w) for w in ("aminata", "bintou", "diallo")} <= terms


def test_transliterations_that_sound_alike_share_a_phonetic_code() -> None:
    assert sound("mohamed") == sound("muhammad") == sound("mohammed")
    assert sound("diallo") == sound("dialo")
    assert sound("fatou") != sound("diallo")
    assert sound("mariam") == sound("maryam")
    assert sound("youssef") == sound("yusuf"), "a y that starts a word stays a y"
    shared = {t for t in terms_of("Muhammad Ali") & terms_of("Mohamed Ali") if t[0] is Kind.SOUND}
    assert shared, "two spellings of one name share the phonetic key of the whole name"


def test_prefixes_are_the_first_three_to_ten_letters_not_the_whole_word() -> None:
    assert prefixes("aminata") == ["ami", "amin", "amina", "aminat"]
    assert prefixes("sow") == []
    assert prefixes("abcdefghijklmn")[-1] == "abcdefghij"


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Aminata", True),
        ("amin", True),
        ("DIAL", True),
        ("Dialo", True),  # spelt differently, sounds the same
        ("Diallo Aminata", True),
        ("aminata fatou", False),  # every word must match
        ("Fatou", False),
        ("lo", False),  # no prefix under three letters, and no word 'lo'
    ],
)
def test_a_query_finds_a_name_by_part_spelling_or_order(query: str, found: bool) -> None:
    assert query_finds(query, "Aminata Diallo") is found


@pytest.mark.parametrize(
    "raw", ["06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78", "0033612345678"]
)
def test_a_phone_in_any_format_is_one_key(raw: str) -> None:
    query = parse_query(raw)
    assert query.phone
    assert [[probe.term for probe in group] for group in query.groups] == [
        [(Kind.PHONE, "+33612345678")]
    ]
    assert query_finds(raw, "Anyone", phone="+33612345678")


def test_a_number_that_is_no_phone_is_refused_and_a_query_needs_a_letter() -> None:
    with pytest.raises(InvalidQuery, match="phone"):
        parse_query("06 12 34")  # six digits: a phone, but not a whole one
    with pytest.raises(InvalidQuery):
        parse_query("--- !!")


def test_search_ranks_exact_above_phonetic_above_prefix() -> None:
    ranks = {probe.term[0]: probe.rank for probe in parse_query("aminata").groups[0]}
    assert ranks == {
        Kind.WORD: Rank.EXACT,
        Kind.WORD_SOUND: Rank.PHONETIC,
        Kind.PREFIX: Rank.PREFIX,
    }


def test_birth_years_within_tolerance_always_share_a_probed_band() -> None:
    for year in range(1980, 2000):
        for other in range(year - 2, year + 3):
            person = terms_of("Aminata Diallo", year=other)
            probes = duplicate_probes(["Aminata Diallo"], None, year)
            assert any(term in person for term in probes if term[0] is Kind.WORD_YEARS), (
                year,
                other,
            )
    assert compatible_bands(1990) == {397, 398}
    far = terms_of("Aminata Diallo", year=1960)
    assert not any(
        term in far
        for term in duplicate_probes(["Aminata Diallo"], None, 1990)
        if term[0] is Kind.WORD_YEARS
    )


def test_digests_depend_on_the_key_and_the_kind_and_hide_the_value() -> None:
    blinder = Blinder(KEY)
    digest = blinder.digest((Kind.WORD, "diallo"))
    assert digest == Blinder(KEY).digest((Kind.WORD, "diallo"))
    assert digest != Blinder(b"o" * 32).digest((Kind.WORD, "diallo"))
    assert digest != blinder.digest((Kind.PREFIX, "diallo"))
    assert len(digest) == 32
    assert "diallo" not in digest
    assert "k" * 16 not in repr(blinder)
    with pytest.raises(ValueError, match="16 bytes"):
        Blinder(b"short")


def test_the_development_index_key_is_refused_outside_development_mode() -> None:
    common = {
        "master_key": "bWFzdGVy",
        "auth": AuthSettings(jwt_secret="a-secret-of-our-own-" * 2),
        "checkpoint": {"signing_key": new_private_base64(), "key_id": "intake-1"},
    }
    with pytest.raises(ValidationError, match="INTAKE_INDEX_KEY"):
        IntakeSettings(**common)
    assert IntakeSettings(**common, development=True).index_key.get_secret_value() == DEV_INDEX_KEY
    own = IntakeSettings(**common, index_key="an-index-key-of-our-own")
    assert own.index_key.get_secret_value() == "an-index-key-of-our-own"
    with pytest.raises(ValidationError, match="index_key"):
        IntakeSettings(**common, index_key="short")
