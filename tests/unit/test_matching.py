"""Duplicate suggestions and phone normalisation: intake's pure rules."""

from __future__ import annotations

import pytest

from services.intake.domain.matching import Profile, name_key, name_similarity, suggest
from services.intake.domain.phones import InvalidPhone, to_e164

PHONE = "+33612345678"


def test_names_are_compared_whatever_case_accents_and_order() -> None:
    assert name_key("DIALLO Aminata") == name_key("Aminata Diallo") == "aminata diallo"
    assert name_key("Ngoné  NDIAYE") == "ndiaye ngone"
    assert name_key("Мария Иванова") == name_key("ivanova mariya")


def test_a_typo_is_still_similar_and_a_different_name_is_not() -> None:
    assert name_similarity("Aminata Diallo", "Aminata Dialo") >= 0.85
    assert name_similarity("Aminata Diallo", "Fatou Sow") < 0.5


def test_the_three_spellings_with_one_phone_suggest_one_another() -> None:
    people = [
        Profile("a", ("Aminata Diallo",), PHONE, 1990),
        Profile("b", ("DIALLO Aminata",), PHONE, None),
        Profile("c", ("Aminata Dialo",), PHONE, 1991),
    ]
    for person in people:
        found = {s.person_id for s in suggest(person, people)}
        assert found == {p.person_id for p in people} - {person.person_id}
    best = suggest(people[0], people)[0]
    assert "same phone" in best.reasons
    assert any(r.startswith("similar name") for r in best.reasons)
    assert 0 < best.score <= 1


def test_a_similar_name_born_30_years_apart_is_not_suggested_on_name_alone() -> None:
    aminata = Profile("a", ("Aminata Diallo",), None, 1990)
    amina = Profile("z", ("Amina Diallo",), None, 1960)
    assert suggest(amina, [aminata]) == []


def test_the_same_phone_alone_is_enough_to_suggest() -> None:
    found = suggest(Profile("a", ("Ali",), PHONE), [Profile("b", ("Fatou Sow",), PHONE)])
    assert [(s.person_id, s.reasons) for s in found] == [("b", ("same phone",))]


def test_a_person_is_never_their_own_duplicate() -> None:
    me = Profile("a", ("Aminata Diallo",), PHONE, 1990)
    assert suggest(me, [me]) == []


@pytest.mark.parametrize(
    "raw",
    ["06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78", "0033612345678", "+33612345678"],
)
def test_common_french_formats_become_e164(raw: str) -> None:
    assert to_e164(raw) == PHONE


def test_international_numbers_keep_their_country() -> None:
    assert to_e164("+221 77 123 45 67") == "+221771234567"


@pytest.mark.parametrize("raw", ["", "hello", "06 12", "+33 1", "12345678901234567890"])
def test_impossible_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        to_e164(raw)
