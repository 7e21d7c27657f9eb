"""Intake's pure rules: no I/O, no await; time and ids are passed in."""

from shared.errors import Refused as SharedRefused


class Refused(SharedRefused):
    """A state change the rules forbid now (answered as 409 with this reason)."""


__all__ = ["Refused"]
