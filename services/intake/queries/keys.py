"""The key store: one AES-256 data key per person, kept wrapped by the master key.

It lives on the read side because queries and handlers both read keys; only handlers call
its two writes, `create` and `destroy`, inside their unit of work."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.domain.search_keys import Blinder
from services.intake.models import PersonKey
from shared.crypto import MasterKey, blind_index, generate_key


class KeyErased(LookupError):
    """The person's key is gone: their personal fields can no longer be read."""


class KeyStore:
    """Creates and unwraps per-person data keys inside the caller's transaction."""

    def __init__(self, master: MasterKey, blinder: Blinder) -> None:
        self._master = master
        self._phone_index_key = master.derive("phone-index")
        self.blinder = blinder
        """Hashes the terms persons are found by, with the index key (never the master key)."""

    def phone_index(self, e164: str) -> str:
        """A keyed hash of a phone number: finds equal numbers without storing them in clear."""
        return blind_index(self._phone_index_key, e164)

    async def create(self, session: AsyncSession, person_id: str, now: datetime) -> bytes:
        """A new data key for `person_id`, stored wrapped."""
        data_key = generate_key()
        wrapped = self._master.wrap(data_key, person_id)
        session.add(PersonKey(person_id=person_id, wrapped_key=wrapped, created_at=now))
        return data_key

    async def destroy(self, session: AsyncSession, person_id: str) -> None:
        """Delete the person's key: every ciphertext made with it becomes unreadable."""
        row = await session.get(PersonKey, person_id)
        if row is not None:
            await session.delete(row)

    async def get_many(self, session: AsyncSession, person_ids: Iterable[str]) -> dict[str, bytes]:
        """The unwrapped data keys of those of the persons not erased, read in one query."""
        query = select(PersonKey).where(col(PersonKey.person_id).in_(set(person_ids)))
        rows = (await session.execute(query)).scalars()
        return {row.person_id: self._master.unwrap(row.wrapped_key, row.person_id) for row in rows}

    async def get(self, session: AsyncSession, person_id: str) -> bytes:
        """The unwrapped data key of `person_id`, or KeyErased."""
        row = await session.get(PersonKey, person_id)
        if row is None:
            raise KeyErased(person_id)
        return self._master.unwrap(row.wrapped_key, person_id)
