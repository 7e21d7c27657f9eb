"""Legal deadlines of cases: started and met by steps, suspended, resumed or interrupted,
recomputed when their rule changes, and announced as they approach."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import structlog
from sqlalchemy import select
from sqlmodel import col

from services.casework.domain.deadlines import ClockEvent, Computation, RuleBook, compute
from services.casework.models import Case, Deadline, DeadlineAlert, DeadlineRevision
from services.casework.queries.access import Need, find_of_case
from services.casework.queries.deadlines import effective_due
from shared.auth import Principal
from shared.events.casework import (
    DeadlineApproaching,
    DeadlineClosed,
    DeadlineRecomputed,
    DeadlineSet,
)
from shared.uow import UnitOfWork
from shared.web import Conflict

log = structlog.get_logger(__name__)
SYSTEM = Principal(user_id="service:casework", org="passerelle", roles=frozenset({"service"}))
"""Who acts when casework itself recomputes or announces deadlines."""


def clock_of(deadline: Deadline) -> list[ClockEvent]:
    """The deadline's suspensions, resumptions and interruptions, as the engine reads them."""
    return [ClockEvent(kind=e["kind"], on=date.fromisoformat(e["on"])) for e in deadline.clock]  # type: ignore[arg-type]


def start(
    uow: UnitOfWork,
    rules: RuleBook,
    case: Case,
    rule_id: str,
    anchor: date,
    notified_due: date | None,
    now: datetime,
) -> Deadline:
    """Start a deadline of the case from the rule version in force on its anchor date."""
    rule = rules.applicable(rule_id, anchor)
    computed = compute(rule, anchor)
    deadline = Deadline(
        id=str(uuid.uuid4()),
        case_id=case.id,
        rule_id=rule.id,
        rule_version=rule.version,
        legal_reference=rule.legal_reference,
        anchor=anchor,
        clock=[],
        computed_due=computed.due,
        notified_due=notified_due,
        set_at=now,
    )
    uow.session.add(deadline)
    uow.record(
        DeadlineSet(
            case_id=case.id,
            deadline_id=deadline.id,
            person_id=case.person_id,
            organisation_id=case.organisation_id,
            rule_id=rule.id,
            rule_version=rule.version,
            legal_reference=rule.legal_reference,
            anchor=anchor,
            computed_due=computed.due,
            notified_due=notified_due,
            set_at=now,
        )
    )
    return deadline


async def close(uow: UnitOfWork, case: Case, rule_id: str, outcome: str, now: datetime) -> None:
    """Close the case's open deadlines of a rule: the step they waited for was taken."""
    query = select(Deadline).where(
        col(Deadline.case_id) == case.id,
        col(Deadline.rule_id) == rule_id,
        col(Deadline.status) == "open",
    )
    for deadline in (await uow.session.execute(query)).scalars():
        deadline.status, deadline.closed_at = outcome, now
        uow.record(
            DeadlineClosed(case_id=case.id, deadline_id=deadline.id, outcome=outcome, closed_at=now)
        )


def recompute(
    uow: UnitOfWork, rules: RuleBook, deadline: Deadline, cause: str, now: datetime
) -> Computation:
    """Compute the deadline again (rule in force on its anchor, its clock) and record the
    difference, if any, with the old and new values."""
    rule = rules.applicable(deadline.rule_id, deadline.anchor)
    computed = compute(rule, deadline.anchor, clock_of(deadline))
    if computed.due == deadline.computed_due and rule.version == deadline.rule_version:
        return computed
    event = DeadlineRecomputed(
        case_id=deadline.case_id,
        deadline_id=deadline.id,
        cause=cause,
        old_due=deadline.computed_due,
        new_due=computed.due,
        old_rule_version=deadline.rule_version,
        new_rule_version=rule.version,
        recomputed_at=now,
    )
    # the revision row keeps what the event says, less the case (its deadline names it)
    uow.session.add(DeadlineRevision(**event.model_dump(exclude={"case_id"})))
    uow.record(event)
    log.info("deadline.recomputed", deadline_id=deadline.id, cause=cause)
    deadline.computed_due, deadline.rule_version = computed.due, rule.version
    deadline.legal_reference = rule.legal_reference
    return computed


def add_clock_event(
    uow: UnitOfWork, rules: RuleBook, deadline: Deadline, event: ClockEvent, now: datetime
) -> Computation:
    """Suspend, resume or interrupt the deadline's clock (e.g. legal aid asked, then decided)."""
    if deadline.status != "open":
        raise Conflict(f"this deadline is {deadline.status}: its clock no longer runs")
    deadline.clock = [*deadline.clock, {"kind": event.kind, "on": event.on.isoformat()}]
    return recompute(uow, rules, deadline, event.kind, now)


async def record_clock_event(
    uow: UnitOfWork,
    rules: RuleBook,
    deadline_id: str,
    event: ClockEvent,
    principal: Principal,
    now: datetime,
) -> Deadline:
    """A caseworker of the owning organisation suspends, resumes or interrupts a deadline;
    404 for anyone else."""
    _, deadline = await find_of_case(
        uow.session, Deadline, deadline_id, principal, Need.OWN, missing="No such deadline."
    )
    add_clock_event(uow, rules, deadline, event, now)
    return deadline


async def clock_all(
    uow: UnitOfWork,
    rules: RuleBook,
    case: Case,
    rule_id: str,
    kind: str,
    on: date,
    now: datetime,
) -> None:
    """A step of the case suspends, resumes or interrupts its open deadlines of a rule."""
    query = select(Deadline).where(
        col(Deadline.case_id) == case.id,
        col(Deadline.rule_id) == rule_id,
        col(Deadline.status) == "open",
    )
    for deadline in (await uow.session.execute(query)).scalars():
        add_clock_event(uow, rules, deadline, ClockEvent(kind=kind, on=on), now)  # type: ignore[arg-type]


async def apply_rule_data(uow: UnitOfWork, rules: RuleBook, now: datetime) -> int:
    """The rule data changed: recompute the open deadlines whose rule version in force
    changed (the worker at its start, a coordinator on demand); how many changed."""
    changed = await recompute_open(uow, rules, now)
    if changed:
        log.info("deadlines.rules_applied", changed=changed)
    return changed


async def recompute_open(uow: UnitOfWork, rules: RuleBook, now: datetime) -> int:
    """After a change of rule data: recompute every open deadline whose rule version in force
    changed; returns how many changed."""
    open_deadlines = select(Deadline).where(col(Deadline.status) == "open")
    changed = 0
    for deadline in (await uow.session.execute(open_deadlines)).scalars():
        in_force = rules.applicable(deadline.rule_id, deadline.anchor)
        if in_force.version != deadline.rule_version:
            recompute(uow, rules, deadline, "rule_changed", now)
            changed += 1
    return changed


async def announce_approaching(
    uow: UnitOfWork, horizons: tuple[int, ...], today: date, now: datetime
) -> int:
    """Send `deadline_approaching` once per deadline and horizon crossed (7 days, 2 days…);
    when several are crossed at once, one event names the nearest. Returns events sent."""
    if not horizons:
        return 0
    widest = today + timedelta(days=max(horizons))
    query = (
        select(Deadline, Case)
        .join(Case, col(Case.id) == col(Deadline.case_id))
        .where(col(Deadline.status) == "open")
    )
    sent = 0
    for deadline, case in (await uow.session.execute(query)).all():
        due = effective_due(deadline)
        if due is None or not today <= due <= widest:
            continue
        crossed = [h for h in horizons if (due - today).days <= h]
        known = await _alerted(uow, deadline.id, due)
        fresh = [h for h in crossed if h not in known]
        if fresh:
            _announce(uow, case, deadline, due, fresh, now)
            sent += 1
    return sent


def _announce(
    uow: UnitOfWork, case: Case, deadline: Deadline, due: date, fresh: list[int], now: datetime
) -> None:
    """Remember each horizon crossed, and announce the nearest one."""
    for horizon in fresh:
        uow.session.add(
            DeadlineAlert(deadline_id=deadline.id, horizon_days=horizon, due=due, noticed_at=now)
        )
    uow.record(
        DeadlineApproaching(
            case_id=case.id,
            deadline_id=deadline.id,
            organisation_id=case.organisation_id,
            rule_id=deadline.rule_id,
            due=due,
            horizon_days=min(fresh),
            noticed_at=now,
        )
    )


async def _alerted(uow: UnitOfWork, deadline_id: str, due: date) -> set[int]:
    query = select(col(DeadlineAlert.horizon_days)).where(
        col(DeadlineAlert.deadline_id) == deadline_id, col(DeadlineAlert.due) == due
    )
    return set((await uow.session.execute(query)).scalars())
