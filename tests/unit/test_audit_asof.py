"""A case, a housing placement and a person's consents as they were at an instant, folded by
audit from envelopes built with the real contracts and the services' outbox envelope."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import MetaData

from services.audit.domain import case_parts
from services.audit.domain.asof import Recorded
from services.audit.domain.cases import Case, case_as_of
from services.audit.domain.persons import accesses, person_as_of
from services.audit.domain.placements import placement_as_of
from services.casework.schemas.appointments import AppointmentPublic
from services.casework.schemas.cases import CasePublic
from services.casework.schemas.deadlines import DeadlinePublic
from services.casework.schemas.sharing import SharePublic
from shared.crypto import encrypt_field, generate_key
from shared.events import access, casework, housing, intake
from shared.events.base import Event
from shared.outbox import Metadata, OutboxLog, define_outbox_table

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CASE, PERSON, OTHER = "case-1", "person-1", "person-2"
KEY = generate_key()
TABLE = define_outbox_table(MetaData())


class History:
    """Events recorded by their services, one chain per source, as audit stores them."""

    def __init__(self) -> None:
        self.events: list[Recorded] = []
        self._seqs: dict[str, int] = defaultdict(int)

    def add(
        self, event: Event, at: datetime, actor: str | None = "alice", org: str | None = "cimade"
    ) -> None:
        """Record the event as its service would at `at`, by `actor` of `org`."""
        source = event.TYPE.split(".")[0]
        self._seqs[source] += 1
        log = OutboxLog(TABLE, source=source, topic=f"{source}.events")
        envelope = log.envelope(event, Metadata(actor=actor, actororg=org), now=at)
        wire = envelope.model_copy(update={"seq": self._seqs[source], "prevhash": "0" * 64})
        self.events.append(Recorded.from_wire(json.loads(json.dumps(wire.to_wire()))))


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def opened(history: History, case_type: str | None = "asylum_normal") -> None:
    history.add(
        casework.CaseOpened(
            case_id=CASE,
            person_id=PERSON,
            organisation_id="cimade",
            service="legal_support",
            opened_at=at(0),
            case_type=case_type,
        ),
        at(0),
    )


def moved(history: History, minutes: int, from_: str, to: str, version: int) -> None:
    history.add(
        casework.CaseStatusChanged(
            case_id=CASE,
            person_id=PERSON,
            organisation_id="cimade",
            case_type="asylum_normal",
            from_status=from_,
            to_status=to,
            effective_on=date(2026, 3, 2),
            version=version,
            changed_at=at(minutes),
        ),
        at(minutes),
    )


def shared_then_transferred(history: History) -> None:
    history.add(
        casework.CaseAssigned(
            case_id=CASE, organisation_id="cimade", assignee="bob", version=2, assigned_at=at(10)
        ),
        at(10),
    )
    for minutes, share, kind, to in (
        (20, "s-1", "referral", "asso-x"),
        (30, "s-2", "transfer", "asso-y"),
    ):
        history.add(
            casework.CaseShareOffered(
                case_id=CASE,
                share_id=share,
                person_id=PERSON,
                from_organisation="cimade",
                to_organisation=to,
                kind=kind,
                offered_at=at(minutes),
            ),
            at(minutes),
        )
        history.add(
            casework.CaseShareAnswered(
                case_id=CASE,
                share_id=share,
                to_organisation=to,
                kind=kind,
                status="accepted",
                answered_at=at(minutes + 5),
            ),
            at(minutes + 5),
            actor="yann",
            org=to,
        )
    history.add(
        casework.CaseTransferred(
            case_id=CASE,
            person_id=PERSON,
            from_organisation="cimade",
            to_organisation="asso-y",
            version=3,
            transferred_at=at(35),
        ),
        at(35),
        actor="yann",
        org="asso-y",
    )


def test_a_case_at_each_instant_has_its_status_owner_caseworker_and_partners() -> None:
    history = History()
    opened(history)
    shared_then_transferred(history)
    moved(history, 40, "spada_pre_registered", "gu_registered", 4)

    first = case_as_of(CASE, history.events, at(5))
    assert first is not None
    assert (first.status, first.organisation_id, first.assignee, first.version) == (
        "spada_pre_registered",
        "cimade",
        None,
        1,
    )
    assert first.partners == []
    assert first.updated_at is None

    shared = case_as_of(CASE, history.events, at(25))
    assert shared is not None
    assert (shared.assignee, shared.partners, shared.version) == ("bob", ["asso-x"], 2)
    assert shared.shares["s-1"].answered_by == "yann"
    assert shared.shares["s-1"].offered_by == "alice"

    transferred = case_as_of(CASE, history.events, at(35))
    assert transferred is not None
    assert (transferred.organisation_id, transferred.assignee, transferred.version) == (
        "asso-y",
        None,
        3,
    )
    assert transferred.partners == ["asso-x"]  # the transfer is no partner's access
    assert transferred.updated_at == at(35)

    now = case_as_of(CASE, history.events, None)
    assert now is not None
    assert (now.status, now.version) == ("gu_registered", 4)


def test_a_case_not_yet_opened_is_none_and_other_cases_events_are_ignored() -> None:
    history = History()
    opened(history)
    history.add(
        casework.CaseAssigned(
            case_id="case-2", organisation_id="cimade", assignee="eve", version=2, assigned_at=at(3)
        ),
        at(3),
    )
    assert case_as_of(CASE, history.events, at(0) - timedelta(seconds=1)) is None
    case = case_as_of(CASE, history.events, at(5))
    assert case is not None
    assert case.assignee is None


def test_the_first_status_comes_from_the_first_move_out_of_it_or_the_procedures() -> None:
    history = History()
    opened(history)
    assert case_as_of(CASE, history.events, None) == _with_status(history, None)
    known = case_as_of(
        CASE, history.events, None, initial={"asylum_normal": "spada_pre_registered"}
    )
    assert known is not None
    assert known.status == "spada_pre_registered"

    referred = History()
    opened(referred, case_type=None)
    case = case_as_of(CASE, referred.events, None)
    assert case is not None
    assert (case.status, case.case_type) == ("open", None)


def _with_status(history: History, status: str | None) -> Case | None:
    case = case_as_of(CASE, history.events, None)
    assert case is not None
    return dataclasses.replace(case, status=status)


def test_deadlines_open_recomputed_then_met_and_their_due_dates() -> None:
    history = History()
    opened(history)
    history.add(
        casework.DeadlineSet(
            case_id=CASE,
            deadline_id="d-1",
            person_id=PERSON,
            organisation_id="cimade",
            rule_id="ofpra_filing",
            rule_version=1,
            legal_reference="CESEDA L531-2",
            anchor=date(2026, 3, 2),
            computed_due=date(2026, 3, 23),
            notified_due=date(2026, 3, 20),
            set_at=at(0),
        ),
        at(0),
    )
    history.add(
        casework.DeadlineRecomputed(
            case_id=CASE,
            deadline_id="d-1",
            cause="suspended",
            old_due=date(2026, 3, 23),
            new_due=None,
            old_rule_version=1,
            new_rule_version=1,
            recomputed_at=at(10),
        ),
        at(10),
    )
    moved(history, 20, "spada_pre_registered", "ofpra_filed", 2)
    history.add(
        casework.DeadlineClosed(case_id=CASE, deadline_id="d-1", outcome="met", closed_at=at(20)),
        at(20),
    )
    first = case_as_of(CASE, history.events, at(1))
    assert first is not None
    [deadline] = first.open_deadlines()
    assert (deadline.due, deadline.differs) == (date(2026, 3, 20), True)
    suspended = case_as_of(CASE, history.events, at(10))
    assert suspended is not None
    [deadline] = suspended.open_deadlines()
    assert (deadline.computed_due, deadline.due, len(deadline.revisions)) == (
        None,
        date(2026, 3, 20),
        1,
    )
    met = case_as_of(CASE, history.events, at(20))
    assert met is not None
    assert met.open_deadlines() == []
    assert met.deadlines["d-1"].status == "met"


def appointment(kind: type[casework._Appointment], revision: int, starts: datetime) -> Event:
    place = encrypt_field(KEY, "Préfecture, guichet 3", aad=casework.place_aad(CASE, "a-1"))
    return kind(
        case_id=CASE,
        appointment_id="a-1",
        person_id=PERSON,
        organisation_id="cimade",
        kind="prefecture",
        revision=revision,
        starts_at=starts,
        timezone="Europe/Paris",
        place=place,
    )


def test_appointments_are_scheduled_moved_and_attended_as_casework_said() -> None:
    history = History()
    opened(history)
    history.add(appointment(casework.AppointmentScheduled, 1, at(60 * 24)), at(5))
    history.add(appointment(casework.AppointmentRescheduled, 2, at(60 * 48)), at(10), actor="bob")
    history.add(appointment(casework.AppointmentAttended, 3, at(60 * 48)), at(60 * 49))
    scheduled = case_as_of(CASE, history.events, at(7))
    assert scheduled is not None
    assert scheduled.appointments["a-1"].status == "scheduled"
    assert scheduled.appointments["a-1"].starts_at == at(60 * 24)
    moved_ = case_as_of(CASE, history.events, at(11))
    assert moved_ is not None
    moved_appointment = moved_.appointments["a-1"]
    assert (moved_appointment.revision, moved_appointment.updated_by) == (2, "bob")
    assert moved_appointment.updated_at == at(10)
    done = case_as_of(CASE, history.events, None)
    assert done is not None
    assert done.appointments["a-1"].status == "attended"


def test_the_folded_case_carries_casework_answers_field_names() -> None:
    """What audit shows is named as casework names it, so both can be compared field by field."""

    def names(kind: type) -> set[str]:
        found = {f.name for f in dataclasses.fields(kind)}
        return found | {n for n, v in vars(kind).items() if isinstance(v, property)}

    assert set(CasePublic.model_fields) - {"allowed_transitions"} <= names(Case)
    assert set(SharePublic.model_fields) - {"reason"} <= names(case_parts.Share)
    assert set(DeadlinePublic.model_fields) - {"label", "clock"} <= names(case_parts.Deadline)
    assert set(AppointmentPublic.model_fields) - {"local_start", "history"} <= names(
        case_parts.Appointment
    )


def placement(history: History) -> None:
    history.add(
        housing.PlacementRequested(
            placement_id="p-1",
            person_id=PERSON,
            organisation_id="cimade",
            household_size=3,
            household_known=True,
            requested_at=at(0),
        ),
        at(0),
    )
    history.add(
        housing.BedOffered(
            offer_id="o-1",
            placement_id="p-1",
            site_id="site",
            room_id="room",
            bed_ids=["b1", "b2", "b3"],
            first_night=date(2026, 3, 2),
            nights=7,
            expires_at=at(60),
            offered_at=at(10),
        ),
        at(10),
        actor="cora",
        org="operator",
    )


def test_a_placement_is_waiting_offered_placed_then_closed_with_its_beds_and_nights() -> None:
    history = History()
    placement(history)
    history.add(
        housing.CheckedIn(
            stay_id="st-1",
            offer_id="o-1",
            placement_id="p-1",
            site_id="site",
            room_id="room",
            bed_ids=["b1", "b2", "b3"],
            first_night=date(2026, 3, 2),
            last_night=date(2026, 3, 8),
            checked_in_at=at(50),
        ),
        at(50),
        actor="cora",
        org="operator",
    )
    history.add(
        housing.CheckedOut(
            stay_id="st-1",
            offer_id="o-1",
            placement_id="p-1",
            site_id="site",
            room_id="room",
            bed_ids=["b1", "b2", "b3"],
            reason="orientation",
            flagged=False,
            last_night=date(2026, 3, 4),
            checked_out_at=at(60 * 72),
        ),
        at(60 * 72),
    )
    statuses = [placement_as_of("p-1", history.events, at(m)) for m in (5, 20, 55, 60 * 80)]
    assert [p.status if p else None for p in statuses] == ["waiting", "offered", "placed", "closed"]
    placed = statuses[2]
    assert placed is not None
    assert placed.offers["o-1"].status == "taken"
    assert placed.stays["st-1"].nights == 7
    assert placed.stays["st-1"].bed_ids == ("b1", "b2", "b3")
    left = statuses[3]
    assert left is not None
    assert left.stays["st-1"].nights == 3
    assert left.stays["st-1"].check_out_reason == "orientation"
    assert placement_as_of("p-1", history.events, at(-1)) is None


def test_an_offer_not_taken_up_expires_and_the_request_waits_again() -> None:
    history = History()
    placement(history)
    history.add(
        housing.OfferExpired(
            offer_id="o-1",
            kind="offer",
            placement_id="p-1",
            site_id="site",
            room_id="room",
            bed_ids=["b1", "b2", "b3"],
            first_night=date(2026, 3, 2),
            nights=7,
            expired_at=at(60),
        ),
        at(60),
        actor="system",
    )
    found = placement_as_of("p-1", history.events, None)
    assert found is not None
    assert (found.status, found.offers["o-1"].status, found.offers["o-1"].closed_at) == (
        "waiting",
        "expired",
        at(60),
    )
    assert found.offers["o-1"].offered_by == "cora"


def consents_and_referrals(history: History) -> None:
    history.add(
        intake.ConsentGiven(
            person_id=PERSON,
            consent_id="c-1",
            purpose="share_with_partner",
            partner_id="asso-x",
            given_at=at(0),
        ),
        at(0),
    )
    history.add(
        intake.ReferralRequested(
            person_id=PERSON,
            referral_id="r-1",
            partner_id="asso-x",
            service="legal_support",
            requested_at=at(1),
        ),
        at(1),
    )
    history.add(
        casework.ReferralAccepted(
            referral_id="r-1",
            person_id=PERSON,
            organisation_id="asso-x",
            case_id=CASE,
            accepted_at=at(5),
        ),
        at(5),
        actor="service:casework",
        org="asso-x",
    )
    history.add(
        intake.ReferralStatusChanged(
            person_id=PERSON,
            referral_id="r-1",
            partner_id="asso-x",
            status="accepted",
            changed_at=at(6),
        ),
        at(6),
    )
    history.add(
        intake.ConsentWithdrawn(person_id=PERSON, consent_id="c-1", withdrawn_at=at(30)),
        at(30),
        actor="ines",
    )


def test_a_persons_consents_and_referrals_as_they_were() -> None:
    history = History()
    consents_and_referrals(history)
    history.add(
        intake.ConsentGiven(person_id=OTHER, consent_id="c-9", purpose="sms", given_at=at(2)), at(2)
    )

    before = person_as_of(PERSON, history.events, at(1))
    assert list(before.consents) == ["c-1"]
    assert before.consents["c-1"].withdrawn_at is None
    assert before.referrals["r-1"].status == "requested"
    assert before.referrals["r-1"].partner_case_id is None

    accepted = person_as_of(PERSON, history.events, at(10))
    referral = accepted.referrals["r-1"]
    assert (referral.status, referral.partner_case_id, referral.updated_at) == (
        "accepted",
        CASE,
        at(6),
    )
    later = person_as_of(PERSON, history.events, None)
    assert (later.consents["c-1"].withdrawn_by, later.consents["c-1"].withdrawn_at) == (
        "ines",
        at(30),
    )
    assert not person_as_of("nobody", history.events, None).known


def test_who_read_a_person_s_data_from_access_events_and_key_releases() -> None:
    history = History()

    def read(
        resource: str, resource_id: str, person: str | None, minutes: int
    ) -> access.PersonalDataReadEntry:
        return access.PersonalDataReadEntry(
            actor="bob",
            actororg="cimade",
            resource=resource,
            resource_id=resource_id,
            person_id=person,
            at=at(minutes),
            route="/cases/{case_id}",
        )

    history.add(
        access.CaseworkPersonalDataRead(
            reads=[read("case_notes", CASE, PERSON, 3), read("case_notes", "case-9", OTHER, 4)]
        ),
        at(5),
        actor=None,
        org=None,
    )
    history.add(
        intake.PersonKeyReleased(person_id=PERSON, service="casework", released_at=at(1)),
        at(1),
        actor="service:casework",
        org="passerelle",
    )
    history.add(
        access.IntakePersonalDataRead(
            reads=[read("key_release", PERSON, PERSON, 1), read("person", PERSON, None, 7)]
        ),
        at(8),
    )
    found = accesses(PERSON, history.events)
    assert [(a.resource, a.actor, a.at) for a in found] == [
        ("key_release", "service:casework", at(1)),
        ("case_notes", "bob", at(3)),
        ("person", "bob", at(7)),
    ]
    assert found[1].source == "casework"
    assert found[1].route == "/cases/{case_id}"
    assert [a.resource_id for a in accesses(OTHER, history.events)] == ["case-9"]
