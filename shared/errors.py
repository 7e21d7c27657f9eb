"""Errors the rules raise: pure (no web framework), each carrying the HTTP status it means."""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """A rule the request breaks; the message says which, in words a caseworker can act on."""

    status: ClassVar[int] = 422
    title: ClassVar[str] = "Unprocessable content"


class Refused(DomainError):
    """A change the rules refuse in the state things are in."""

    status = 409
    title = "Conflict"
