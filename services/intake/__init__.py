"""Intake: the front door where a person is welcomed, with or without documents."""
