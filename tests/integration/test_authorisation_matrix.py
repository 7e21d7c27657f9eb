"""The authorisation matrix, generated from each service's OpenAPI: every route with an id,
for every method, tried on the owner's real data by a member of another organisation
holding every role (short of coordinator, who sees across organisations) and by an auditor
of the owner's organisation, is refused, exactly as if the id did not exist (404, or 403
for a role the route does not take), and leaks nothing. A new route joins the matrix by
itself; one whose id the seeding does not know fails until it is seeded. A GET with no id
(a list, a night's figures) shows another organisation none of the owner's ids. The four
services; PostgreSQL and SQLite."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from tests.integration.api_bodies import example, resolve
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
    openapi_documents,
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
# ids that belong to another organisation than the owner's, by service and path parameter
OWNED_BY = {("casework", "referral_id"): PARTNER}  # a referral in the partner's inbox
# who reads a route's data, when not the staff of the organisation that owns it
READERS = {
    ("intake", "GET", "/internal/keys/{person_id}"): token(
        "passerelle", "service", user="service:casework"
    ),
}
# path parameters that are not ids and have no enum: a value that exists on the owner's case
# (a route whose parameters are all such values has no id: it is tried as a listing)
VALUES = {"item": "ofpra_decision", "night": date.today().isoformat()}
# bodies the derivation from the schema cannot make valid, by route
BODIES: dict[tuple[str, str, str], Any] = {
    ("intake", "PATCH", "/persons/{person_id}"): {"chosen_name": "Eve's"},
    ("intake", "POST", "/persons/{person_id}/consents"): {"purpose": "sms_reminders"},
    ("casework", "POST", "/cases/{case_id}/procedure"): {"case_type": "asylum", "version": 1},
    ("casework", "POST", "/cases/{case_id}/transitions"): {
        "to": "legal_aid_requested",
        "on": "2026-03-12",
        "version": 1,
    },
    ("casework", "POST", "/cases/{case_id}/shares"): {
        "organisation_id": "assoc-other",
        "kind": "transfer",
    },
}

DOCUMENTS = openapi_documents()


@dataclass(frozen=True)
class Route:
    """One operation of a service's OpenAPI whose path takes parameters."""

    service: str
    method: str
    path: str
    operation: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.service} {self.method} {self.path}"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.service, self.method, self.path)

    @property
    def owner(self) -> str:
        """The organisation whose data the route's ids are."""
        names = [p["name"] for p in self.parameters("path")]
        owners = {OWNED_BY.get((self.service, name), OWNER) for name in names}
        assert len(owners) == 1, f"{self}: ids of several organisations: {owners}"
        return owners.pop()

    def parameters(self, where: str) -> list[dict[str, Any]]:
        """The operation's parameters in `where` (path, query), references followed."""
        found = (resolve(DOCUMENTS[self.service], p) for p in self.operation.get("parameters", []))
        return [p for p in found if p["in"] == where]

    @property
    def has_id(self) -> bool:
        """Whether a path parameter names something (not a value of VALUES or of an enum)."""
        document = DOCUMENTS[self.service]
        return any(
            p["name"] not in VALUES and "enum" not in resolve(document, p["schema"])
            for p in self.parameters("path")
        )

    @property
    def concrete(self) -> str:
        """The path with its values (VALUES, an enum's first) in place: a route without an id."""
        path = self.path
        for p in self.parameters("path"):
            schema = resolve(DOCUMENTS[self.service], p["schema"])
            value = VALUES.get(p["name"]) or schema["enum"][0]
            path = path.replace(f"{{{p['name']}}}", str(value))
        return path


def operations() -> list[Route]:
    """Every operation of every service's OpenAPI."""
    return [
        Route(service, method.upper(), path, operation)
        for service, document in DOCUMENTS.items()
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def routes() -> list[Route]:
    """Every operation with an id in its path, in every service's OpenAPI, not allowed."""
    return [r for r in operations() if r.has_id and r.key not in ALLOWED]


@pytest.fixture(scope="module", params=BACKENDS)
async def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, kafka_bootstrap: str
) -> AsyncIterator[World]:
    """The four services on fresh databases of the backend, with the owner's data seeded."""
    backend = request.param
    pg = request.getfixturevalue("pg_server_url") if backend == "postgresql" else None
    with databases(backend, pg, tmp_path_factory.mktemp(f"matrix-{backend}")) as dbs:
        async with open_world(dbs, kafka_bootstrap) as opened:
            await seed(opened)
            yield opened


def paths(route: Route, ids: dict[str, str]) -> list[tuple[str, str]]:
    """Each concrete path to try (every value of an enum), with its twin on unknown ids."""
    choices = []
    for parameter in route.parameters("path"):
        name, schema = parameter["name"], resolve(DOCUMENTS[route.service], parameter["schema"])
        if "enum" in schema:
            choices.append([(name, value, value) for value in schema["enum"]])
        elif name in VALUES:
            choices.append([(name, VALUES[name], VALUES[name])])
        elif name in ids:
            unknown = str(uuid.uuid4()) if schema.get("format") == "uuid" else "unknown-org"
            choices.append([(name, ids[name], unknown)])
        else:
            pytest.fail(f"{route}: no seeded {name}: seed one in api_world.seed, or add to VALUES")
    concrete = []
    for combination in itertools.product(*choices):
        real, unknown = route.path, route.path
        for name, value, twin in combination:
            real = real.replace(f"{{{name}}}", value)
            unknown = unknown.replace(f"{{{name}}}", twin)
        concrete.append((real, unknown))
    return concrete


def request_of(route: Route, ids: dict[str, str]) -> dict[str, Any]:
    """A valid body and required query of the route, so that only authorisation refuses."""
    document, kwargs = DOCUMENTS[route.service], {}
    query = [p for p in route.parameters("query") if p.get("required")]
    if query:
        kwargs["params"] = {
            p["name"]: example(document, p["schema"], ids, p["name"]) for p in query
        }
    if route.key in BODIES:
        kwargs["json"] = BODIES[route.key]
    elif "requestBody" in route.operation:
        content = route.operation["requestBody"]["content"]
        assert "application/json" in content, f"{route}: give a body in BODIES"
        kwargs["json"] = example(document, content["application/json"]["schema"], ids)
    return kwargs


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
    health."""
    return [r for r in operations() if r.method == "GET" and not r.has_id]


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
