"""The operations of every service's OpenAPI, as the authorisation matrix tries them: each
with its path filled with the owner's seeded ids (or a twin on unknown ids), and a body and
query valid enough that only authorisation refuses."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from tests.integration.api_bodies import example, resolve
from tests.integration.api_world import OWNER, PARTNER, openapi_documents

# ids that belong to another organisation than the owner's, by service and path parameter
OWNED_BY = {("casework", "referral_id"): PARTNER}  # a referral in the partner's inbox
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
