"""SMS texts: neutral templates per language, filled with babel-formatted dates, within budget.

The templates are data (`services/notifications/templates.toml`); the caller reads the file
and passes its text to `Templates.from_toml`. Rendering rules:
- Language: a tag resolves to its exact template language, then its base language (Dari
  `prs` and Iranian `pes` read as Persian `fa`), then French. Dates and times are formatted
  by babel in that language, with the tag's region when babel has it (`prs-AF` gets Afghan
  month names, `ar-MA` a 24-hour clock), in the appointment's zone. A language's optional
  `date_format` ("full", the default, with the weekday; "long"; "medium") picks babel's
  date format: the UCS-2 languages use "long" to leave room for the place.
- GSM-7: when a template is written in GSM-7, a value that would turn the message into UCS-2
  only through accents babel or the caller put there (août, Hôtel) is spelled without them
  (aout, Hotel), if that makes the whole message GSM-7; otherwise values are kept as given.
- Right-to-left languages isolate the phone number (LRI ... PDI) so it reads left to right.
- Budget: if a message takes more than SEGMENT_BUDGET parts, the place, and only the place,
  is cut to fit and ends with an ellipsis ("..." in GSM-7, where "…" does not exist).
  Date, time and phone are never cut. If even an empty place does not fit, the message is
  returned whole with its real segment count; the template tests keep that from happening.
"""

from __future__ import annotations

import re
import string
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time

from services.notifications.domain.quiet import require_aware
from services.notifications.domain.segments import Encoding, encoding, segments

KINDS = (
    "two_days",
    "two_hours",
    "cancellation",
    "opt_out_confirmation",
    "opt_in_confirmation",
    "bed_offer",
    "renewal_due",
)
PLACEHOLDERS = frozenset({"date", "time", "place", "phone"})
FALLBACK = "fr"
# Language codes babel has no locale for, read as the language whose templates serve them.
ALIASES = {"prs": "fa", "pes": "fa"}
DateFormat = Literal["full", "long", "medium"]
_DATE_FORMATS: dict[str, DateFormat] = {"full": "full", "long": "long", "medium": "medium"}

_ISOLATE_LTR = ("\u2066", "\u2069")  # LEFT-TO-RIGHT ISOLATE ... POP DIRECTIONAL ISOLATE
_ELLIPSIS: dict[Encoding, str] = {"GSM-7": "...", "UCS-2": "…"}
_GSM_SPELLINGS = str.maketrans(
    {
        "œ": "oe",
        "Œ": "OE",
        "\u2018": "'",  # curly quotes
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "«": '"',
        "»": '"',
        "\u2013": "-",  # en and em dashes
        "\u2014": "-",
        "\u2026": "...",
        "°": "o",  # "n°" in addresses
    }
)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Rendered:
    """A filled-in SMS text, the language it is in, and what it costs to send."""

    language: str
    text: str
    encoding: Encoding
    segments: int


@dataclass(frozen=True)
class _Language:
    """One language's texts by kind, and how its dates are written."""

    texts: Mapping[str, str]
    date_format: DateFormat


class Templates:
    """Every SMS text in every language, checked once, rendered within the segment budget."""

    SEGMENT_BUDGET = 2

    def __init__(self, tables: Mapping[str, Mapping[str, str]]) -> None:
        self._languages = _checked(tables)

    @classmethod
    def from_toml(cls, text: str) -> Templates:
        """Parse `[language] kind = "text"` tables; a ValueError names the language and kind."""
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"templates: not valid TOML: {error}") from error
        return cls(document)

    def languages(self) -> list[str]:
        """The languages with templates, sorted."""
        return sorted(self._languages)

    def resolve(self, language: str | None) -> tuple[str, Locale]:
        """The template language serving a tag, and the babel locale dates are written in."""
        base, region = _split_tag(language)
        base = ALIASES.get(base, base)
        tried = [f"{base}-{region}", base] if region else [base]
        chosen = next((tag for tag in tried if tag in self._languages), FALLBACK)
        return chosen, _locale(chosen, region)

    def render(
        self,
        kind: str,
        language: str | None,
        *,
        starts_at: datetime | None,
        zone: ZoneInfo | None,
        place: str | None,
        contact_phone: str | None,
    ) -> Rendered:
        """The SMS of this kind in the tag's best language; ValueError if a value is missing."""
        if kind not in KINDS:
            raise ValueError(f"unknown SMS kind {kind!r}; expected one of: {', '.join(KINDS)}")
        chosen, locale = self.resolve(language)
        template = self._languages[chosen].texts[kind]
        given = {"place": place, "phone": contact_phone}
        if starts_at is not None and zone is not None:
            written = self._languages[chosen].date_format
            given |= _when(require_aware(starts_at, "starts_at"), zone, locale, written)
        values = _values(template, given, locale, f"[{chosen}] {kind}")
        text = _fit(template, _gsm_spelled(template, values), self.SEGMENT_BUDGET)
        return Rendered(chosen, text, encoding(text), segments(text))


def to_gsm7(value: str) -> str:
    """The value with characters outside GSM-7 spelled without their accents where possible."""
    folded = []
    for char in value.translate(_GSM_SPELLINGS):
        marks = unicodedata.normalize("NFD", char)
        bare = "".join(c for c in marks if not unicodedata.combining(c))
        keep = encoding(char) == "GSM-7" or not bare or encoding(bare) != "GSM-7"
        folded.append(char if keep else bare)
    return "".join(folded)


def placeholders(template: str) -> set[str]:
    """The placeholder names a template uses; ValueError on a malformed one."""
    names = set()
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise ValueError(f"unknown placeholder {{{name}}}; allowed: {sorted(PLACEHOLDERS)}")
        names.add(name)
    return names


def _checked(tables: Mapping[str, object]) -> dict[str, _Language]:
    """The languages keyed by canonical tag, or a ValueError naming what is wrong."""
    checked: dict[str, _Language] = {}
    for language, table in tables.items():
        if not isinstance(table, Mapping):
            raise ValueError(f"templates: [{language}] must be a table of kind = text")
        checked[_canonical(language)] = _checked_language(language, table)
    if FALLBACK not in checked:
        raise ValueError(f"templates: the fallback language [{FALLBACK}] is missing")
    # A translation that dropped {phone} or {place} would leave the reader without it.
    for language, entry in checked.items():
        for kind, template in entry.texts.items():
            expected = placeholders(checked[FALLBACK].texts[kind])
            if placeholders(template) != expected:
                raise ValueError(
                    f"templates: [{language}] {kind} uses {sorted(placeholders(template))}, "
                    f"[{FALLBACK}] uses {sorted(expected)}"
                )
    return checked


def _checked_language(language: str, table: Mapping[str, object]) -> _Language:
    """One language: every kind, each a non-empty text with known placeholders; date_format."""
    unknown = sorted(set(table) - {*KINDS, "date_format"})
    if unknown:
        raise ValueError(f"templates: [{language}] has unknown kinds {unknown}")
    written = table.get("date_format", "full")
    if not isinstance(written, str) or written not in _DATE_FORMATS:
        raise ValueError(f"templates: [{language}] date_format must be one of {[*_DATE_FORMATS]}")
    texts = {}
    for kind in KINDS:
        template = table.get(kind)
        if not isinstance(template, str) or not template.strip():
            raise ValueError(f"templates: [{language}] is missing the text for {kind!r}")
        try:
            placeholders(template)
        except ValueError as error:
            raise ValueError(f"templates: [{language}] {kind}: {error}") from error
        texts[kind] = template
    return _Language(texts, _DATE_FORMATS[written])


def _canonical(language: str) -> str:
    """A template language as babel knows it, hyphenated: "pt-BR", "fa"; ValueError if unknown."""
    try:
        return str(Locale.parse(language.replace("-", "_"))).replace("_", "-")
    except (UnknownLocaleError, ValueError) as error:
        raise ValueError(f"templates: [{language}] is not a language babel knows") from error


def _split_tag(tag: str | None) -> tuple[str, str | None]:
    """The lowercase language and uppercase region of a tag like "fa_AF" or "sr-Latn-RS"."""
    language, *rest = (tag or "").strip().replace("_", "-").split("-")
    regions = [p for p in rest if (len(p) == 2 and p.isalpha()) or (len(p) == 3 and p.isdigit())]
    return language.lower(), regions[0].upper() if regions else None


@cache
def _locale(language: str, region: str | None) -> Locale:
    """The babel locale for a template language, with the reader's region when babel has it."""
    base = Locale.parse(language.replace("-", "_"))
    if region and base.territory is None:
        try:
            return Locale(base.language, territory=region)
        except UnknownLocaleError:
            pass
    return base


def _when(
    starts_at: datetime, zone: ZoneInfo, locale: Locale, written: DateFormat
) -> dict[str, str | None]:
    """The appointment's local date and time, as the locale writes them."""
    local = starts_at.astimezone(zone)
    day = format_date(local.date(), format=written, locale=locale)
    hour = format_time(local, format="short", tzinfo=zone, locale=locale)
    return {"date": _plain(day), "time": _plain(hour)}


def _values(
    template: str, given: Mapping[str, str | None], locale: Locale, where: str
) -> dict[str, str]:
    """The values a template needs, cleaned; ValueError naming every one missing."""
    needed = sorted(placeholders(template))
    missing = [name for name in needed if not (given.get(name) or "").strip()]
    if missing:
        names = ", ".join(f"{{{name}}}" for name in missing)
        raise ValueError(f"{where} needs a value for {names}")
    values = {name: _plain(given[name] or "") for name in needed}
    if "phone" in values and locale.character_order == "right-to-left":
        values["phone"] = values["phone"].join(_ISOLATE_LTR)
    return values


def _plain(value: str) -> str:
    """One line with ordinary spaces: babel's narrow no-break spaces cost a UCS-2 message."""
    return _SPACES.sub(" ", value).strip()


def _gsm_spelled(template: str, values: dict[str, str]) -> dict[str, str]:
    """The values spelled in GSM-7 if that keeps a GSM-7 template's message GSM-7."""
    if encoding(template.format(**values)) == "GSM-7":
        return values
    folded = {name: to_gsm7(value) for name, value in values.items()}
    return folded if encoding(template.format(**folded)) == "GSM-7" else values


def _fit(template: str, values: dict[str, str], budget: int) -> str:
    """The filled text, its place cut with an ellipsis if that is what it takes to fit."""
    text = template.format(**values)
    if segments(text) <= budget or "place" not in values:
        return text
    place = values["place"]
    ellipsis = _ELLIPSIS[encoding(template.format(**{**values, "place": ""}))]

    def cut_to(size: int) -> str:
        return template.format(**{**values, "place": place[:size].rstrip(" ,;-") + ellipsis})

    if segments(cut_to(0)) > budget:
        return text
    fits, too_long = 0, len(place)  # the longest prefix that fits is in [fits, too_long)
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if segments(cut_to(middle)) <= budget:
            fits = middle
        else:
            too_long = middle
    return cut_to(fits)
