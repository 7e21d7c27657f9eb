"""The centre's plan: read from TOML, checked, with errors that say what is wrong and where."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from services.housing.domain.plan import Plan, PlanError, RoomKind
from services.housing.settings import RULES

HEAD = 'name = "Centre de test"\n'
SITE = """
[[sites]]
code = "paul-eluard"
name = "Centre Paul-Éluard"
address = "12 rue Paul-Éluard, 93100 Montreuil"
"""
ROOM = """
[[sites.rooms]]
label = "101"
kind = "family"
beds = 4
"""


def error_of(text: str) -> str:
    with pytest.raises(PlanError) as raised:
        Plan.from_toml(HEAD + text)
    assert raised.value.status == 422
    return str(raised.value)


def test_the_demo_centre_has_an_ordinary_and_a_confidential_site_and_about_forty_beds() -> None:
    plan = Plan.from_toml((RULES / "centre.toml").read_text(encoding="utf-8"))
    assert [site.confidential for site in plan.sites] == [False, True]
    kinds = {room.kind for site in plan.sites for room in site.rooms}
    assert kinds == set(RoomKind)
    assert 35 <= plan.beds() <= 50
    assert plan.beds(extra=True) == 6
    assert plan.beds(extra=False) + plan.beds(extra=True) == plan.beds()
    (winter,) = plan.extra_capacity
    assert winter.covers(date(2027, 1, 15))
    assert not winter.covers(date(2027, 4, 1))
    rooms = [room for site in plan.sites for room in site.rooms]
    assert any(room.accessible for room in rooms)
    assert any(room.cot for room in rooms)


def test_beds_by_count_are_labelled_after_their_room_and_ids_are_stable() -> None:
    plan = Plan.from_toml(HEAD + SITE + ROOM)
    (site,) = plan.sites
    (room,) = site.rooms
    assert room.beds == ("101-1", "101-2", "101-3", "101-4")
    again = Plan.from_toml(HEAD + SITE + ROOM).sites[0]
    assert again.id == site.id
    assert again.bed_id(room, "101-1") == site.bed_id(room, "101-1")
    assert len({site.bed_id(room, bed) for bed in room.beds}) == 4


def test_beds_by_label() -> None:
    text = SITE + ROOM.replace("beds = 4", 'beds = ["A", "B"]')
    assert Plan.from_toml(HEAD + text).sites[0].rooms[0].beds == ("A", "B")


def test_a_room_in_a_block_of_extra_capacity() -> None:
    block = """
[[extra_capacity]]
id = "winter"
label = "Plan hiver"
first_night = 2026-11-01
last_night = 2027-03-31
"""
    plan = Plan.from_toml(HEAD + block + SITE + ROOM + 'extra_capacity = "winter"\n')
    extra = plan.sites[0].rooms[0].extra
    assert extra is not None
    assert extra.first_night == date(2026, 11, 1)
    assert plan.beds(extra=True) == 4
    assert plan.beds(extra=False) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "sites: the plan needs at least one site"),
        ("centre = [", "not valid TOML"),
        (SITE + ROOM.replace('"family"', '"dorm"'), "sites[0].rooms[0].kind: 'dorm' is not one of"),
        (
            SITE + ROOM.replace('kind = "family"', 'kind = "single"'),
            "a single room has exactly one bed",
        ),
        (SITE + ROOM.replace("beds = 4", "beds = 1"), "a family room has at least two beds"),
        (
            SITE + ROOM.replace("beds = 4", "beds = 0"),
            "sites[0].rooms[0].beds: a room holds 1 to 30",
        ),
        (SITE + ROOM.replace("beds = 4", 'beds = "four"'), "give a number of beds or a list"),
        (SITE + ROOM.replace("beds = 4", 'beds = ["A", "A"]'), "two entries have the label 'A'"),
        (SITE + ROOM + ROOM, "sites[0].rooms: two entries have the label '101'"),
        (SITE + SITE, "sites: two entries have the code 'paul-eluard'"),
        (SITE.replace('code = "paul-eluard"', 'code = "Paul Eluard"'), "is not a code"),
        (
            SITE.replace('address = "12 rue Paul-Éluard, 93100 Montreuil"', ""),
            "sites[0].address: missing",
        ),
        (SITE + "confidential = 'yes'\n", "sites[0].confidential: expected true or false"),
        (SITE + "floors = 3\n", "sites[0]: unknown key 'floors'"),
        (SITE + ROOM + 'extra_capacity = "summer"\n', "no block 'summer' (known: none declared)"),
        ('timezone = "Europe/Paris"\n' + SITE, "unknown key 'timezone'"),
        (
            "[[extra_capacity]]\nid = 'w'\nlabel = 'W'\nfirst_night = 2027-03-31\n"
            "last_night = 2026-11-01\n" + SITE,
            "extra_capacity[0].last_night (2026-11-01) comes before first_night (2027-03-31)",
        ),
        (
            "[[extra_capacity]]\nid = 'w'\nlabel = 'W'\nfirst_night = 'soon'\n"
            "last_night = 2026-11-01\n" + SITE,
            "extra_capacity[0].first_night: expected a date",
        ),
    ],
    ids=lambda value: value[:40] if isinstance(value, str) else value,
)
def test_a_wrong_plan_is_refused_with_where_and_why(text: str, message: str) -> None:
    assert message in error_of(text)


def test_a_plan_without_a_name_is_refused() -> None:
    with pytest.raises(PlanError, match=r"^name: missing$"):
        Plan.from_toml(SITE + ROOM)


def test_the_plan_file_in_the_settings_is_the_demo_centre() -> None:
    from services.housing.settings import HousingSettings

    field = HousingSettings.model_fields["plan_file"]
    assert Path(str(field.default)).name == "centre.toml"
