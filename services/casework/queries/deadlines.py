"""Reading a case's legal deadlines, with their recomputations."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.casework.domain.deadlines import RuleBook, UnknownRule
from services.casework.models import Deadline, DeadlineRevision
from services.casework.queries.access import find_case
from services.casework.schemas.deadlines import DeadlinePublic, RevisionPublic
from shared.auth import Principal
from shared.schemas import present


def effective_due(deadline: Deadline) -> date | None:
    """The date to act by: the earlier of the computed and the notified deadline."""
    dates = [d for d in (deadline.computed_due, deadline.notified_due) if d is not None]
    return min(dates) if dates else None


async def of_case(
    session: AsyncSession, rules: RuleBook, case_id: str, principal: Principal
) -> list[DeadlinePublic]:
    """The case's deadlines, soonest first, each with its history of recomputations."""
    case = await find_case(session, case_id, principal)
    rows = await session.execute(
        select(Deadline).where(col(Deadline.case_id) == case.id).order_by(col(Deadline.set_at))
    )
    found = list(rows.scalars())
    revisions = await _revisions(session, [d.id for d in found])
    answers = [public(d, rules, revisions.get(d.id, [])) for d in found]
    return sorted(answers, key=lambda d: (d.status != "open", d.due is None, d.due))


def public(deadline: Deadline, rules: RuleBook, revisions: list[RevisionPublic]) -> DeadlinePublic:
    """A deadline as caseworkers read it."""
    try:
        label = rules.applicable(deadline.rule_id, deadline.anchor).label
    except UnknownRule:
        label = deadline.rule_id
    notified, computed = deadline.notified_due, deadline.computed_due
    return present(
        DeadlinePublic,
        deadline,
        label=label,
        due=effective_due(deadline),
        differs=notified is not None and computed is not None and notified != computed,
        revisions=revisions,
    )


async def _revisions(
    session: AsyncSession, deadline_ids: list[str]
) -> dict[str, list[RevisionPublic]]:
    if not deadline_ids:
        return {}
    rows = await session.execute(
        select(DeadlineRevision)
        .where(col(DeadlineRevision.deadline_id).in_(deadline_ids))
        .order_by(col(DeadlineRevision.id))
    )
    found: dict[str, list[RevisionPublic]] = {}
    for revision in rows.scalars():
        found.setdefault(revision.deadline_id, []).append(present(RevisionPublic, revision))
    return found
