"""Every message the console's pages and code mark for translation has its French and its
Arabic text, in one part's catalogue or another."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from services.console.rendering import HERE, messages


def marked() -> set[str | tuple[str, ...]]:
    """What `pybabel extract` would find with the console's own mapping (babel.cfg)."""
    with Path(HERE / "babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        HERE, method_map, options_map
    ):
        found.add(message)
    return found


def test_the_console_marks_its_messages() -> None:
    found = marked()
    assert "Today" in found
    assert "Follow this case myself" in found, "templates of a part's folder are found"
    assert len(found) > 300


@pytest.mark.parametrize("locale", ["fr", "ar"])
def test_every_marked_message_is_translated(locale: str) -> None:
    catalogue = messages(locale)
    missing = sorted(str(m) for m in marked() if m not in catalogue)
    assert missing == [], f"{len(missing)} untranslated in {locale}: {missing[:20]}"
