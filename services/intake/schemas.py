"""Intake's request and response models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ChosenName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]


class PersonCreate(BaseModel):
    """A registration: a chosen name or pseudonym and a preferred language are enough."""

    model_config = ConfigDict(extra="forbid")

    chosen_name: ChosenName = Field(description="the name the person chooses; no document needed")
    preferred_language: LanguageTag = Field(description="BCP 47 tag, e.g. 'fr', 'ar', 'prs-AF'")


class PersonPublic(BaseModel):
    """A person as their organisation's caseworkers see them."""

    id: str
    organisation_id: str
    chosen_name: str
    preferred_language: str
    registered_at: datetime
