"""Each service's migrations build exactly the schema its models describe (PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from services.audit.bootstrap import MIGRATIONS as AUDIT_MIGRATIONS
from services.audit.models import metadata as audit_metadata
from services.casework.bootstrap import MIGRATIONS as CASEWORK_MIGRATIONS
from services.casework.models import metadata as casework_metadata
from services.console.bootstrap import MIGRATIONS as CONSOLE_MIGRATIONS
from services.console.models import metadata as console_metadata
from services.housing.bootstrap import MIGRATIONS as HOUSING_MIGRATIONS
from services.housing.models import metadata as housing_metadata
from services.intake.bootstrap import MIGRATIONS as INTAKE_MIGRATIONS
from services.intake.models import metadata as intake_metadata
from services.notifications.bootstrap import MIGRATIONS as NOTIFICATIONS_MIGRATIONS
from services.notifications.models import metadata as notifications_metadata
from shared.db import create_engine
from shared.migrations import upgrade

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("migrations", "metadata"),
    [
        (INTAKE_MIGRATIONS, intake_metadata),
        (NOTIFICATIONS_MIGRATIONS, notifications_metadata),
        (CASEWORK_MIGRATIONS, casework_metadata),
        (CONSOLE_MIGRATIONS, console_metadata),
        (HOUSING_MIGRATIONS, housing_metadata),
        (AUDIT_MIGRATIONS, audit_metadata),
    ],
    ids=["intake", "notifications", "casework", "console", "housing", "audit"],
)
async def test_migrations_match_the_models(
    pg_url: str, migrations: Path, metadata: MetaData
) -> None:
    engine = create_engine(pg_url)
    try:
        await upgrade(engine, migrations)
        await upgrade(engine, migrations)  # a second start changes nothing
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await engine.dispose()
    assert diff == []
