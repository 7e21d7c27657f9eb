"""What the reception centre's pages ask housing, shaped for the templates: the rooms a
household could be offered, named as on the bed board."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.console.domain.housing import member_codes
from services.console.queries.services import Services


@dataclass(frozen=True)
class RoomsFor:
    """A placement's household, the rooms that take it on the nights asked for, and the
    others with their reason; rooms and beds named from the board of the first night."""

    placement: dict[str, Any]
    availability: dict[str, Any]
    rooms: dict[str, dict[str, Any]]
    sites: dict[str, dict[str, Any]]
    beds: dict[str, str]

    def labels(self, bed_ids: list[str]) -> str:
        """The beds' labels, in order, as one text."""
        return ", ".join(self.beds.get(bed, bed) for bed in bed_ids)


async def rooms_for(
    services: Services, token: str, placement_id: str, first_night: date | None, nights: int
) -> RoomsFor | None:
    """The rooms for a placement's household; None when the user may not see them."""
    placement = await services.get("housing", f"/placements/{placement_id}", token)
    if placement is None:
        return None
    night = {"night": first_night.isoformat()} if first_night else {}
    board = await services.get("housing", "/board", token, **night)
    if board is None:
        return None
    params = {
        "first_night": board["night"],
        "nights": nights,
        "member": member_codes(placement["members"]),
        "accessible": placement["accessible"],
        "cot": placement["cot"],
        "women_only": placement["women_only"],
    }
    found = await services.get("housing", "/rooms/availability", token, **params)
    if found is None:
        return None
    sites = {site["id"]: site for site in board["sites"]}
    rooms = {
        room["id"]: {**room, "site": site["name"]}
        for site in board["sites"]
        for room in site["rooms"]
    }
    beds = {bed["id"]: bed["label"] for room in rooms.values() for bed in room["beds"]}
    return RoomsFor(placement, found, rooms, sites, beds)
