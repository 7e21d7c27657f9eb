"""The reception centre's pages, from housing: the bed board (tonight's or any night's) with
its holds, check-ins and check-outs, the waiting list and the rooms a household could be
offered, and the social housing applications with their renewals."""

from fastapi import APIRouter

from services.console.api.housing import applications, board, rooms
from services.console.domain.navigation import Entry
from services.console.domain.problems import N_

router = APIRouter()
for module in (board, rooms, applications):
    router.include_router(module.router)

MENU = [Entry("housing", N_("Beds"), "/housing/board", frozenset({"caseworker", "coordinator"}))]
