"""The auditors' pages, from audit: a search by person or case, a person's history across
services with their consents and referrals on a chosen date and who read their file, a case as
it stood on a date, and each service's chain and checkpoints. Auditors only."""

from fastapi import APIRouter

from services.console.api.audit import cases, entry, persons
from services.console.domain.navigation import Entry
from services.console.domain.problems import N_

router = APIRouter()
for module in (entry, persons, cases):
    router.include_router(module.router)

MENU = [Entry("audit", N_("Audit"), "/audit", frozenset({"auditor"}))]
