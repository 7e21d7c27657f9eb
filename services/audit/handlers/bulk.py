"""Inserting many rows at once: on PostgreSQL with COPY (the events' ids drawn from their
sequence in one query first), so a batch costs a few round trips and no per-row work in
SQLAlchemy; on SQLite, executemany.

COPY cannot skip a row already there: the caller holds the lock on the sources' chain heads
and has left out every (source, seq) already stored, so none is (a writer that got past the
lock would make the whole batch fail, and it would be read again)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from shared.db import dialect_name

EVENT_COLUMNS = (
    "source",
    "seq",
    "hash",
    "prevhash",
    "event_id",
    "type",
    "subject",
    "time",
    "actor",
    "actororg",
    "envelope",
    "topic",
    "partition",
    "offset",
    "received_at",
)
REF_COLUMNS = ("event_pk", "kind", "ref")
DRAW_IDS = text(
    "SELECT array_agg(nextval(s.name)) FROM (SELECT pg_get_serial_sequence(:t, 'id') AS name) s,"
    " generate_series(1, :n)"
)
"""`n` ids drawn from the table's sequence, as one array (one value for the driver to read,
not a row per id)."""


def table_of(model: type[SQLModel]) -> Table:
    """A model's table, for statements of many rows at once."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def upsert(session: AsyncSession, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of the session's dialect, which can skip rows already there."""
    if dialect_name(session) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def insert_events(
    session: AsyncSession, table: Table, rows: Sequence[tuple[Any, ...]]
) -> dict[tuple[str, int], int]:
    """Insert event rows (values in `EVENT_COLUMNS` order), none of whose (source, seq) is
    stored yet; their ids."""
    if not rows:
        return {}
    if dialect_name(session) == "postgresql":
        ids: list[int] = (
            await session.execute(DRAW_IDS, {"t": table.name, "n": len(rows)})
        ).scalar_one()
        records = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
        await _copy(session, table.name, ["id", *EVENT_COLUMNS], records)
        return {(row[0], row[1]): pk for pk, row in zip(ids, rows, strict=True)}
    insert = upsert(session, table).on_conflict_do_nothing(index_elements=["source", "seq"])
    result = await session.execute(
        insert.returning(table.c.id, table.c.source, table.c.seq),
        [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in rows],
    )
    return {(row.source, row.seq): row.id for row in result.all()}


async def insert_refs(session: AsyncSession, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert what new events are about (values in `REF_COLUMNS` order)."""
    if not rows:
        return
    if dialect_name(session) == "postgresql":
        await _copy(session, table.name, list(REF_COLUMNS), list(rows))
    else:
        values = [dict(zip(REF_COLUMNS, row, strict=True)) for row in rows]
        await session.execute(upsert(session, table).on_conflict_do_nothing(), values)


async def _copy(
    session: AsyncSession, table: str, columns: list[str], records: list[tuple[Any, ...]]
) -> None:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
        table, records=records, columns=columns
    )
