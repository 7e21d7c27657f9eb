"""The case pages: my organisation's cases, a case's page and its work, and the inbox where
referrals and offers made to my organisation are answered."""

from fastapi import APIRouter

from services.console.api.cases import case, inbox, work
from services.console.domain.navigation import Entry
from services.console.domain.problems import N_

router = APIRouter()
for module in (case, work, inbox):
    router.include_router(module.router)

STAFF = frozenset({"caseworker", "coordinator"})
MENU = [
    Entry("cases", N_("Cases"), "/cases", STAFF),
    Entry("referrals", N_("Referrals"), "/referrals", STAFF),
]
