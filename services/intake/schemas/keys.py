"""A person's data key, as released to an authorised service."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PersonKeyPublic(BaseModel):
    """A person's data key, for an authorised service only; never to be stored in clear."""

    person_id: str
    algorithm: str = "AES-256-GCM"
    key: str = Field(description="the 32-byte data key, base64")
