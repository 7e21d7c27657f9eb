"""The console's pages, one part per service or concern: a module or package with its `router`
and, if it has pages in the menu, its `MENU` entries. A service's pages join as one more part
listed in `PARTS`, with its templates in `templates/<part>/` and its messages in
`locales/<lang>/LC_MESSAGES/<part>.po`; nothing else changes."""

from types import ModuleType

from services.console.api import audit, cases, housing, persons, signin, today
from services.console.domain.navigation import Entry

PARTS: list[ModuleType] = [signin, today, persons, cases, housing, audit]

routers = [part.router for part in PARTS]
menu: list[Entry] = [entry for part in PARTS for entry in getattr(part, "MENU", [])]
