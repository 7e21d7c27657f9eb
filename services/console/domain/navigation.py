"""The console's main menu: each part of the console names its entry, and who sees it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """A menu entry: the page it opens, its label (an English message id), the roles it is for
    (none: every signed-in user)."""

    key: str
    label: str
    href: str
    roles: frozenset[str] = frozenset()

    def visible_to(self, roles: str) -> bool:
        """Whether a user holding these roles (space-separated, as a session keeps them) sees it."""
        return not self.roles or not self.roles.isdisjoint(roles.split())
