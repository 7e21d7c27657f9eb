"""Who the identity provider says signed in, and the sentences a refused sign-in shows.

Pure: the claims arrive already verified (signature, issuer, audience, nonce)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.console.domain.problems import N_

ATTEMPT_LIFETIME = timedelta(minutes=10)
"""How long the provider may take to send the browser back: after this, the attempt is void."""

CANCELLED = N_("The sign-in was cancelled at your identity provider. You can try again.")
REFUSED = N_("Your identity provider did not confirm this sign-in. Please sign in again.")
STALE = N_("This sign-in has expired or was already used. Please sign in again.")
NO_ORGANISATION = N_(
    "Your account at the identity provider names no organisation: ask its administrator."
)
PROVIDER_DOWN = N_("Your identity provider does not answer. Please try again in a moment.")
NOT_CONFIGURED = N_("Sign-in through your organisation's identity provider is not configured.")


@dataclass(frozen=True)
class Identity:
    """A signed-in user as the console's session keeps them."""

    user_id: str
    organisation_id: str
    roles: tuple[str, ...]


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The claim at a dotted path (`realm_access.roles`), or None."""
    found: Any = claims
    for part in path.split("."):
        if not isinstance(found, Mapping):
            return None
        found = found.get(part)
    return found


def roles_of(value: Any) -> tuple[str, ...]:
    """Roles given as a list of names or as one space-separated string."""
    if isinstance(value, str):
        return tuple(sorted(set(value.split())))
    if isinstance(value, list | tuple):
        return tuple(sorted({role for role in value if isinstance(role, str) and role}))
    return ()


def identity_from(
    claims: Mapping[str, Any], *, organisation_claim: str, roles_claim: str
) -> Identity | None:
    """The user, organisation and roles in verified ID token claims; None without them."""
    user_id = claims.get("sub")
    organisation = claim_at(claims, organisation_claim)
    if not isinstance(user_id, str) or not user_id:
        return None
    if not isinstance(organisation, str) or not organisation:
        return None
    return Identity(user_id, organisation, roles_of(claim_at(claims, roles_claim)))


def attempt_stands(started: datetime, now: datetime) -> bool:
    """A sign-in attempt may still be completed at `now`."""
    return timedelta(0) <= now - started < ATTEMPT_LIFETIME


def callback_problem(error: str | None, code: str | None, state: str | None) -> str | None:
    """What is wrong with the provider's answer before anything is looked up; None if nothing."""
    if error == "access_denied":
        return CANCELLED
    if error:
        return REFUSED
    if not code or not state:
        return STALE
    return None
