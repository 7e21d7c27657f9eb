"""Reading rule data from TOML: its values are untyped, so every table is checked here, and
an error says where in the file it is."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any


def load(text: str, what: str) -> dict[str, Any]:
    """The TOML document; a ValueError naming the rule data if it is not valid TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{what}: not valid TOML: {error}") from error


def reject_unknown(table: Mapping[str, object], allowed: set[str], where: str) -> None:
    """Refuse misspelt keys, which would otherwise drop a field silently."""
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}")
