"""python -m services.notifications api|worker|all|migrate"""

from __future__ import annotations

import asyncio
import sys

from services.notifications.app import create_app
from services.notifications.bootstrap import bootstrap
from shared.runtime import parse_mode, serve


def main() -> None:
    """Run notifications in the mode named on the command line."""
    mode = parse_mode("notifications", sys.argv[1:])
    asyncio.run(serve(bootstrap(), mode, create_app))


if __name__ == "__main__":
    main()
