"""A minimal valid request for an OpenAPI operation, derived from its schemas: the required
fields only, with the owner's ids where a field names one, so that a refusal is the
authorisation's and not the body's."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

Schema = dict[str, Any]


class NoExample(Exception):
    """The schema asks for something this derivation cannot make up (say which, in BODIES)."""


def resolve(document: Schema, schema: Schema) -> Schema:
    """`schema` with its `$ref` followed, in `document`."""
    while "$ref" in schema:
        node: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def example(document: Schema, schema: Schema, ids: dict[str, str], name: str = "") -> Any:
    """A value valid for `schema`: the first choice, the smallest size, a known id by name."""
    schema = resolve(document, schema)
    for choice in ("anyOf", "oneOf"):
        if choice in schema:
            options = [s for s in schema[choice] if resolve(document, s).get("type") != "null"]
            return example(document, options[0], ids, name)
    if "allOf" in schema:
        return example(document, schema["allOf"][0], ids, name)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        required = schema.get("required", [])
        properties = schema.get("properties", {})
        return {key: example(document, properties[key], ids, key) for key in required}
    if kind == "array":
        count = schema.get("minItems", 0)
        return [example(document, schema.get("items", {}), ids, name) for _ in range(count)]
    if kind == "string":
        return _string(schema, ids, name)
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
    if kind == "boolean":
        return False
    raise NoExample(f"no example for {name or 'a value'} of schema {schema}")


def _string(schema: Schema, ids: dict[str, str], name: str) -> str:
    if name in ids:
        return ids[name]
    later = datetime.now(UTC) + timedelta(days=30)
    formats = {
        "uuid": str(uuid.uuid4()),
        "date": later.date().isoformat(),
        "date-time": later.replace(hour=9, minute=30, second=0, microsecond=0).isoformat(),
    }
    if "format" in schema:
        if schema["format"] not in formats:
            raise NoExample(f"no example for {name} in format {schema['format']}")
        return formats[schema["format"]]
    plain = "x" * min(schema.get("maxLength", 12), max(schema.get("minLength", 0), 12))
    if "pattern" in schema and not re.search(schema["pattern"], plain):
        raise NoExample(f"no example for {name}, which must match {schema['pattern']}")
    return plain
