"""Explicit merges of duplicate records, one level deep, and the splits that undo them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.intake.domain import Refused
from shared.events.base import Event
from shared.events.intake import PersonsMerged, PersonsSplit


@dataclass(frozen=True)
class MergeSide:
    """One of two records to merge, with what the rules need to know of it."""

    person_id: str
    erased: bool
    merged_into: str | None
    absorbed: int
    """How many records are merged into this one now."""


def merge(survivor: MergeSide, duplicate: MergeSide, merge_id: str, now: datetime) -> list[Event]:
    """Merge `duplicate` into `survivor`: only live records of their own, one level deep (a
    record others were merged into is merged into by others, never merged away)."""
    if survivor.person_id == duplicate.person_id:
        raise Refused("a record cannot be merged with itself")
    for side in (survivor, duplicate):
        if side.erased:
            raise Refused(f"person {side.person_id} is erased")
        if side.merged_into is not None:
            raise Refused(f"person {side.person_id} was merged into {side.merged_into} already")
    if duplicate.absorbed:
        raise Refused(
            f"records are merged into person {duplicate.person_id}: merge the other way, "
            "or split those merges first"
        )
    return [
        PersonsMerged(
            person_id=survivor.person_id,
            merged_id=duplicate.person_id,
            merge_id=merge_id,
            merged_at=now,
        )
    ]


def split(
    merge_id: str,
    survivor_id: str,
    merged_id: str,
    already_split: bool,
    erased: bool,
    now: datetime,
) -> list[Event]:
    """Undo a merge: both records stand alone again, as they were."""
    if already_split:
        raise Refused("this merge was split already")
    if erased:
        raise Refused("the person is erased: there is nothing left to split")
    return [
        PersonsSplit(person_id=survivor_id, restored_id=merged_id, merge_id=merge_id, split_at=now)
    ]
