"""Schemathesis over every operation of each service's OpenAPI, on PostgreSQL and on SQLite:
whatever a member of staff (an auditor, for audit) sends, the answer is never a server error
and conforms to the document (status code, content type, body). Deterministic: a fixed seed,
derandomised examples, a bounded number of them per operation.

A server error fails the operation's test at once, shrunk to its smallest input. A
non-conforming answer does not stop the search (an undocumented 404 must not hide a 500
further on): each distinct one is collected and fails the test at its teardown.

The OpenAPI documents declare no links, so there is no stateful phase; instead, half of the
examples aim at the owner's real data (the seeded ids replace the generated path ids)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.api_served import Served, served_world
from tests.integration.api_world import BACKENDS, STAFF, databases, openapi_documents
from tests.integration.conftest import token

pytestmark = pytest.mark.integration

SEED = 20260301
EXAMPLES = 20  # per operation and phase: the whole sweep stays within a few minutes
CONFORMANCE = [
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {"mode": "all", "deterministic": True, "database": "none"},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},  # no links in the documents
        },
    }
)
DOCUMENTS = copy.deepcopy(openapi_documents())  # schemathesis may annotate what it loads
intake = schemathesis.openapi.from_dict(DOCUMENTS["intake"], config=CONFIG)
casework = schemathesis.openapi.from_dict(DOCUMENTS["casework"], config=CONFIG)
notifications = schemathesis.openapi.from_dict(DOCUMENTS["notifications"], config=CONFIG)
housing = schemathesis.openapi.from_dict(DOCUMENTS["housing"], config=CONFIG)
audit = schemathesis.openapi.from_dict(DOCUMENTS["audit"], config=CONFIG)
CALLERS = {"audit": token("city-inspection", "auditor", user="ines")}
"""Who calls a service, when not the owner's staff."""
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # `conformance` is function-scoped on purpose: it gathers over all of an operation's examples
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)


@pytest.fixture(scope="module", params=BACKENDS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, kafka_bootstrap: str
) -> Iterator[Served]:
    """The four services and audit over HTTP on fresh databases of the backend, with seeded data."""
    backend = request.param
    pg = request.getfixturevalue("pg_server_url") if backend == "postgresql" else None
    tmp: Path = tmp_path_factory.mktemp(f"fuzz-{backend}")
    with databases(backend, pg, tmp) as dbs, served_world(dbs, kafka_bootstrap) as world:
        yield world


@pytest.fixture
def conformance() -> Iterator[dict[str, str]]:
    """The distinct non-conforming answers of one operation, over all its examples."""
    found: dict[str, str] = {}
    yield found
    if found:
        pytest.fail("answers that break the OpenAPI document:\n" + "\n".join(found.values()))


def call(
    service: str,
    case: schemathesis.Case,
    real: bool,
    served: Served,
    conformance: dict[str, str],
) -> None:
    """Send the case as the owner's staff, or the service's caller (aimed at the seeded data
    when `real`), and check."""
    if real and case.path_parameters:
        case.path_parameters = {
            name: served.ids.get(name, value) for name, value in case.path_parameters.items()
        }
    headers = CALLERS.get(service, STAFF)
    response = case.call(base_url=served.urls[service], headers=headers)
    case.validate_response(response, checks=[not_a_server_error], headers=headers)
    try:
        case.validate_response(response, checks=CONFORMANCE, headers=headers)
    except FailureGroup as group:
        for failure in group.exceptions:
            key = f"{failure.code} {response.status_code}"
            conformance.setdefault(
                key,
                f"- {failure.title} ({failure.code}): {case.method} {case.formatted_path} -> "
                f"{response.status_code} {response.text_lossy()[:200]}: {failure.message.strip()}",
            )


@intake.given(real=st.booleans())
@intake.parametrize()
@SETTINGS
def test_intake_answers_as_documented(
    case: schemathesis.Case, real: bool, served: Served, conformance: dict[str, str]
) -> None:
    call("intake", case, real, served, conformance)


@casework.given(real=st.booleans())
@casework.parametrize()
@SETTINGS
def test_casework_answers_as_documented(
    case: schemathesis.Case, real: bool, served: Served, conformance: dict[str, str]
) -> None:
    call("casework", case, real, served, conformance)


@notifications.given(real=st.booleans())
@notifications.parametrize()
@SETTINGS
def test_notifications_answers_as_documented(
    case: schemathesis.Case, real: bool, served: Served, conformance: dict[str, str]
) -> None:
    call("notifications", case, real, served, conformance)


@housing.given(real=st.booleans())
@housing.parametrize()
@SETTINGS
def test_housing_answers_as_documented(
    case: schemathesis.Case, real: bool, served: Served, conformance: dict[str, str]
) -> None:
    call("housing", case, real, served, conformance)


@audit.given(real=st.booleans())
@audit.parametrize()
@SETTINGS
def test_audit_answers_as_documented(
    case: schemathesis.Case, real: bool, served: Served, conformance: dict[str, str]
) -> None:
    call("audit", case, real, served, conformance)
