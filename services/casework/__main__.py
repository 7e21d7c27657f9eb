"""python -m services.casework api|worker|all|migrate|verify-log"""

from __future__ import annotations

import asyncio
import sys

from services.casework.app import create_app
from services.casework.bootstrap import bootstrap
from shared.runtime import parse_mode, serve


def main() -> None:
    """Run casework in the mode named on the command line."""
    mode = parse_mode("casework", sys.argv[1:])
    casework = bootstrap()
    asyncio.run(serve(casework.runtime, mode, lambda _runtime: create_app(casework)))


if __name__ == "__main__":
    main()
