"""Casework's pure rules for the referrals a partner receives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.casework.domain import Refused
from services.casework.domain import referrals as rules
from shared.events.casework import CaseOpened, ReferralAccepted, ReferralDeclined

AT = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
WAITING = rules.Incoming("r-1", "p-1", "assoc-la-cimade", "legal_support", rules.PENDING)


def test_accepting_opens_the_referrals_own_case_every_time() -> None:
    opened, accepted = rules.accept(WAITING, AT)
    assert isinstance(opened, CaseOpened)
    assert isinstance(accepted, ReferralAccepted)
    assert opened.case_id == accepted.case_id == rules.case_id_for("r-1")
    assert rules.accept(WAITING, AT)[0] == opened, "the same referral, the same case"
    assert rules.case_id_for("r-2") != opened.case_id
    assert (opened.organisation_id, opened.opened_at, accepted.accepted_at) == (
        "assoc-la-cimade",
        AT,
        AT,
    )


def test_declining_carries_the_sealed_reason_only() -> None:
    [declined] = rules.decline(WAITING, "enc:v1:abc", AT)
    assert isinstance(declined, ReferralDeclined)
    assert (declined.reason, declined.declined_at) == ("enc:v1:abc", AT)


@pytest.mark.parametrize("status", [s for s in rules.STATUSES if s != rules.PENDING])
def test_only_a_pending_referral_is_answered(status: str) -> None:
    answered = rules.Incoming("r-1", "p-1", "assoc-la-cimade", "legal_support", status)
    with pytest.raises(Refused, match=f"was {status} already"):
        rules.accept(answered, AT)
    with pytest.raises(Refused):
        rules.decline(answered, "enc:v1:abc", AT)


def test_intakes_moves_close_only_what_waits() -> None:
    assert rules.close(rules.PENDING, "revoked") == rules.REVOKED
    assert rules.close(rules.PENDING, "declined") == rules.DECLINED
    assert rules.close(rules.PENDING, "accepted") is None, "an answer is the partner's, here"
    assert rules.close(rules.ACCEPTED, "revoked") is None, "an open case stays open"


def test_only_legal_and_administrative_referrals_come_to_casework() -> None:
    assert rules.takes_on("legal_support")
    assert rules.takes_on("administrative_help")
    assert not rules.takes_on("french_course")
    assert rules.accepts_automatically("legal_support", ["legal_support"])
    assert not rules.accepts_automatically("administrative_help", ["legal_support"])
