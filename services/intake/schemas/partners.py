"""Partner organisations and the services they provide."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from shared.schemas import Command


class ServiceKind(StrEnum):
    """What a partner provides."""

    LEGAL_SUPPORT = "legal_support"
    ADMINISTRATIVE_HELP = "administrative_help"
    FRENCH_COURSE = "french_course"
    FORUM = "forum"
    EMERGENCY_SHELTER = "emergency_shelter"
    SOCIAL_HOUSING_SUPPORT = "social_housing_support"
    HEALTH_ACCESS = "health_access"


PartnerId = Annotated[str, StringConstraints(max_length=64, pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]


class PartnerCreate(Command):
    """A partner organisation and its services."""

    id: PartnerId
    name: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=2, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$"
        ),
    ]
    services: list[ServiceKind] = Field(min_length=1, max_length=len(ServiceKind))


class PartnerPublic(BaseModel):
    """A partner organisation."""

    id: str
    name: str
    services: list[ServiceKind]
    registered_at: datetime
