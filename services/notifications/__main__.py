"""python -m services.notifications api|worker|all|migrate|verify-log"""

from __future__ import annotations

import asyncio
import sys

from services.notifications.app import create_app
from services.notifications.bootstrap import bootstrap
from shared.runtime import parse_mode, serve


def main() -> None:
    """Run notifications in the mode named on the command line."""
    mode = parse_mode("notifications", sys.argv[1:])
    notifications = bootstrap()
    asyncio.run(serve(notifications.runtime, mode, lambda _runtime: create_app(notifications)))


if __name__ == "__main__":
    main()
