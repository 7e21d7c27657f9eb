"""The console's pages, one module per part. A service's pages join as one more module (its
`router`, and its menu `ENTRY` if it has one) listed in `PARTS`, with its templates in
`templates/<part>/` and its messages in `locales/<lang>/LC_MESSAGES/<part>.po`."""

from types import ModuleType

from services.console.api import (
    cases,
    persons,
    persons_household,
    persons_links,
    persons_rights,
    referrals,
    signin,
    today,
)
from services.console.domain.navigation import Entry

PARTS: list[ModuleType] = [
    signin,
    today,
    persons,
    persons_links,
    persons_household,
    persons_rights,
]
PARTS += [cases, referrals]

routers = [part.router for part in PARTS]
menu: list[Entry] = [part.ENTRY for part in PARTS if hasattr(part, "ENTRY")]
