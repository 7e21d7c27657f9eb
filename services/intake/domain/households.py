"""Households: members and dependants around a reference person, children's ages and, where
the person agrees, pregnancy or health flags (housing priority needs them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Generic, Protocol, Self, TypeVar


class Relationship(StrEnum):
    """A member's relation to the household's reference person."""

    PARTNER = "partner"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    GRANDCHILD = "grandchild"
    OTHER_RELATIVE = "other_relative"
    OTHER = "other"


CHILDREN = frozenset({Relationship.CHILD, Relationship.GRANDCHILD})
MEMBER_DETAILS = ("birth_date", "birth_year", "flags")
"""A registered member's own details: sealed again with that member's key."""


class Flags(Protocol):
    """Health flags: whether any is raised is all the rules need."""

    @property
    def any(self) -> bool:
        """Whether any flag is raised."""
        ...


class Member(Protocol):
    """A member as the rules see them: who (when registered) and their flags."""

    @property
    def person_id(self) -> uuid.UUID | None:
        """The member's id, when registered themselves."""
        ...

    @property
    def flags(self) -> Flags | None:
        """The member's health flags, if any were recorded."""
        ...

    def without_flags(self) -> Self:
        """The same member, their flags cleared."""
        ...


F = TypeVar("F", bound=Flags)
M = TypeVar("M", bound=Member)


@dataclass(frozen=True)
class Composition(Generic[F, M]):
    """A household's members and the reference person's flags. The whole is encrypted with the
    reference person's key; inside it, each registered member's own details (birth date or
    year, health flags) are sealed again with that member's key, so erasing a member erases
    them from every version of the household, including those already published."""

    flags: F | None
    members: list[M]

    def registered(self) -> set[str]:
        """Ids of the members who are registered persons."""
        return {str(m.person_id) for m in self.members if m.person_id is not None}

    def flagged(self, reference_id: str) -> list[str]:
        """The persons whose consent the raised flags need (the reference for dependants)."""
        flagged = {
            str(member.person_id or reference_id)
            for member in self.members
            if member.flags is not None and member.flags.any
        }
        if self.flags is not None and self.flags.any:
            flagged.add(reference_id)
        return sorted(flagged)

    def without_health_of(self, person_id: str, reference_id: str) -> Composition[F, M]:
        """The composition once `person_id` withdrew consent to health information: their flags
        go, and for the reference person those of the dependants too."""
        is_reference = person_id == reference_id
        members = [
            m.without_flags()
            if (str(m.person_id) == person_id) or (is_reference and m.person_id is None)
            else m
            for m in self.members
        ]
        return Composition(None if is_reference else self.flags, members)

    def without(self, person_id: str) -> Composition[F, M]:
        """The composition once the registered person left it."""
        return Composition(self.flags, [m for m in self.members if str(m.person_id) != person_id])

    def health(self) -> list[Flags | None]:
        """Every flag recorded, to tell whether a change cleared any."""
        return [self.flags, *(m.flags for m in self.members)]


def household_aad(person_id: str, household_id: str) -> str:
    """What binds a sealed part of the household to the person whose key seals it (the
    reference person for the whole, a registered member for their own details)."""
    return f"{person_id}:household:{household_id}"


def age_on(today: date, birth_date: date | None, birth_year: int | None) -> int | None:
    """Age in full years; from the year alone it is the age reached this year."""
    if birth_date is not None:
        before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
        return today.year - birth_date.year - int(before_birthday)
    if birth_year is not None:
        return today.year - birth_year
    return None
