"""Events published by the casework service on `casework.events`, keyed by case.

Every event names its case, so a case's timeline is its key's history. Free text (notes,
appointment places) travels encrypted with the person's key."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from shared.events.base import Ciphertext, Event

TOPIC = "casework.events"


class CaseOpened(Event):
    """A case file was opened for a person in an organisation (from a referral, or directly)."""

    TYPE = "casework.case_opened.v1"
    AGGREGATE = "case_id"

    case_id: str
    person_id: str
    organisation_id: str
    service: str
    referral_id: str | None = None
    opened_at: datetime
    case_type: str | None = Field(default=None, description="the procedure, once chosen")
    status: str | None = Field(
        default=None, description="the procedure's first status, when opened with a procedure"
    )


class ReferralAccepted(Event):
    """Casework took on a referral from intake: the partner's case is `case_id`."""

    TYPE = "casework.referral_accepted.v1"
    AGGREGATE = "referral_id"

    referral_id: str
    person_id: str
    organisation_id: str
    case_id: str
    accepted_at: datetime


def decline_reason_aad(referral_id: str) -> str:
    """The associated data a decline's reason is encrypted with (the person's key): it binds
    the ciphertext to its referral, and intake needs it to read the reason."""
    return f"{referral_id}:decline_reason"


class ReferralDeclined(Event):
    """The partner said no to a referral from intake (capacity, competence); the staff's reason
    travels encrypted with the person's key."""

    TYPE = "casework.referral_declined.v1"
    AGGREGATE = "referral_id"

    referral_id: str
    person_id: str
    organisation_id: str
    reason: Ciphertext
    declined_at: datetime


class CaseStatusChanged(Event):
    """A case moved along its procedure (choosing the procedure is the first move)."""

    TYPE = "casework.case_status_changed.v1"
    AGGREGATE = "case_id"

    case_id: str
    person_id: str
    organisation_id: str
    case_type: str
    from_status: str
    to_status: str
    effective_on: date = Field(description="the date of the fact (e.g. a notification)")
    version: int
    changed_at: datetime


class CaseAssigned(Event):
    """A caseworker of the owning organisation follows the case (None: nobody now)."""

    TYPE = "casework.case_assigned.v1"
    AGGREGATE = "case_id"

    case_id: str
    organisation_id: str
    assignee: str | None
    version: int
    assigned_at: datetime


class CaseShareOffered(Event):
    """The owner offers a partner access to the case (`referral`) or its ownership
    (`transfer`); the person consented to the sharing."""

    TYPE = "casework.case_share_offered.v1"
    AGGREGATE = "case_id"

    case_id: str
    share_id: str
    person_id: str
    from_organisation: str
    to_organisation: str
    kind: str
    offered_at: datetime


class CaseShareAnswered(Event):
    """The partner accepted or declined an offer (a decline's reason stays in casework)."""

    TYPE = "casework.case_share_answered.v1"
    AGGREGATE = "case_id"

    case_id: str
    share_id: str
    to_organisation: str
    kind: str
    status: str
    answered_at: datetime


class CaseShareRevoked(Event):
    """A partner's access ended: revoked by the owner, or the person withdrew consent."""

    TYPE = "casework.case_share_revoked.v1"
    AGGREGATE = "case_id"

    case_id: str
    share_id: str
    to_organisation: str
    cause: str = Field(description="revoked_by_owner | consent_withdrawn | person_erased")
    revoked_at: datetime


class CaseTransferred(Event):
    """The case changed owner: the receiving organisation accepted it."""

    TYPE = "casework.case_transferred.v1"
    AGGREGATE = "case_id"

    case_id: str
    person_id: str
    from_organisation: str
    to_organisation: str
    version: int
    transferred_at: datetime


class DeadlineSet(Event):
    """A legal deadline started, computed from versioned rule data; the deadline notified
    on the decision letter, when given, is kept beside it."""

    TYPE = "casework.deadline_set.v1"
    AGGREGATE = "case_id"

    case_id: str
    deadline_id: str
    person_id: str
    organisation_id: str
    rule_id: str
    rule_version: int
    legal_reference: str
    anchor: date
    computed_due: date | None
    notified_due: date | None = None
    set_at: datetime


class DeadlineRecomputed(Event):
    """A deadline's computed date changed: suspended, resumed, interrupted, or its rule
    changed; the old and new values are both kept."""

    TYPE = "casework.deadline_recomputed.v1"
    AGGREGATE = "case_id"

    case_id: str
    deadline_id: str
    cause: str
    old_due: date | None
    new_due: date | None
    old_rule_version: int
    new_rule_version: int
    recomputed_at: datetime


class DeadlineClosed(Event):
    """A deadline no longer runs: met (the step was taken) or cancelled."""

    TYPE = "casework.deadline_closed.v1"
    AGGREGATE = "case_id"

    case_id: str
    deadline_id: str
    outcome: str
    closed_at: datetime


class DeadlineApproaching(Event):
    """A deadline is `horizon_days` away (or fewer): caseworkers should act."""

    TYPE = "casework.deadline_approaching.v1"
    AGGREGATE = "case_id"

    case_id: str
    deadline_id: str
    organisation_id: str
    rule_id: str
    due: date
    horizon_days: int
    noticed_at: datetime


def place_aad(case_id: str, appointment_id: str) -> str:
    """The associated data an appointment's place is encrypted with (the person's key): it
    binds the ciphertext to its appointment, and every reader of the event needs it."""
    return f"{case_id}:place:{appointment_id}"


class _Appointment(Event):
    """What every appointment event carries: notifications derives reminders from it."""

    AGGREGATE = "case_id"

    case_id: str
    appointment_id: str
    person_id: str
    organisation_id: str
    kind: str = Field(
        description="prefecture, ofpra_interview, cnda_hearing, lawyer, partner_office"
    )
    revision: int = Field(description="grows with every change: reminders follow the highest")
    starts_at: datetime = Field(description="the instant, in UTC")
    timezone: str = Field(description="IANA zone the appointment is held in")
    place: Ciphertext


class AppointmentScheduled(_Appointment):
    """An appointment was set."""

    TYPE = "casework.appointment_scheduled.v1"


class AppointmentRescheduled(_Appointment):
    """An appointment moved (or its place changed): earlier reminders no longer hold."""

    TYPE = "casework.appointment_rescheduled.v1"


class AppointmentCancelled(_Appointment):
    """An appointment will not take place."""

    TYPE = "casework.appointment_cancelled.v1"


class _Outcome(_Appointment):
    """What an outcome event adds: whether the appointment was recorded after the fact."""

    history: bool = Field(
        default=False,
        description=(
            "scheduled or moved into the past with its outcome, as history: no reminder "
            "was ever due for it (false: the outcome of an appointment set ahead)"
        ),
    )


class AppointmentAttended(_Outcome):
    """The person came to the appointment."""

    TYPE = "casework.appointment_attended.v1"


class AppointmentMissed(_Outcome):
    """The person did not come to the appointment."""

    TYPE = "casework.appointment_missed.v1"


class TaskAdded(Event):
    """A task on the case, with its due date."""

    TYPE = "casework.task_added.v1"
    AGGREGATE = "case_id"

    case_id: str
    task_id: str
    title: Ciphertext
    due_on: date | None
    assignee: str | None
    added_at: datetime


class TaskCompleted(Event):
    """A task was done."""

    TYPE = "casework.task_completed.v1"
    AGGREGATE = "case_id"

    case_id: str
    task_id: str
    completed_at: datetime


class NoteAdded(Event):
    """A confidential note, for the owning organisation only; its text is encrypted."""

    TYPE = "casework.note_added.v1"
    AGGREGATE = "case_id"

    case_id: str
    note_id: str
    organisation_id: str
    text: Ciphertext
    added_at: datetime


class DocumentRecorded(Event):
    """A checklist document's state: needed, received or expiring (metadata, never the file)."""

    TYPE = "casework.document_recorded.v1"
    AGGREGATE = "case_id"

    case_id: str
    document_id: str
    status: str
    expires_on: date | None = None
    recorded_at: datetime


CONTRACTS: tuple[type[Event], ...] = (
    CaseOpened,
    ReferralAccepted,
    ReferralDeclined,
    CaseStatusChanged,
    CaseAssigned,
    CaseShareOffered,
    CaseShareAnswered,
    CaseShareRevoked,
    CaseTransferred,
    DeadlineSet,
    DeadlineRecomputed,
    DeadlineClosed,
    DeadlineApproaching,
    AppointmentScheduled,
    AppointmentRescheduled,
    AppointmentCancelled,
    AppointmentAttended,
    AppointmentMissed,
    TaskAdded,
    TaskCompleted,
    NoteAdded,
    DocumentRecorded,
)
