"""A caseworker's day, computed from the cases assigned to them in their organisation."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.casework.domain.deadlines import RuleBook
from services.casework.domain.procedures import Catalogue
from services.casework.models import Appointment, Case, Deadline, Task
from services.casework.queries.cases import page_of
from services.casework.queries.deadlines import effective_due
from services.casework.queries.deadlines import public as deadline_public
from services.casework.queries.sealing import unseal
from services.casework.queries.work import task_aad
from services.casework.schemas.day import Day, DayFilters, DueDeadline, LateTask, WeekAppointment
from shared.auth import Principal
from shared.events.casework import place_aad
from shared.keystore import KeyStoreClient
from shared.schemas import present

PARIS = ZoneInfo("Europe/Paris")


def _mine(principal: Principal) -> Select[Any]:
    return select(Case).where(
        col(Case.organisation_id) == principal.org, col(Case.assignee) == principal.user_id
    )


async def day(
    session: AsyncSession,
    principal: Principal,
    filters: DayFilters,
    instant: datetime,
    *,
    keys: KeyStoreClient,
    rules: RuleBook,
    procedures: Catalogue,
) -> Day:
    """My cases (filtered, a page at a time) and, across all of them, what needs me."""
    now = instant.astimezone(PARIS)
    today = now.date()
    mine = list((await session.execute(_mine(principal))).scalars())
    ids = [c.id for c in mine]
    query = _mine(principal)
    if filters.case_type is not None:
        query = query.where(col(Case.case_type) == filters.case_type)
    if filters.status is not None:
        query = query.where(col(Case.status) == filters.status)
    cases = await page_of(session, query, procedures, filters.limit, filters.offset)
    soon, overdue = await _deadlines(session, rules, ids, today, filters.days)
    return Day(
        today=today,
        cases=cases,
        by_status=dict(Counter(c.status for c in mine)),
        by_type=dict(Counter(c.case_type or "untyped" for c in mine)),
        deadlines_soon=soon,
        overdue_deadlines=overdue,
        overdue_tasks=await _late_tasks(session, keys, mine, today),
        appointments_this_week=await _this_week(session, keys, mine, now),
    )


async def _deadlines(
    session: AsyncSession, rules: RuleBook, ids: list[str], today: date, days: int
) -> tuple[list[DueDeadline], list[DueDeadline]]:
    if not ids:
        return [], []
    rows = await session.execute(
        select(Deadline).where(col(Deadline.case_id).in_(ids), col(Deadline.status) == "open")
    )
    soon, overdue = [], []
    for deadline in rows.scalars():
        due = effective_due(deadline)
        if due is None:
            continue  # suspended: nothing runs until it resumes
        public = deadline_public(deadline, rules, [])
        entry = present(
            DueDeadline,
            deadline,
            deadline_id=deadline.id,
            label=public.label,
            computed_due=public.computed_due,
            differs=public.differs,
            due=due,
            days_left=(due - today).days,
        )
        if due < today:
            overdue.append(entry)
        elif due <= today + timedelta(days=days):
            soon.append(entry)
    return sorted(soon, key=lambda d: d.due), sorted(overdue, key=lambda d: d.due)


async def _late_tasks(
    session: AsyncSession, keys: KeyStoreClient, mine: list[Case], today: date
) -> list[LateTask]:
    persons = {c.id: c.person_id for c in mine}
    if not persons:
        return []
    rows = await session.execute(
        select(Task)
        .where(
            col(Task.case_id).in_(list(persons)),
            col(Task.completed_at).is_(None),
            col(Task.due_on) < today,
        )
        .order_by(col(Task.due_on))
    )
    return [
        present(
            LateTask,
            t,
            task_id=t.id,
            title=await unseal(keys, persons[t.case_id], t.title_enc, task_aad(t.case_id, t.id)),
        )
        for t in rows.scalars()
        if t.due_on is not None
    ]


async def _this_week(
    session: AsyncSession, keys: KeyStoreClient, mine: list[Case], now: datetime
) -> list[WeekAppointment]:
    persons = {c.id: c.person_id for c in mine}
    if not persons:
        return []
    # today and the six days after it, in Paris: on a Friday, next week's Monday is there too
    today = now.astimezone(PARIS).date()
    start = datetime.combine(today, time(0), tzinfo=PARIS)
    end = datetime.combine(today + timedelta(days=7), time(0), tzinfo=PARIS)
    rows = await session.execute(
        select(Appointment)
        .where(
            col(Appointment.case_id).in_(list(persons)),
            col(Appointment.status) == "scheduled",
            col(Appointment.starts_at) >= start,
            col(Appointment.starts_at) < end,
        )
        .order_by(col(Appointment.starts_at))
    )
    return [
        present(
            WeekAppointment,
            a,
            appointment_id=a.id,
            place=await unseal(keys, persons[a.case_id], a.place_enc, place_aad(a.case_id, a.id)),
        )
        for a in rows.scalars()
    ]
