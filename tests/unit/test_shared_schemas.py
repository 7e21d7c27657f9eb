"""Request bodies refuse unknown fields; a response is filled from a row by field names."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pydantic import BaseModel, ValidationError

from shared.schemas import Command, present


class NoteCreate(Command):
    text: str


class NotePublic(BaseModel):
    id: str
    text: str
    pinned: bool = False


@dataclass
class NoteRow:
    id: str
    text_enc: str
    pinned: bool


def test_a_command_refuses_an_unknown_field() -> None:
    with pytest.raises(ValidationError) as refused:
        NoteCreate.model_validate({"text": "x", "txet": "typo"})
    assert refused.value.errors()[0]["loc"] == ("txet",)


def test_present_fills_fields_from_the_row_and_the_given_values() -> None:
    note = present(NotePublic, NoteRow(id="n1", text_enc="enc:v1:…", pinned=True), text="clear")
    assert note == NotePublic(id="n1", text="clear", pinned=True)


def test_present_says_which_field_the_row_lacks() -> None:
    with pytest.raises(ValidationError) as missing:
        present(NotePublic, NoteRow(id="n1", text_enc="enc", pinned=False))
    assert missing.value.errors()[0]["loc"] == ("text",)
