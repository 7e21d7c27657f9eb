"""The OpenAPI document tells the truth about errors: every one is application/problem+json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from shared.web import PROBLEM_JSON

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem; `errors` lists the invalid fields of a 422.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": ["string", "null"]},
        "instance": {"type": ["string", "null"]},
        "request_id": {"type": ["string", "null"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}

# What any operation may answer besides its own success: the shared error handlers' statuses.
ERROR_ANSWERS = {
    "400": "Malformed request (a body that is not JSON, a bad form)",
    "401": "No valid bearer token",
    "403": "The caller's roles do not allow this",
    "404": "Not found, or not visible to the caller's organisation",
    "409": "Conflicts with the current state (a stale version, a move not allowed)",
    "410": "Gone: the person was erased",
    "413": "The request body or the event it would cause is too large",
    "422": "Invalid input: `errors` names each field",
    "503": "A dependency (the database, Kafka, intake's key store) is unavailable",
}


def document_problems(app: FastAPI) -> None:
    """Declare the problem+json error answers on every operation of the app's document."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        if "Problem" in schemas:
            return schema
        schemas["Problem"] = PROBLEM_SCHEMA
        content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_ANSWERS.items():
                    responses[status] = {"description": description, "content": content}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
