"""python -m services.intake api|worker|all|migrate"""

from __future__ import annotations

import asyncio
import sys

from services.intake.app import create_app
from services.intake.bootstrap import bootstrap
from shared.runtime import parse_mode, serve


def main() -> None:
    """Run intake in the mode named on the command line."""
    mode = parse_mode("intake", sys.argv[1:])
    intake = bootstrap()
    asyncio.run(serve(intake.runtime, mode, lambda _runtime: create_app(intake)))


if __name__ == "__main__":
    main()
