"""The authorisation matrix, generated from each service's OpenAPI: every route with an id,
for every method, tried on the owner's real data by a member of another organisation
holding every role (short of coordinator, who sees across organisations) and by an auditor
of the owner's organisation, is refused, exactly as if the id did not exist (404, or 403
for a role the route does not take), and leaks nothing. A new route joins the matrix by
itself; one whose id the seeding does not know fails until it is seeded. A GET with no id
(a list, a night's figures) shows another organisation none of the owner's ids. Auditors
read history, not live files: every GET of the four services refuses them, but health and a
night's figures. An auditor, of any organisation, writes nowhere: every other method than GET
of every service refuses the role and records nothing. Audit answers auditors only, and only
by GET. The four services and audit; PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select

from tests.integration.api_routes import DOCUMENTS, Route, operations, paths, request_of
from tests.integration.api_seed import seed
from tests.integration.api_world import (
    BACKENDS,
    NAME,
    OWNER,
    PARTNER,
    SECRET_NOTE,
    World,
    databases,
    open_world,
    staff_of,
)
from tests.integration.conftest import token

pytestmark = pytest.mark.integration

OUTSIDER = token(
    "assoc-other", "intake", "caseworker", "housing_officer", "auditor", "admin", user="eve"
)

# routes with an id that anyone of staff may use on purpose, and why (keep it short)
ALLOWED = {
    ("intake", "GET", "/partners/{partner_id}"): "the directory of partner organisations",
}
# ids any member of staff may see in a listing, and why
PUBLIC_IDS = {
    "partner_id": "the directory of partner organisations",
    "site_id": "a partner sees that a housing site exists (GET /sites: no address, no rooms)",
}
# who reads a route's data, when not the staff of the organisation that owns it
READERS = {
    ("intake", "GET", "/internal/keys/{person_id}"): token(
        "passerelle", "service", user="service:casework"
    ),
}
AUDITORS = {
    "the owner's auditor": token(OWNER, "auditor", user="anne"),
    "a partner's auditor": token(PARTNER, "auditor", user="paul"),
    "the inspection's auditor": token("city-inspection", "auditor", user="ines"),
}
# who may not read audit: every role but auditor, of the owner's organisation
NOT_AUDITORS = {
    "a caseworker": token(OWNER, "caseworker", user="lea"),
    "a coordinator": token(OWNER, "coordinator", user="chloe"),
    "an intake user": token(OWNER, "intake", user="desk"),
    "all of them, housing and admin": token(
        OWNER, "intake", "caseworker", "housing_officer", "coordinator", "admin", user="max"
    ),
}
WRITES = ("POST", "PUT", "PATCH", "DELETE")
# the provider's webhooks take no bearer token but its signature: a form it did not sign
FORMS = {
    ("notifications", "POST", "/webhooks/sms/status"): {
        "MessageSid": "SM0",
        "MessageStatus": "delivered",
    },
    ("notifications", "POST", "/webhooks/sms/inbound"): {"From": "+33612345678", "Body": "STOP"},
}
# routes that answer whoever calls, and why
HEALTH = {"/healthz": "liveness", "/readyz": "readiness, chains' state", "/metrics": "Prometheus"}
# what auditors read of the live services: counts, no person (housing's night figures)
FIGURES = {
    "/nights/{night}/figures": "a night's counts",
    "/nights/{night}/report.json": "the same, to file",
    "/nights/{night}/report.csv": "the same, to file",
}


def routes() -> list[Route]:
    """Every operation with an id in its path, in every service's OpenAPI, not allowed
    (audit's, for auditors only, have their own test)."""
    return [r for r in operations() if r.has_id and r.key not in ALLOWED and r.service != "audit"]


@pytest.fixture(scope="module", params=BACKENDS)
async def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, kafka_bootstrap: str
) -> AsyncIterator[World]:
    """The four services and audit on fresh databases of the backend, the owner's data seeded."""
    backend = request.param
    pg = request.getfixturevalue("pg_server_url") if backend == "postgresql" else None
    with databases(backend, pg, tmp_path_factory.mktemp(f"matrix-{backend}")) as dbs:
        async with open_world(dbs, kafka_bootstrap) as opened:
            await seed(opened)
            yield opened


def wrong(answer: httpx.Response, baseline: httpx.Response) -> str | None:
    """What is wrong with `answer` as a refusal, next to the answer on an unknown id."""
    if answer.status_code == 422:
        return "422: the matrix's request is invalid: fix VALUES or BODIES, or the route"
    if answer.status_code not in (403, 404):
        return f"not refused: {answer.status_code}"
    if answer.status_code != baseline.status_code:
        return f"{answer.status_code}, but {baseline.status_code} on an unknown id: a leak"
    if answer.headers.get("content-type") != "application/problem+json":
        return f"refused as {answer.headers.get('content-type')}, not problem+json"
    if NAME in answer.text or SECRET_NOTE in answer.text:
        return "refused, but the answer shows the owner's data"
    return None


@pytest.mark.parametrize("route", routes(), ids=str)
async def test_a_route_with_an_id_refuses_who_may_not_see_the_owners_data(
    route: Route, world: World
) -> None:
    http, failures = world.clients[route.service], []
    kwargs = request_of(route, world.ids)
    reader = READERS.get(route.key, staff_of(route.owner))
    callers = {"another organisation": OUTSIDER, "its auditor": token(route.owner, "auditor")}
    for real, unknown in paths(route, world.ids):
        if route.method == "GET":  # the ids are real: the owner reads them
            owner = await http.get(real, headers=reader, params=kwargs.get("params"))
            assert owner.status_code == 200, (real, owner.text)
        for caller, headers in callers.items():
            answer = await http.request(route.method, real, headers=headers, **kwargs)
            baseline = await http.request(route.method, unknown, headers=headers, **kwargs)
            if (problem := wrong(answer, baseline)) is not None:
                failures.append(f"{caller}: {route.method} {real}: {problem}: {answer.text[:300]}")
    assert not failures, "\n".join(failures)


def listings() -> list[Route]:
    """Every GET without an id in its path: lists, the caller's own day, a night's figures,
    health (audit's, for auditors only, have their own test)."""
    return [r for r in operations() if r.method == "GET" and not r.has_id and r.service != "audit"]


@pytest.mark.parametrize("route", listings(), ids=str)
async def test_a_listing_shows_another_organisation_nothing_of_the_owners(
    route: Route, world: World
) -> None:
    answer = await world.clients[route.service].get(
        route.concrete, headers=OUTSIDER, **request_of(route, world.ids)
    )
    assert answer.status_code < 500, answer.text
    owned = {name: value for name, value in world.ids.items() if name not in PUBLIC_IDS}
    shown = [name for name, value in owned.items() if value in answer.text]
    assert not shown, f"{route} shows another organisation the owner's {shown}: {answer.text}"
    assert NAME not in answer.text
    assert SECRET_NOTE not in answer.text


def live_reads() -> list[Route]:
    """Every GET of the four services but health and the night's figures."""
    return [
        r
        for r in operations()
        if r.method == "GET" and r.service != "audit" and r.path not in HEALTH | FIGURES
    ]


@pytest.mark.parametrize("route", live_reads(), ids=str)
async def test_an_auditor_reads_history_not_live_files(route: Route, world: World) -> None:
    http, failures = world.clients[route.service], []
    params = request_of(route, world.ids).get("params")
    for real, _unknown in paths(route, world.ids):
        for caller, headers in AUDITORS.items():
            answer = await http.get(real, headers=headers, params=params)
            if answer.status_code != 403 or NAME in answer.text or SECRET_NOTE in answer.text:
                failures.append(f"{caller}: GET {real}: {answer.status_code} {answer.text[:200]}")
    assert not failures, "\n".join(failures)


def writes() -> list[Route]:
    """Every operation of every service's OpenAPI that is not a GET."""
    return [r for r in operations() if r.method != "GET"]


async def outboxes(world: World) -> dict[str, int]:
    """How many events each service's log holds."""
    sizes = {}
    for name, service in world.services.items():
        async with service.runtime.sessions() as session:
            table = service.runtime.outbox.table
            sizes[name] = (
                await session.execute(select(func.count()).select_from(table))
            ).scalar_one()
    return sizes


@pytest.mark.parametrize("route", writes(), ids=str)
async def test_an_auditor_writes_nowhere(route: Route, world: World) -> None:
    http, failures = world.clients[route.service], []
    kwargs = request_of(route, world.ids)
    if route.key in FORMS:
        kwargs = {"data": FORMS[route.key]}
    for real, _unknown in paths(route, world.ids):
        for caller, headers in AUDITORS.items():
            before = await outboxes(world)
            answer = await http.request(route.method, real, headers=headers, **kwargs)
            if answer.status_code != 403:
                failures.append(f"{caller}: {route.method} {real}: {answer.status_code}")
            elif answer.headers.get("content-type") != "application/problem+json":
                failures.append(f"{caller}: {route.method} {real}: not problem+json")
            if (after := await outboxes(world)) != before:
                failures.append(f"{caller}: {route.method} {real}: recorded {before} -> {after}")
    assert not failures, "\n".join(failures)


def endpoints(app: FastAPI) -> dict[str, set[str]]:
    """Every path the app serves, in its OpenAPI or not, with its methods."""
    served: dict[str, set[str]] = {}
    for route in iter_route_contexts(app.routes):
        if route.path_format is not None:
            served.setdefault(route.path_format, set()).update(route.methods or ())
    return served


async def test_every_write_of_every_service_is_in_its_openapi(world: World) -> None:
    for name, app in world.apps.items():
        documented = {
            (method.upper(), path)
            for path, item in DOCUMENTS[name]["paths"].items()
            for method in item
        }
        served = endpoints(app)
        assert {path for _, path in documented} <= set(served), name
        for path, methods in served.items():
            for method in methods - {"GET", "HEAD"}:
                assert (method, path) in documented, f"{name} {method} {path}: not in its OpenAPI"


def audit_routes() -> list[Route]:
    """Every operation of audit's OpenAPI, but its health."""
    return [r for r in operations() if r.service == "audit" and r.path not in HEALTH]


@pytest.mark.parametrize("route", audit_routes(), ids=str)
async def test_audit_answers_auditors_only(route: Route, world: World) -> None:
    http, failures = world.clients["audit"], []
    params = request_of(route, world.ids).get("params")
    for real, _unknown in paths(route, world.ids):
        for caller, headers in NOT_AUDITORS.items():
            answer = await http.get(real, headers=headers, params=params)
            if answer.status_code != 403 or NAME in answer.text:
                failures.append(f"{caller}: GET {real}: {answer.status_code} {answer.text[:200]}")
        for caller, headers in AUDITORS.items():
            answer = await http.get(real, headers=headers, params=params)
            if answer.status_code != 200:
                failures.append(f"{caller}: GET {real}: {answer.status_code} {answer.text[:200]}")
    assert not failures, "\n".join(failures)


async def test_audit_takes_no_write_from_anyone(world: World) -> None:
    served = endpoints(world.apps["audit"])
    assert set(served) >= {r.path for r in audit_routes()} | set(HEALTH)
    for template, methods in served.items():
        assert methods <= {"GET", "HEAD"}, f"audit {template}: {methods}"
        path = template
        for name, value in world.ids.items():
            path = path.replace(f"{{{name}}}", value)
        for method in WRITES:
            for headers in (*AUDITORS.values(), *NOT_AUDITORS.values()):
                before = await outboxes(world)
                answer = await world.clients["audit"].request(method, path, headers=headers)
                assert answer.status_code == 405, (method, path, answer.text)
                assert await outboxes(world) == before, (method, path)
