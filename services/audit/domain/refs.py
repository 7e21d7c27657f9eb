"""What an event is about, found in its envelope without knowing its contract: the ids of
persons, cases, placements, applications and organisations it names, so that a timeline or a
search is one indexed read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.audit.domain.arrivals import storable

REF_KEYS = {
    "person_id": "person",
    "case_id": "case",
    "placement_id": "placement",
    "application_id": "application",
    "organisation_id": "organisation",
    "from_organisation": "organisation",
    "to_organisation": "organisation",
    "partner_id": "organisation",
    "actororg": "organisation",
}
"""Keys of `data` (and of each of an access event's `reads`) naming what the event is about."""
READ_RESOURCES = {
    "person": "person",
    "case": "case",
    "case_notes": "case",
    "placement": "placement",
    "application": "application",
}
"""An access event's read resource whose `resource_id` names a person, case, placement..."""
REF_LENGTH = 128

Ref = tuple[str, str]


def event_refs(wire: Mapping[str, Any], *, escaped: bool = True) -> set[Ref]:
    """(kind, id) of everything the envelope names: its `data`'s ids at the top level and in
    `data.reads[]`, and the acting organisation. `escaped=False` says the message had no
    `\\u` escape, so every text in it is storable."""
    data = wire.get("data") or {}
    refs = _named(data, escaped)
    reads = data.get("reads")
    if isinstance(reads, list):
        for read in reads:
            if isinstance(read, Mapping):
                refs |= _named(read, escaped)
                _add_resource(refs, read, escaped)
    _add(refs, "organisation", wire.get("actororg"), escaped)
    return refs


def _named(data: Mapping[str, Any], escaped: bool) -> set[Ref]:
    refs: set[Ref] = set()
    for key in REF_KEYS.keys() & data.keys():
        value = data[key]
        _add(refs, REF_KEYS[key], str(value) if isinstance(value, int) else value, escaped)
    return refs


def _add_resource(refs: set[Ref], read: Mapping[str, Any], escaped: bool) -> None:
    kind = READ_RESOURCES.get(str(read.get("resource", "")))
    if kind is not None:
        _add(refs, kind, read.get("resource_id"), escaped)


def _add(refs: set[Ref], kind: str, ref: object, escaped: bool) -> None:
    # an id too long to index is no id of ours: the event stays findable by its other refs
    if isinstance(ref, str) and 0 < len(ref) <= REF_LENGTH and (not escaped or storable(ref)):
        refs.add((kind, ref))
