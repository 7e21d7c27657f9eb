"""Casework's pure rules: no I/O, no await; time and ids are passed in."""


class Refused(Exception):
    """A change the rules forbid now (answered as 409 with this reason)."""
