"""Wires housing's parts; nothing is created at import time."""

from __future__ import annotations

from pathlib import Path

import structlog
from sqlalchemy.exc import IntegrityError

from services.housing.container import Housing
from services.housing.domain.plan import Plan, PlanError
from services.housing.handlers.plan import load
from services.housing.models import outbox_table
from services.housing.settings import HousingSettings
from shared.outbox import Metadata
from shared.runtime import build_runtime
from shared.settings import load_settings

MIGRATIONS = Path(__file__).parent / "migrations"
log = structlog.get_logger(__name__)


def bootstrap(settings: HousingSettings | None = None) -> Housing:
    """Build housing from its settings (read from the environment when not given)."""
    settings = settings or load_settings(HousingSettings)
    runtime = build_runtime("housing", settings, outbox_table, MIGRATIONS)
    return Housing(runtime=runtime, plan=read_plan(settings.plan_file), operator=settings.operator)


def read_plan(path: Path) -> Plan:
    """The centre's plan from its file; a readable exit when it is missing or wrong."""
    try:
        return Plan.from_toml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SystemExit(f"HOUSING_PLAN_FILE: cannot read {path}: {exc.strerror}") from None
    except PlanError as exc:
        raise SystemExit(f"HOUSING_PLAN_FILE: {path}: {exc}") from None


async def load_centre(housing: Housing) -> int:
    """Enter the plan's sites not in the database yet, in one transaction; the number added
    (0 on every start after the first)."""
    meta = Metadata(actor="service:housing", actororg=housing.operator)
    try:
        async with housing.unit_of_work(meta) as uow:
            added = await load(uow, housing.plan, housing.operator, housing.clock())
            await uow.commit()
    except IntegrityError:  # another process of housing entered it at the same moment
        log.info("housing.plan_loaded_elsewhere")
        return 0
    return added
