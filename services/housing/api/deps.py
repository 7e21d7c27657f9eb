"""What housing's routes receive: the signed-in roles and the few dependencies they use."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.housing.container import Housing
from services.housing.queries.access import operates
from services.housing.settings import HousingSettings
from shared.auth import Caseworker, Principal, Staff
from shared.service import Now, Reading, Reads, Units, provided

Operator = Annotated[str, Depends(provided(Housing, lambda h: h.operator))]
"""The organisation that runs the centre."""


def settings_of(housing: Housing) -> HousingSettings:
    """The settings housing runs with (hold length, offers' hour, the centre's time zone...)."""
    return housing.settings


Settings = Annotated[HousingSettings, Depends(provided(Housing, settings_of))]


async def _manager(principal: Caseworker, operator: Operator) -> Principal:
    operates(principal, operator)
    return principal


async def _operator_staff(principal: Staff, operator: Operator) -> Principal:
    operates(principal, operator)
    return principal


Manager = Annotated[Principal, Depends(_manager)]
"""A caseworker or coordinator of the operating organisation: edits the centre."""
OperatorStaff = Annotated[Principal, Depends(_operator_staff)]
"""Any staff of the operating organisation: reads what only the operator sees."""

__all__ = ["Manager", "Now", "OperatorStaff", "Reading", "Reads", "Settings", "Staff", "Units"]
