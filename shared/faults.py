"""Deterministic fault points for crash tests: a process dies exactly where a test asks.

A fault point is a no-op unless a test enables it by naming it in PASSERELLE_FAULT_POINT in
the environment of a process it starts; no setting of a deployment sets that variable."""

from __future__ import annotations

import os
import signal

FAULT_ENV = "PASSERELLE_FAULT_POINT"


def fault_point(name: str) -> None:
    """SIGKILL this process when PASSERELLE_FAULT_POINT names this point (tests only)."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
