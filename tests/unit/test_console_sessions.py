"""The console's sessions and sign-ins, as pure rules: when a session ends, who the provider's
claims name, and what a callback's parameters already say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.console.domain.identity import (
    ATTEMPT_LIFETIME,
    CANCELLED,
    REFUSED,
    STALE,
    Identity,
    attempt_stands,
    callback_problem,
    identity_from,
)
from services.console.domain.sessions import Lifetime

NOW = datetime(2026, 3, 25, 10, 0, tzinfo=UTC)
LIFETIME = Lifetime(idle=timedelta(minutes=30), longest=timedelta(hours=12))


def test_a_session_never_outlives_its_access_token() -> None:
    ends = LIFETIME.ends(NOW, 3600)
    assert ends == NOW + timedelta(hours=1)
    busy = ends - timedelta(minutes=1)
    assert LIFETIME.stands(NOW, busy, ends - timedelta(seconds=1), ends)
    assert not LIFETIME.stands(NOW, busy, ends, ends), "in use, yet its token has expired"


def test_a_long_token_still_ends_with_the_longest_session() -> None:
    assert LIFETIME.ends(NOW, 7 * 24 * 3600) == NOW + timedelta(hours=12)
    assert LIFETIME.ends(NOW, None) == NOW + timedelta(hours=12)
    assert LIFETIME.ends(NOW, -5) == NOW, "an expired token opens no session"


def test_idleness_still_ends_a_session_before_its_token() -> None:
    assert not LIFETIME.stands(NOW, NOW, NOW + timedelta(minutes=30), NOW + timedelta(hours=1))


def test_the_organisation_and_roles_come_from_the_configured_claims() -> None:
    claims = {
        "sub": "u-42",
        "tenant": {"id": "assoc-x"},
        "realm_access": {"roles": ["caseworker", "caseworker", "intake"]},
    }
    found = identity_from(claims, organisation_claim="tenant.id", roles_claim="realm_access.roles")
    assert found == Identity("u-42", "assoc-x", ("caseworker", "intake"))


def test_roles_may_be_one_spaced_string_and_may_be_missing() -> None:
    spaced = identity_from(
        {"sub": "u", "org": "o", "roles": "coordinator caseworker"},
        organisation_claim="org",
        roles_claim="roles",
    )
    assert spaced is not None
    assert spaced.roles == ("caseworker", "coordinator")
    bare = identity_from({"sub": "u", "org": "o"}, organisation_claim="org", roles_claim="roles")
    assert bare is not None
    assert bare.roles == ()


def test_claims_without_an_organisation_or_subject_name_nobody() -> None:
    assert identity_from({"sub": "u"}, organisation_claim="org", roles_claim="roles") is None
    assert (
        identity_from({"sub": "u", "org": ["a"]}, organisation_claim="org", roles_claim="r") is None
    )
    assert identity_from({"org": "o"}, organisation_claim="org", roles_claim="roles") is None


def test_an_attempt_is_short_lived() -> None:
    assert attempt_stands(NOW, NOW + ATTEMPT_LIFETIME - timedelta(seconds=1))
    assert not attempt_stands(NOW, NOW + ATTEMPT_LIFETIME)
    assert not attempt_stands(NOW, NOW - timedelta(seconds=1)), "started in the future"


def test_what_the_callback_says_before_any_lookup() -> None:
    assert callback_problem("access_denied", None, "s") == CANCELLED
    assert callback_problem("server_error", None, "s") == REFUSED
    assert callback_problem(None, "c", None) == STALE
    assert callback_problem(None, None, "s") == STALE
    assert callback_problem(None, "c", "s") is None
