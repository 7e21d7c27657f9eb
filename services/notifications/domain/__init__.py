"""Notifications' pure rules: message states, reminder plans, quiet hours, keywords, SMS texts
and segments; no I/O, no await; time and ids are passed in."""

from shared.errors import Refused

__all__ = ["Refused"]
