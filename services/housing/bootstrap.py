"""Wires housing's parts; nothing is created at import time."""

from __future__ import annotations

from pathlib import Path

import httpx
import structlog
from sqlalchemy.exc import IntegrityError

from services.housing.consumer import intake_consumer
from services.housing.container import Housing
from services.housing.domain.plan import Plan, PlanError
from services.housing.domain.priority import InvalidRuleBook, RuleBook, load_book
from services.housing.handlers.plan import load
from services.housing.models import outbox_table
from services.housing.scheduler import offer_watch, renewal_watch
from services.housing.settings import HousingSettings
from shared.keystore import KeyStoreClient, service_token
from shared.outbox import Metadata
from shared.runtime import build_runtime
from shared.settings import load_settings

MIGRATIONS = Path(__file__).parent / "migrations"
log = structlog.get_logger(__name__)


def bootstrap(
    settings: HousingSettings | None = None, *, key_store_http: httpx.AsyncClient | None = None
) -> Housing:
    """Build housing from its settings (read from the environment when not given)."""
    settings = settings or load_settings(HousingSettings)
    runtime = build_runtime("housing", settings, outbox_table, MIGRATIONS)
    http = key_store_http or httpx.AsyncClient(
        base_url=settings.key_store.url, timeout=settings.key_store.timeout_seconds
    )
    token = service_token("housing", settings.key_store, settings.auth.jwt_secret)
    housing = Housing(
        runtime=runtime,
        plan=read_plan(settings.plan_file),
        operator=settings.operator,
        priority=read_priority(settings.priority_rules_file),
        keys=KeyStoreClient(http, token, cache_seconds=settings.key_store.cache_seconds),
        index_key=settings.index_key.get_secret_value().encode(),
    )
    runtime.add_consumer(intake_consumer(housing.keys, housing.operator))
    runtime.jobs.append(offer_watch(housing, settings.expiry_scan_seconds))
    runtime.jobs.append(renewal_watch(housing, settings.renewal_scan_seconds))
    return housing


def read_priority(path: Path) -> RuleBook:
    """The waiting list's rule book from its file; a readable exit when missing or wrong."""
    try:
        return load_book(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SystemExit(
            f"HOUSING_PRIORITY_RULES_FILE: cannot read {path}: {exc.strerror}"
        ) from None
    except InvalidRuleBook as exc:
        raise SystemExit(f"HOUSING_PRIORITY_RULES_FILE: {path}: {exc}") from None


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
