"""The persons pages: search and registration, a person's page, its links (referrals,
duplicates and merges), household and needs, and the coordinators' rights actions."""

from fastapi import APIRouter

from services.console.api.persons import household, links, person, rights
from services.console.domain.navigation import Entry
from services.console.domain.problems import N_

router = APIRouter()
for module in (person, links, household, rights):
    router.include_router(module.router)

MENU = [Entry("persons", N_("Persons"), "/persons")]
