"""A case as it was at an instant, folded from casework's events without I/O: its status,
owner and caseworker, the partners it was shared with, its legal deadlines and appointments.

The fields and their names are those of casework's answers (`CasePublic`, `SharePublic`,
`DeadlinePublic`, `AppointmentPublic`), for what the events carry: a decline's reason, a
deadline's label and clock, and the procedure's allowed moves stay in casework.

`case_opened` carries the procedure's first status since casework says it; for a case
opened before, it is read from the first move out of it (the `from_status` of the case's
first status change, whenever it came), else from the procedures' first statuses when the
caller knows them, else left unknown."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from services.audit.domain.asof import Recorded, contracts_of, decode, in_order
from services.audit.domain.case_parts import Appointment, Deadline, Revision, Share
from shared.events import casework as cw
from shared.events.base import Event

CONTRACTS = contracts_of(cw.CONTRACTS)


@dataclass
class Case:
    """A case file as it stood; `status` None when its first status cannot be known."""

    id: str
    person_id: str
    organisation_id: str
    service: str
    referral_id: str | None
    case_type: str | None
    status: str | None
    assignee: str | None
    opened_at: datetime
    updated_at: datetime | None = None
    version: int = 1
    shares: dict[str, Share] = field(default_factory=dict)
    deadlines: dict[str, Deadline] = field(default_factory=dict)
    appointments: dict[str, Appointment] = field(default_factory=dict)

    @property
    def partners(self) -> list[str]:
        """The organisations the case is shared with (an accepted referral, not revoked)."""
        return sorted(
            {
                s.organisation_id
                for s in self.shares.values()
                if s.kind == "referral" and s.status == "accepted"
            }
        )

    def open_deadlines(self) -> list[Deadline]:
        """The deadlines still running, soonest due first."""
        running = [d for d in self.deadlines.values() if d.status == "open"]
        return sorted(running, key=lambda d: (d.due is None, d.due or date.max, d.id))


UNTYPED = "open"
"""The status of a case opened from a referral, before its procedure is chosen."""


def case_as_of(
    case_id: str,
    events: Iterable[Recorded],
    as_of: datetime | None,
    initial: Mapping[str, str] | None = None,
) -> Case | None:
    """The case as it stood at `as_of` (now, without it), from casework's events about it
    (others are ignored); None if it was not opened by then. `initial`: the first status of
    each procedure, when known."""
    ordered = [e for e in in_order(events) if e.source == "casework"]
    case: Case | None = None
    for event in ordered:
        if as_of is not None and event.time > as_of:
            break
        contract = decode(event, CONTRACTS)
        if contract is None or getattr(contract, "case_id", None) != case_id:
            continue
        if isinstance(contract, cw.CaseOpened):
            case = _opened(contract, _first_status(contract, ordered, initial or {}))
        elif case is not None:
            _apply(case, contract, event)
    return case


def _opened(event: cw.CaseOpened, status: str | None) -> Case:
    return Case(
        id=event.case_id,
        person_id=event.person_id,
        organisation_id=event.organisation_id,
        service=event.service,
        referral_id=event.referral_id,
        case_type=event.case_type,
        status=status,
        assignee=None,
        opened_at=event.opened_at,
    )


def _first_status(
    opened: cw.CaseOpened, events: list[Recorded], initial: Mapping[str, str]
) -> str | None:
    if opened.case_type is None:
        return UNTYPED
    if opened.status is not None:
        return opened.status
    for event in events:
        change = decode(event, CONTRACTS)
        if isinstance(change, cw.CaseStatusChanged) and change.case_id == opened.case_id:
            return change.from_status
    return initial.get(opened.case_type)


def _apply(case: Case, event: Event, recorded: Recorded) -> None:
    handler = _HANDLERS.get(type(event))
    if handler is not None:
        handler(case, event, recorded)


def _status_changed(case: Case, event: cw.CaseStatusChanged, _: Recorded) -> None:
    case.case_type, case.status = event.case_type, event.to_status
    case.version, case.updated_at = event.version, event.changed_at


def _assigned(case: Case, event: cw.CaseAssigned, _: Recorded) -> None:
    case.assignee, case.version, case.updated_at = event.assignee, event.version, event.assigned_at


def _transferred(case: Case, event: cw.CaseTransferred, _: Recorded) -> None:
    case.organisation_id, case.assignee = event.to_organisation, None
    case.version, case.updated_at = event.version, event.transferred_at


def _share_offered(case: Case, event: cw.CaseShareOffered, recorded: Recorded) -> None:
    case.shares[event.share_id] = Share(
        id=event.share_id,
        case_id=event.case_id,
        organisation_id=event.to_organisation,
        kind=event.kind,
        status="offered",
        offered_by=recorded.actor,
        offered_at=event.offered_at,
    )


def _share_answered(case: Case, event: cw.CaseShareAnswered, recorded: Recorded) -> None:
    share = case.shares.get(event.share_id)
    if share is not None:
        case.shares[share.id] = replace(
            share, status=event.status, answered_by=recorded.actor, answered_at=event.answered_at
        )


def _share_revoked(case: Case, event: cw.CaseShareRevoked, recorded: Recorded) -> None:
    share = case.shares.get(event.share_id)
    if share is None:
        return
    # the owner's revocation is an answer of its own; a consent withdrawn or an erasure is not
    by = recorded.actor if event.cause == "revoked_by_owner" else share.answered_by
    case.shares[share.id] = replace(
        share, status="revoked", answered_by=by, answered_at=event.revoked_at
    )


def _deadline_set(case: Case, event: cw.DeadlineSet, _: Recorded) -> None:
    case.deadlines[event.deadline_id] = Deadline(
        id=event.deadline_id,
        case_id=event.case_id,
        rule_id=event.rule_id,
        rule_version=event.rule_version,
        legal_reference=event.legal_reference,
        anchor=event.anchor,
        computed_due=event.computed_due,
        notified_due=event.notified_due,
    )


def _deadline_recomputed(case: Case, event: cw.DeadlineRecomputed, _: Recorded) -> None:
    deadline = case.deadlines.get(event.deadline_id)
    if deadline is None:
        return
    revision = Revision(
        cause=event.cause,
        old_due=event.old_due,
        new_due=event.new_due,
        old_rule_version=event.old_rule_version,
        new_rule_version=event.new_rule_version,
        recomputed_at=event.recomputed_at,
    )
    case.deadlines[deadline.id] = replace(
        deadline,
        computed_due=event.new_due,
        rule_version=event.new_rule_version,
        revisions=(*deadline.revisions, revision),
    )


def _deadline_closed(case: Case, event: cw.DeadlineClosed, _: Recorded) -> None:
    deadline = case.deadlines.get(event.deadline_id)
    if deadline is not None:
        case.deadlines[deadline.id] = replace(
            deadline, status=event.outcome, closed_at=event.closed_at
        )


AppointmentEvent = (
    cw.AppointmentScheduled
    | cw.AppointmentRescheduled
    | cw.AppointmentCancelled
    | cw.AppointmentAttended
    | cw.AppointmentMissed
)
APPOINTMENT_STATUS: dict[type[Event], str] = {
    cw.AppointmentScheduled: "scheduled",
    cw.AppointmentRescheduled: "scheduled",
    cw.AppointmentCancelled: "cancelled",
    cw.AppointmentAttended: "attended",
    cw.AppointmentMissed: "missed",
}


def _appointment(case: Case, event: AppointmentEvent, recorded: Recorded) -> None:
    case.appointments[event.appointment_id] = Appointment(
        id=event.appointment_id,
        case_id=event.case_id,
        kind=event.kind,
        starts_at=event.starts_at,
        timezone=event.timezone,
        place=event.place,
        status=APPOINTMENT_STATUS[type(event)],
        revision=event.revision,
        updated_by=recorded.actor,
        updated_at=recorded.time,
        person_id=event.person_id,
    )


_HANDLERS: dict[type[Event], Callable[[Case, Any, Recorded], None]] = {
    cw.CaseStatusChanged: _status_changed,
    cw.CaseAssigned: _assigned,
    cw.CaseTransferred: _transferred,
    cw.CaseShareOffered: _share_offered,
    cw.CaseShareAnswered: _share_answered,
    cw.CaseShareRevoked: _share_revoked,
    cw.DeadlineSet: _deadline_set,
    cw.DeadlineRecomputed: _deadline_recomputed,
    cw.DeadlineClosed: _deadline_closed,
    **{kind: _appointment for kind in APPOINTMENT_STATUS},
}
"""What each event does to the case; other events (tasks, notes, documents) leave it as is."""
