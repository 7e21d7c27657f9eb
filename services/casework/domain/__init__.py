"""Casework's pure rules: no I/O, no await; time and ids are passed in."""

from shared.errors import Refused

__all__ = ["Refused"]
