"""python -m services.housing api|worker|all|migrate|verify-log"""

from __future__ import annotations

import asyncio
import sys

from services.housing.app import create_app
from services.housing.bootstrap import bootstrap, load_centre
from services.housing.container import Housing
from shared.logging import configure_logging
from shared.migrations import upgrade
from shared.runtime import parse_mode, serve


def main() -> None:
    """Run housing in the mode named on the command line."""
    mode = parse_mode("housing", sys.argv[1:])
    housing = bootstrap()
    asyncio.run(_run(housing, mode))


async def _run(housing: Housing, mode: str) -> None:
    if mode in ("api", "all"):
        # the centre's plan is entered once, at the first start of its API
        settings = housing.runtime.settings
        configure_logging("housing", level=settings.log_level, json=settings.log_json)
        await upgrade(housing.runtime.engine, housing.runtime.migrations)
        await load_centre(housing)
    await serve(housing.runtime, mode, lambda _runtime: create_app(housing))


if __name__ == "__main__":
    main()
