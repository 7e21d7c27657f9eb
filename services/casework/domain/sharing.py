"""Sharing a case with a partner: offered, then accepted or declined, or revoked."""

from __future__ import annotations

from services.casework.domain import Refused

KINDS = ("referral", "transfer")
"""A referral gives the partner access while ownership stays; a transfer gives ownership."""

MOVES: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({"offered"}), "accepted"),
    "decline": (frozenset({"offered"}), "declined"),
    "revoke": (frozenset({"offered", "accepted"}), "revoked"),
}
LIVE = ("offered", "accepted")


def offer(owner: str, to: str, consented: bool, live_kinds: set[str], kind: str) -> None:
    """Refuse an offer the rules forbid: to oneself, twice, or without the person's consent."""
    if to == owner:
        raise Refused("the case belongs to this organisation already")
    if kind in live_kinds:
        raise Refused(f"a {kind} to this organisation is under way already")
    if not consented:
        raise Refused(
            "the person has not consented to share their file with this organisation "
            "(share_with_partner, recorded at intake)"
        )


def move(status: str, action: str) -> str:
    """The share's next status, or Refused."""
    allowed_from, to = MOVES[action]
    if status not in allowed_from:
        raise Refused(f"a {status} share cannot be {to}")
    return to
