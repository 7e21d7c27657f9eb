"""Alembic, per service: each service keeps its own migrations and runs them at start."""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATION_LOCK = 0x70617373  # one key: a database belongs to one service


def _config(script_location: Path, connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, script_location: Path, revision: str = "head") -> None:
    """Bring the service's database to `revision`; concurrent starters wait for each other."""
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK}
            )
        await connection.run_sync(
            lambda sync: command.upgrade(_config(script_location, sync), revision)
        )


async def autogenerate(engine: AsyncEngine, script_location: Path, message: str) -> None:
    """Write a new revision from the difference between the models and the database."""
    async with engine.begin() as connection:
        await connection.run_sync(
            lambda sync: command.revision(
                _config(script_location, sync), message=message, autogenerate=True
            )
        )


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's `migrations/env.py`: migrate on the given connection."""
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
