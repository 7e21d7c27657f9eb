"""SMS texts: every template within budget, GSM-7 where it can be, neutral, with fallbacks."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain.segments import encoding, length, segments
from services.notifications.domain.texts import KINDS, Rendered, Templates

TEMPLATES_FILE = Path(__file__).resolve().parents[2] / "services/notifications/templates.toml"
# Read at import: the languages in the file are the test's parameters.
SHIPPED = Templates.from_toml(TEMPLATES_FILE.read_text(encoding="utf-8"))

PARIS = ZoneInfo("Europe/Paris")
LONG_PLACE = "Préfecture de la Seine-Saint-Denis, 1 esplanade Jean Moulin, 93000 Bobigny"
PHONE = "+33 1 41 60 60 60"
MARK = "PLACE"  # a short place, to see where the place goes in a text
MIN_PLACE_KEPT = 28  # a cut place still names the building
# Tags whose region changes how babel writes dates (month names, clock), so their length.
REGIONAL = ["fr-CA", "en-GB", "es-419", "pt-BR", "ar-SY", "ar-MA", "fa-AF", "prs-AF"]
TAGS = SHIPPED.languages() + REGIONAL
GSM_LANGUAGES = ["fr", "en", "es", "pt"]
USES_PHONE = ["two_days", "two_hours", "cancellation"]
YEAR = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]


def render(kind: str, tag: str | None, starts_at: datetime, place: str = LONG_PLACE) -> Rendered:
    """A text of the shipped file, for an appointment in Paris."""
    return SHIPPED.render(
        kind, tag, starts_at=starts_at, zone=PARIS, place=place, contact_phone=PHONE
    )


@cache
def longest_start(tag: str) -> datetime:
    """The 2026 appointment whose date, then time, the tag's language writes longest."""

    def size(starts_at: datetime) -> int:
        return length(render("cancellation", tag, starts_at).text)  # date and time, no place

    day = max(YEAR, key=lambda d: size(datetime.combine(d, time(10, 45), PARIS)))
    return max((datetime.combine(day, time(h, 45), PARIS) for h in range(24)), key=size)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("tag", TAGS)
def test_every_template_fits_the_budget_with_long_values(tag: str, kind: str) -> None:
    starts_at = longest_start(tag)
    full = render(kind, tag, starts_at)
    marked = render(kind, tag, starts_at, place=MARK)

    assert full.segments <= Templates.SEGMENT_BUDGET, full.text
    assert (full.encoding, full.segments) == (encoding(full.text), segments(full.text))
    if kind in USES_PHONE:
        assert PHONE in full.text
    if MARK not in marked.text:
        assert full.text == marked.text
        return
    # Only the place may change: everything around it, date, time and phone, is intact.
    head, tail = marked.text.split(MARK)
    assert full.text.startswith(head)
    assert full.text.endswith(tail)
    place = full.text[len(head) : len(full.text) - len(tail)]
    if place != LONG_PLACE:
        ellipsis = "..." if full.encoding == "GSM-7" else "…"
        assert place.endswith(ellipsis), place
        assert LONG_PLACE.startswith(place.removesuffix(ellipsis)), place
        assert len(place) - len(ellipsis) >= MIN_PLACE_KEPT, place


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", GSM_LANGUAGES)
def test_latin_script_texts_are_gsm7_on_every_day_of_the_year(language: str, kind: str) -> None:
    for day in YEAR:
        text = render(kind, language, datetime.combine(day, time(10, 45), PARIS)).text
        assert encoding(text) == "GSM-7", (day, text)


def test_accents_outside_gsm7_in_values_are_dropped_to_keep_french_gsm7() -> None:
    # "août" (û) and "Hôtel" (ô) would make the whole message UCS-2, halving the room.
    rendered = render(
        "two_days", "fr", datetime(2026, 8, 15, 9, 0, tzinfo=PARIS), place="Hôtel de Ville n° 3"
    )

    assert "samedi 15 aout 2026 à 09:00" in rendered.text
    assert "Lieu : Hotel de Ville no 3." in rendered.text
    assert rendered.encoding == "GSM-7"


def test_a_place_with_no_gsm7_spelling_keeps_its_letters_and_is_counted_honestly() -> None:
    rendered = render("two_days", "fr", datetime(2026, 8, 15, 9, 0, tzinfo=PARIS), place="Центр")

    assert "Lieu : Центр." in rendered.text
    assert "15 août 2026" in rendered.text  # nothing is gained by dropping the accent now
    assert rendered.encoding == "UCS-2"
    assert rendered.segments == segments(rendered.text) == 3  # the French text alone is 134+


@pytest.mark.parametrize("language", ["ar", "fa", "ru", "uk", "tr"])
def test_other_scripts_are_ucs2(language: str) -> None:
    assert render("two_days", language, longest_start(language)).encoding == "UCS-2"


@pytest.mark.parametrize(("language", "isolated"), [("ar", True), ("fa", True), ("ru", False)])
def test_right_to_left_texts_isolate_the_phone_number(language: str, isolated: bool) -> None:
    text = render("two_days", language, longest_start(language)).text
    assert (f"\u2066{PHONE}\u2069" in text) is isolated


# Each row: the tag a person's profile holds, the template language used.
FALLBACKS = [
    (None, "fr"),
    ("", "fr"),
    ("xx", "fr"),
    ("fr-CA", "fr"),
    ("fr_FR", "fr"),
    ("EN-gb", "en"),
    ("ar", "ar"),
    ("ar-MA", "ar"),
    ("prs-AF", "fa"),
    ("prs", "fa"),
    ("fa-AF", "fa"),
    ("uk-UA", "uk"),
    ("ps-AF", "fr"),
    ("ti-ER", "fr"),
    ("sr-Latn-RS", "fr"),
]


@pytest.mark.parametrize(("tag", "language"), FALLBACKS)
def test_a_tag_resolves_to_the_best_language_then_french(tag: str | None, language: str) -> None:
    rendered = SHIPPED.render(
        "opt_out_confirmation", tag, starts_at=None, zone=None, place=None, contact_phone=None
    )
    assert rendered.language == language


THURSDAY = datetime(2026, 1, 15, 10, 0, tzinfo=PARIS)

# Each row: tag, zone, what babel writes for 15 January 2026 10:00 Paris time.
WRITTEN_DATES = [
    ("fr", PARIS, "jeudi 15 janvier 2026 à 10:00"),
    ("fr-CA", PARIS, "jeudi 15 janvier 2026 à 10 h 00"),
    ("en", PARIS, "Thursday, January 15, 2026 at 10:00 AM"),
    ("en-GB", PARIS, "Thursday, 15 January 2026 at 10:00"),
    ("es", PARIS, "jueves, 15 de enero de 2026 a las 10:00"),
    ("ar", PARIS, "15 يناير 2026 الساعة 10:00 ص"),
    ("ar-MA", PARIS, "15 يناير 2026 الساعة 10:00"),
    ("ar-SY", PARIS, "15 كانون الثاني 2026"),
    ("fa", PARIS, "15 ژانویه 2026 ساعت 10:00"),
    ("prs-AF", PARIS, "15 جنوری 2026 ساعت 10:00"),  # Afghan month names for Dari
    ("ru", PARIS, "15 января 2026 г. в 10:00"),  # noqa: RUF001 (Cyrillic on purpose)
    ("uk", PARIS, "15 січня 2026 р. о 10:00"),  # noqa: RUF001 (Cyrillic on purpose)
    ("tr", PARIS, "15 Ocak 2026 saat 10:00"),
    ("fr", ZoneInfo("America/Cayenne"), "jeudi 15 janvier 2026 à 06:00"),
    ("fr", ZoneInfo("Asia/Kabul"), "jeudi 15 janvier 2026 à 13:30"),
    ("fr", ZoneInfo("Pacific/Noumea"), "jeudi 15 janvier 2026 à 20:00"),
]


@pytest.mark.parametrize(("tag", "zone", "written"), WRITTEN_DATES)
def test_dates_and_times_are_written_by_babel_in_the_language_and_zone(
    tag: str, zone: ZoneInfo, written: str
) -> None:
    rendered = SHIPPED.render(
        "cancellation", tag, starts_at=THURSDAY, zone=zone, place=None, contact_phone=PHONE
    )
    assert written in rendered.text


def test_the_local_date_is_used_when_utc_is_still_the_day_before() -> None:
    late = datetime(2026, 1, 15, 23, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 on the 16th in Paris
    assert "vendredi 16 janvier 2026 à 00:30" in render("cancellation", "fr", late).text


# Words that name a procedure or status: lock screens are read and phones shared.
PROCEDURE_WORDS = [
    "asylum",
    "asile",
    "asilo",
    "ofpra",
    "cnda",
    "prefecture",
    "prefectura",
    "titre de sejour",
    "residence permit",
    "dalo",
    "ame",
    "refugee",
    "refugie",
    "refugiado",
    "لجوء",
    "لاجئ",
    "پناهنده",
    "پناهندگی",
    "убежищ",
    "беженец",
    "притулок",
    "біженець",
    "sığınma",  # noqa: RUF001 (Turkish dotless i on purpose)
    "mülteci",
]


def _folded(text: str) -> str:
    """Lowercase without accents, so "Préfecture" and "préfecture" both match "prefecture"."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@pytest.mark.parametrize("word", PROCEDURE_WORDS)
@pytest.mark.parametrize("language", SHIPPED.languages())
def test_no_template_names_a_procedure(language: str, word: str) -> None:
    texts = [render(kind, language, THURSDAY, place=MARK).text for kind in KINDS]
    pattern = re.compile(rf"(?<!\w){re.escape(_folded(word))}(?!\w)")
    assert not [text for text in texts if pattern.search(_folded(text))]


def test_the_procedure_word_check_would_catch_one() -> None:
    pattern = re.compile(r"(?<!\w)prefecture(?!\w)")
    assert pattern.search(_folded("Rendez-vous à la Préfecture"))
    assert not re.search(r"(?<!\w)ame(?!\w)", _folded("Amélie, name, ami"))


ALEF = "\u0627"  # an Arabic letter: one UTF-16 unit outside GSM-7

# Each row: text, encoding, length (septets or UTF-16 units), segments.
COUNTS = [
    pytest.param("", "GSM-7", 0, 0, id="empty"),
    pytest.param("a" * 160, "GSM-7", 160, 1, id="160 GSM chars = 1"),
    pytest.param("a" * 161, "GSM-7", 161, 2, id="161 GSM chars = 2"),
    pytest.param("a" * 306, "GSM-7", 306, 2, id="306 GSM chars = 2"),
    pytest.param("a" * 307, "GSM-7", 307, 3, id="307 GSM chars = 3"),
    pytest.param("€", "GSM-7", 2, 1, id="€ is 2 septets"),
    pytest.param("{}[]~|^\\", "GSM-7", 16, 1, id="extension table: 2 septets each"),
    pytest.param("€" * 80, "GSM-7", 160, 1, id="80 € = 160 septets = 1"),
    pytest.param("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3, id="€ not split across parts"),
    pytest.param("é" * 160, "GSM-7", 160, 1, id="é is GSM-7"),
    pytest.param("ç", "UCS-2", 1, 1, id="lowercase ç is not"),
    pytest.param(ALEF * 70, "UCS-2", 70, 1, id="70 UCS-2 = 1"),
    pytest.param(ALEF * 71, "UCS-2", 71, 2, id="71 UCS-2 = 2"),
    pytest.param(ALEF * 134, "UCS-2", 134, 2, id="134 UCS-2 = 2"),
    pytest.param(ALEF * 135, "UCS-2", 135, 3, id="135 UCS-2 = 3"),
    pytest.param("😀", "UCS-2", 2, 1, id="an emoji is 2 code units"),
    pytest.param("😀" * 35, "UCS-2", 70, 1, id="35 emoji = 70 units = 1"),
    pytest.param(ALEF * 66 + "😀" + ALEF * 66, "UCS-2", 134, 3, id="emoji not split across parts"),
    pytest.param("a" * 159 + "ê", "UCS-2", 160, 3, id="one ê makes 160 chars UCS-2"),
]


@pytest.mark.parametrize(("text", "kind", "size", "parts"), COUNTS)
def test_encoding_length_and_segments(text: str, kind: str, size: int, parts: int) -> None:
    assert (encoding(text), length(text), segments(text)) == (kind, size, parts)


IN_GSM7 = "éèùàìòÉÇÄÖÑÜäöñüßÆæÅåØø@£$¥¤§¿¡ΔΦΓΛΩΠΨΣΘΞ"
NOT_IN_GSM7 = "êâîôûçáíóúãõœëïÁÍÓÚ«»\u2019\u2013…°"  # curly quote, en dash


@pytest.mark.parametrize("char", list(IN_GSM7))
def test_characters_in_the_gsm7_table(char: str) -> None:
    assert encoding(f"Rappel {char}") == "GSM-7"


@pytest.mark.parametrize("char", list(NOT_IN_GSM7))
def test_characters_outside_the_gsm7_table(char: str) -> None:
    assert encoding(f"Rappel {char}") == "UCS-2"


def _room(kind: str, language: str) -> int:
    """How many characters of place fit in the language's text within the budget."""
    marked = render(kind, language, longest_start(language), place=MARK).text
    return 67 * Templates.SEGMENT_BUDGET - (length(marked) - len(MARK))


def test_a_place_that_fits_exactly_is_kept_whole_one_more_character_is_cut() -> None:
    starts_at = longest_start("ar")
    exact = "x" * _room("two_days", "ar")

    whole = render("two_days", "ar", starts_at, place=exact)
    cut = render("two_days", "ar", starts_at, place=exact + "y")

    assert exact in whole.text
    assert (length(whole.text), whole.segments) == (134, 2)
    assert exact[:-1] + "…" in cut.text
    assert exact not in cut.text
    assert cut.segments == 2


def test_a_gsm7_text_is_cut_with_three_dots_and_stays_gsm7() -> None:
    starts_at = longest_start("fr")
    endless = "Centre " * 60

    rendered = render("two_days", "fr", starts_at, place=endless)

    assert rendered.encoding == "GSM-7"
    assert rendered.segments == 2
    place = rendered.text.split("Lieu : ")[1].split(". Si vous")[0]
    assert place.startswith("Centre Centre")
    assert place.endswith("...")
    assert "…" not in rendered.text
    assert rendered.text.endswith(
        f"appelez le {PHONE}. Répondez STOP pour ne plus recevoir de SMS."
    )


def test_the_full_place_is_kept_when_it_fits() -> None:
    assert f"Lieu : {LONG_PLACE}." in render("two_days", "fr", longest_start("fr")).text


def test_texts_without_a_place_or_date_need_none() -> None:
    rendered = SHIPPED.render(
        "opt_in_confirmation", "en", starts_at=None, zone=None, place=None, contact_phone=None
    )
    assert "STOP" in rendered.text


NAIVE = datetime(2026, 1, 15, 10, 0)

# Each row: appointment, place, phone, and the error that names what is missing.
MISSING = [
    pytest.param(THURSDAY, None, PHONE, r"\[fr\] two_days needs a value for \{place\}", id="place"),
    pytest.param(
        None, LONG_PLACE, PHONE, r"\[fr\] two_days needs a value for \{date\}, \{time\}$", id="date"
    ),
    pytest.param(THURSDAY, LONG_PLACE, " ", r"needs a value for \{phone\}", id="blank phone"),
    pytest.param(NAIVE, LONG_PLACE, PHONE, "timezone-aware", id="naive appointment"),
]


@pytest.mark.parametrize(("starts_at", "place", "phone", "error"), MISSING)
def test_a_missing_value_is_refused(
    starts_at: datetime | None, place: str | None, phone: str, error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        SHIPPED.render(
            "two_days", "fr", starts_at=starts_at, zone=PARIS, place=place, contact_phone=phone
        )


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown SMS kind 'birthday'"):
        render("birthday", "fr", THURSDAY)


VALID = {kind: "RDV {date} {time}, {place}. Tel {phone}" for kind in KINDS}


def toml(tables: dict[str, dict[str, str]]) -> str:
    """A templates file with these tables (JSON strings are valid TOML basic strings)."""
    lines = []
    for language, table in tables.items():
        lines.append(f"[{json.dumps(language)}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    return "\n".join(lines)


def without(kind: str) -> dict[str, str]:
    """The valid table with one kind missing."""
    return {key: value for key, value in VALID.items() if key != kind}


BAD_FILES = [
    pytest.param("[fr", "not valid TOML", id="not TOML"),
    pytest.param(toml({"en": VALID}), r"fallback language \[fr\] is missing", id="no French"),
    pytest.param(toml({"fr": without("two_hours")}), r"\[fr\].*'two_hours'", id="missing kind"),
    pytest.param(
        toml({"fr": VALID, "en": without("cancellation")}),
        r"\[en\].*'cancellation'",
        id="a language missing a kind",
    ),
    pytest.param(
        toml({"fr": {**VALID, "two_days": "RDV {date} {name}"}}),
        r"\[fr\] two_days: unknown placeholder \{name\}",
        id="unknown placeholder",
    ),
    pytest.param(
        toml({"fr": {**VALID, "two_days": "RDV {date:>40}"}}),
        r"\[fr\] two_days: unknown placeholder \{date\}",
        id="format spec",
    ),
    pytest.param(
        toml({"fr": {**VALID, "two_days": "RDV {date"}}), r"\[fr\] two_days", id="open brace"
    ),
    pytest.param(
        toml({"fr": VALID, "en": {**VALID, "two_hours": "Appointment {date} {time} {place}"}}),
        r"\[en\] two_hours uses \['date', 'place', 'time'\]",
        id="a translation drops the phone",
    ),
    pytest.param(
        toml({"fr": {**VALID, "birthday": "Bon anniversaire"}}),
        r"\[fr\] has unknown kinds \['birthday'\]",
        id="unknown kind",
    ),
    pytest.param(toml({"fr": VALID, "xx": VALID}), r"\[xx\] is not a language", id="language"),
    pytest.param(toml({"fr": {**VALID, "two_days": " "}}), r"\[fr\].*'two_days'", id="blank"),
    pytest.param(
        toml({"fr": {**VALID, "date_format": "short"}}), r"\[fr\] date_format", id="date_format"
    ),
]


@pytest.mark.parametrize(("text", "error"), BAD_FILES)
def test_a_bad_templates_file_names_the_language_and_kind(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Templates.from_toml(text)


def test_a_regional_template_is_preferred_to_its_base_language() -> None:
    templates = Templates.from_toml(toml({"fr": VALID, "pt_br": VALID}))

    def language(tag: str) -> str:
        rendered = templates.render(
            "two_days", tag, starts_at=THURSDAY, zone=PARIS, place=MARK, contact_phone=PHONE
        )
        return rendered.language

    assert templates.languages() == ["fr", "pt-BR"]
    assert language("pt-BR") == "pt-BR"
    assert language("pt-PT") == "fr"  # no "pt" table to fall back to
