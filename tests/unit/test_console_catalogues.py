"""Every message the console's pages and code mark for translation has its French and its
Arabic text, in one part's catalogue or another."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from services.console.domain.problems import pgettext
from services.console.rendering import HERE, LOCALES, Pages, messages

Marked = tuple[str | tuple[str, ...], str | None]
"""A message and its context (None for most)."""


def marked() -> set[Marked]:
    """What `pybabel extract` would find with the console's own mapping (babel.cfg)."""
    with Path(HERE / "babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    found: set[Marked] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        HERE, method_map, options_map
    ):
        found.add((message, context))
    return found


def test_the_console_marks_its_messages() -> None:
    found = marked()
    assert ("Today", None) in found
    assert ("Follow this case myself", None) in found, "templates of a part's folder are found"
    assert ("accepted", "referral") in found, "domain code marks messages with their context"
    assert len(found) > 300


@pytest.mark.parametrize("locale", ["fr", "ar"])
def test_every_marked_message_is_translated(locale: str) -> None:
    catalogue = messages(locale)
    missing = sorted(
        str(m)
        for m, context in marked()
        if catalogue.get(m[0] if isinstance(m, tuple) else m, context=context) is None
    )
    assert missing == [], f"{len(missing)} untranslated in {locale}: {missing[:20]}"


@pytest.mark.parametrize("locale", ["fr", "ar"])
def test_no_two_parts_say_the_same_message_differently(locale: str) -> None:
    """The parts' catalogues are merged into one: a message (in its context) translated two
    ways would read as whichever part comes first. Give it a context instead."""
    said: dict[tuple[str, str | None], tuple[str, object]] = {}
    clashes = []
    for po in sorted((LOCALES / locale / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as source:
            for message in read_po(source, locale=locale):
                if not message.id or not message.string:
                    continue
                singular = message.id if isinstance(message.id, str) else message.id[0]
                key = (str(singular), message.context)
                first = said.setdefault(key, (po.stem, message.string))
                if first[1] != message.string:
                    clashes.append((key, first, (po.stem, message.string)))
    assert clashes == []


def test_a_message_in_context_reads_as_its_context_says() -> None:
    pages = Pages(("fr",))
    rendered = pages._envs["fr"].from_string("{{ _(a) }} / {{ _(b) }} / {{ _('accepted') }}")
    page = rendered.render(a=pgettext("referral", "accepted"), b=pgettext("proposal", "refused"))
    assert page == "acceptée / refusée / accepté"
