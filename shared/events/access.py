"""Access events: each service's reads of personal data, recorded in its own chain.

A service queues the reads its routes answer (a person's file, a case's notes, an export, a
key release) and writes them, a batch at a time, as one `<service>.personal_data_read` event
on its own topic, keyed by the service's name. Only ids, routes and times travel: never what
was read."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import Event


class PersonalDataReadEntry(BaseModel):
    """One read: who read which resource about which person, when, through which route."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: str = Field(description="the user, or `service:<name>` for a service account")
    actororg: str | None = Field(description="the reader's organisation")
    resource: str = Field(description="what was read: person, case_notes, export, key_release...")
    resource_id: str
    person_id: str | None = Field(description="the person the resource is about, when known")
    at: datetime
    route: str = Field(description="the route's template, e.g. /persons/{person_id}")


class PersonalDataRead(Event):
    """Reads of personal data a service answered, a batch at a time."""

    AGGREGATE = "service"
    SERVICE: ClassVar[str]

    reads: list[PersonalDataReadEntry] = Field(min_length=1)

    def aggregate_key(self) -> str:
        """The reading service's name: its access events follow each other on one partition."""
        return self.SERVICE


class IntakePersonalDataRead(PersonalDataRead):
    """Reads of personal data intake answered: persons' files, households, needs, exports,
    and releases of persons' keys to other services."""

    TYPE = "intake.personal_data_read.v1"
    SERVICE = "intake"


class CaseworkPersonalDataRead(PersonalDataRead):
    """Reads of personal data casework answered: cases, their notes and their tasks."""

    TYPE = "casework.personal_data_read.v1"
    SERVICE = "casework"


class HousingPersonalDataRead(PersonalDataRead):
    """Reads of personal data housing answered: placement requests and housing applications."""

    TYPE = "housing.personal_data_read.v1"
    SERVICE = "housing"


class NotificationsPersonalDataRead(PersonalDataRead):
    """Reads of personal data notifications answered: a person's contact and messages."""

    TYPE = "notifications.personal_data_read.v1"
    SERVICE = "notifications"


CONTRACTS: tuple[type[PersonalDataRead], ...] = (
    IntakePersonalDataRead,
    CaseworkPersonalDataRead,
    HousingPersonalDataRead,
    NotificationsPersonalDataRead,
)

BY_SERVICE: dict[str, type[PersonalDataRead]] = {c.SERVICE: c for c in CONTRACTS}
"""Each service's access event, by the service's name."""
