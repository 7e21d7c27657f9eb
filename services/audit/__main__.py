"""python -m services.audit api|worker|all|migrate|verify-log|replay|report|verify-report"""

from __future__ import annotations

import asyncio
import sys

from services.audit.app import create_app
from services.audit.bootstrap import bootstrap
from services.audit.consumer import tune_gc
from shared.runtime import parse_mode, serve

AUDITOR_MODES = ("replay", "report", "verify-report")
"""The auditors' commands; their module (and its plotting library) loads only for them."""


def main() -> None:
    """Run audit in the mode named on the command line."""
    if sys.argv[1:2] and sys.argv[1] in AUDITOR_MODES:
        from services.audit import cli

        sys.exit(cli.main(sys.argv[1:]))
    mode = parse_mode("audit", sys.argv[1:])
    audit = bootstrap()
    if mode in ("worker", "all"):  # this process ingests
        tune_gc()
    asyncio.run(serve(audit.runtime, mode, lambda _runtime: create_app(audit)))


if __name__ == "__main__":
    main()
