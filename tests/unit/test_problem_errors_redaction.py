"""A 422 names the field and what is wrong, without echoing the input, and stays readable."""

from __future__ import annotations

from shared.web import _safe_error


def test_an_input_quoted_in_the_message_is_redacted() -> None:
    error = {
        "loc": ("body", "phone"),
        "msg": "Value error, +33612 is not a number",
        "input": "+33612",
    }
    assert _safe_error(error)["msg"] == "Value error, [redacted] is not a number"


def test_a_short_input_inside_a_word_leaves_the_message_readable() -> None:
    error = {"loc": ("body", "chosen_nam"), "msg": "Extra inputs are not permitted", "input": "x"}
    assert _safe_error(error)["msg"] == "Extra inputs are not permitted"
