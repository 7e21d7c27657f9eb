"""What every service's request and response models share: request bodies refuse unknown
fields, and a response is filled from a row by its field names."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

M = TypeVar("M", bound=BaseModel)


class Command(BaseModel):
    """A request body: an unknown field is a 422 naming it, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


def present(kind: type[M], row: object, **values: Any) -> M:
    """A `kind` whose fields come from `row`'s attributes of the same name, except those
    given in `values` (a decrypted text, a computed figure)."""
    found = {
        name: getattr(row, name)
        for name in kind.model_fields
        if name not in values and hasattr(row, name)
    }
    return kind.model_validate({**found, **values})
